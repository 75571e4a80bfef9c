from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

from learning.forms import looks_like_id
from learning.selectors import org_units_visible_to
from learning.tables import Sheet, xlsx_bytes
from learning.viewsets import _download
from points.leaderboard import Cursor, headcount, ranking_lines, ranking_page
from points.ranking import PERIOD_KINDS, Period, period_is_over
from points.selectors import freeze_for, live_members, team_ranking
from points.services import PointsActionRefused, period_freeze

# The page lists this many; the Excel export always has every row.
ROWS_PER_PAGE = 200
MSG_FROZEN = _(
    "%(unit)s %(period)s已结账：排名不再变化，迟到的积分计入下一个未结账的月份。"
)
VIEWS = {"people": _("个人"), "community": _("社区"), "centre": _("片区")}
ROLES = {"社工": _("社工"), "培训师": _("培训师"), "": _("全部")}


class RankingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("范围"), queryset=None, empty_label=None)
    view = forms.ChoiceField(
        label=_("排名对象"), choices=VIEWS.items(), initial="people"
    )
    kind = forms.ChoiceField(
        label=_("周期"), choices=PERIOD_KINDS.items(), initial="year"
    )
    year = forms.IntegerField(label=_("年度"), min_value=2017, max_value=2100)
    number = forms.IntegerField(
        label=_("月/季度"), min_value=1, max_value=12, required=False
    )
    role = forms.ChoiceField(label=_("岗位角色"), choices=ROLES.items(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = org_units_visible_to(user=user).order_by("path")

    def clean(self):
        cleaned = super().clean()
        kind, number = cleaned.get("kind"), cleaned.get("number")
        if number is None and kind in ("month", "quarter") and cleaned.get("year"):
            # Left empty: this year's current month or quarter, a past year's last.
            today = timezone.localdate()
            month = today.month if cleaned["year"] == today.year else 12
            number = month if kind == "month" else (month - 1) // 3 + 1
            cleaned["number"] = number
        if kind == "quarter" and (number or 1) > 4:
            self.add_error("number", _("季度只能是 1–4。"))
        return cleaned


def ranking_view(request):
    """Rankings within the manager's own subtree; any other unit is refused."""
    user = request.user
    if not (user.is_superuser or user.has_perm("points.view_ranking")):
        raise PermissionDenied
    today = timezone.localdate()
    visible = org_units_visible_to(user=user)
    data = request.GET.copy()
    data.setdefault(
        "unit", str(user.org_unit_id or (visible.first().pk if visible else ""))
    )
    data.setdefault("view", "people")
    data.setdefault("kind", "year")
    data.setdefault("year", str(today.year))
    data.setdefault("role", "社工")
    asked = request.GET.get("unit", "")
    if looks_like_id(asked) and not visible.filter(pk=asked).exists():
        raise PermissionDenied
    form = RankingForm(data, user=user)
    context = {"form": form, "page_title": _("积分排名"), "header_title": _("积分排名")}
    if form.is_valid():
        c = form.cleaned_data
        period = Period(c["kind"], c["year"], c.get("number") or 1)
        if c["kind"] == "year":
            period = Period("year", c["year"])
        role = c.get("role") or None
        freeze = freeze_for(unit=c["unit"], period=period)
        query = request.GET.copy()
        query.pop("p", None)
        query.pop("after", None)
        if request.GET.get("format") == "xlsx":
            headers, rows = _table(c["view"], c["unit"], period, role)
            sheet = Sheet("排名", headers, rows)
            name = f"积分排名-{c['unit'].name}-{period.label}.xlsx"
            return _download(xlsx_bytes(sheet), name, "xlsx")
        if c["view"] == "people":
            # Keyset pages: each page starts where the last one ended.
            after = Cursor.parse(request.GET.get("after"))
            page = ranking_page(
                unit=c["unit"],
                period=period,
                role_label=role,
                after=after,
                size=ROWS_PER_PAGE,
            )
            headers, rows = PEOPLE_HEADERS, [_person(line) for line in page.lines]
            context.update(
                next_token=page.next.token() if page.next else "",
                paged=after is not None,
                total=headcount(c["unit"], role),
            )
        else:
            headers, rows = _table(c["view"], c["unit"], period, role)
            context.update(total=len(rows))
        context.update(
            period=period,
            headers=headers,
            rows=rows,
            page_query=query.urlencode(),
            unit=c["unit"],
            freeze=freeze,
            can_freeze=freeze is None
            and user.has_perm("points.freeze_period")
            and period_is_over(period),
        )
    status = 200 if form.is_valid() else 400
    return render(request, "points/admin/ranking.html", context, status=status)


PEOPLE_HEADERS = ["名次", "工号", "姓名", "所属单位", "积分", "学时"]


def _person(line):
    return (line.rank, line.username, line.name, line.unit_name, line.points,
            line.hours)  # fmt: skip


def _table(view, unit, period, role):
    if view == "people":
        # Streams: read from the database a page at a time as the sheet is written.
        lines = ranking_lines(unit=unit, period=period, role_label=role)
        return PEOPLE_HEADERS, (_person(line) for line in lines)
    headers = ["名次", "单位", "人数", "人均积分", "达标率（%）"]
    rows = [
        (r.rank, r.unit.name, r.members, r.average, r.above_target)
        for r in team_ranking(unit=unit, kind=view, period=period)
    ]
    return headers, rows


FREEZE_FIELDS = ("unit", "view", "kind", "year", "number", "role")


def freeze_view(request):
    """结账: keep the period's ranking for the unit as it stands now. The first
    request (GET, or POST without confirm) only shows what closing will do; the
    period is closed by a second, explicit POST carrying confirm."""
    user = request.user
    if not (user.is_superuser or user.has_perm("points.freeze_period")):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = RankingForm(data, user=user)
    if "unit" in data and not (
        looks_like_id(data["unit"])
        and org_units_visible_to(user=user).filter(pk=data["unit"]).exists()
    ):
        raise PermissionDenied
    back = reverse("points_rankings")
    if not form.is_valid():
        messages.error(request, _("结账参数有误。"))
        return redirect(back)
    c = form.cleaned_data
    period = Period(c["kind"], c["year"], c.get("number") or 1)
    if c["kind"] == "year":
        period = Period("year", c["year"])
    query = urlencode({k: data[k] for k in FREEZE_FIELDS if data.get(k)})
    if not (request.method == "POST" and request.POST.get("confirm")):
        return render(
            request,
            "points/admin/freeze_confirm.html",
            {
                "page_title": _("结账冻结本期"),
                "header_title": _("结账冻结本期"),
                "form": form,
                "unit": c["unit"],
                "period": period,
                "people": len(
                    live_members(unit=c["unit"], period=period, role_label=None)
                ),
                "freeze": freeze_for(unit=c["unit"], period=period),
                "not_over": not period_is_over(period),
                "back": f"{back}?{query}",
            },
        )
    try:
        period_freeze(unit=c["unit"], period=period, actor=user)
    except PointsActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            MSG_FROZEN % {"unit": c["unit"].name, "period": period.label},
        )
    return redirect(f"{back}?{query}")
