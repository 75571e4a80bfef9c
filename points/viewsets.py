from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.panels import FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from learning.imports import import_in_two_steps
from learning.selectors import staff_visible_to
from learning.viewsets import _download
from points.forms import (
    AdjustmentForm,
    AppealDecisionForm,
    DecisionForm,
    NewVersionForm,
    RulebookVersionForm,
)
from points.models import Adjustment, LedgerEntry, OfflineTraining, RulebookVersion
from points.services import (
    AttendanceRejected,
    PointsActionRefused,
    adjustment_decide,
    adjustment_propose,
    appeal_decide,
    attendance_import,
    attendance_template,
    rulebook_version_draft,
)


def _visible(request, user_id) -> bool:
    return staff_visible_to(user=request.user).filter(pk=user_id).exists()


# ------------------------------------------------------------------ ledger


class LedgerIndexView(generic.IndexView):
    def get_base_queryset(self):
        visible = staff_visible_to(user=self.request.user).values("pk")
        return (
            super()
            .get_base_queryset()
            .filter(user__in=visible)
            .select_related("user", "rule__version")
        )


class LedgerInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        entry = super().get_object(queryset)
        if not _visible(self.request, entry.user_id):
            raise PermissionDenied
        return entry


class LedgerViewSet(ModelViewSet):
    """积分流水: read-only; corrections are reversing entries posted by services."""

    model = LedgerEntry
    icon = "list-ul"
    menu_label = _("积分流水")
    url_prefix = "ledger"
    name = "ledger"
    index_view_class = LedgerIndexView
    inspect_view_class = LedgerInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["reason"]  # never shown: the permission policy only allows viewing
    list_filter = ["year", "month", "rule_code", "kind"]
    search_fields = ["user__name", "user__username", "reason"]
    search_backend_name = None
    ordering = ["-occurred_at", "-pk"]
    list_display = [
        Column("user", label=_("员工")),
        "reason",
        "points",
        "hours",
        "rule_code",
        DateColumn("occurred_at", label=_("发生时间")),
    ]
    list_export = ["user", "rule_code", "points", "hours", "reason", "occurred_at"]


# ------------------------------------------------------------- adjustments


class AdjustmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        visible = staff_visible_to(user=self.request.user).values("pk")
        return (
            super()
            .get_base_queryset()
            .filter(user__in=visible)
            .select_related("user", "rule", "proposed_by", "decided_by")
        )


class AdjustmentCreateView(generic.CreateView):
    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = adjustment_propose(
                actor=self.request.user,
                user=data["user"],
                rule_code=data["rule"].code,
                occurred_on=data["occurred_on"],
                reason=data["reason"],
                quantity=data.get("quantity") or 1,
                evidence=data.get("evidence"),
                item=data.get("item"),
                condition_code=data.get("condition_code") or "",
            )
        except PointsActionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request, _("已提交，等待另一位管理者审批：%(a)s") % {"a": self.object}
        )
        return redirect("adjustments:inspect", self.object.pk)


class AdjustmentInspectView(generic.InspectView):
    template_name = "points/admin/adjustment_inspect.html"

    def get_object(self, queryset=None):
        adjustment = super().get_object(queryset)
        if not _visible(self.request, adjustment.user_id):
            raise PermissionDenied
        return adjustment

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        a = self.object
        user = self.request.user
        appeal = getattr(a, "appeal", None)
        may_decide = user.has_perm("points.decide_adjustment")
        context.update(
            adjustment=a,
            appeal=appeal,
            can_decide=may_decide
            and a.status == Adjustment.Status.PROPOSED
            and user.pk not in (a.proposed_by_id, a.user_id),
            can_decide_appeal=may_decide
            and appeal is not None
            and appeal.status == appeal.Status.PENDING
            and user.pk not in (a.proposed_by_id, a.user_id),
            decision_form=DecisionForm(),
            appeal_form=AppealDecisionForm(),
        )
        return context


class AdjustmentViewSet(ModelViewSet):
    """积分审批: proposals, second-manager approval, appeals; all through services."""

    model = Adjustment
    icon = "tasks"
    menu_label = _("积分审批")
    url_prefix = "adjustments"
    name = "adjustments"

    def get_form_class(self, for_update=False):
        return AdjustmentForm

    index_view_class = AdjustmentIndexView
    add_view_class = AdjustmentCreateView
    inspect_view_class = AdjustmentInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_filter = ["status"]
    search_fields = ["user__name", "user__username", "reason"]
    search_backend_name = None
    list_display = [
        Column("user", label=_("员工")),
        Column("rule", label=_("规则")),
        "status",
        Column("proposed_by", label=_("提出人")),
        DateColumn("proposed_at", label=_("提出时间")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/decide/", self.decide_view, name="decide"),
            path("<int:pk>/appeal/", self.appeal_view, name="appeal"),
            path("<int:pk>/evidence/", self.evidence_view, name="evidence"),
        ]

    def _get(self, request, pk):
        adjustment = get_object_or_404(Adjustment, pk=pk)
        if not _visible(request, adjustment.user_id):
            raise PermissionDenied
        return adjustment

    def decide_view(self, request, pk):
        if request.method != "POST":
            return redirect("adjustments:inspect", pk)
        adjustment = self._get(request, pk)
        form = DecisionForm(request.POST)
        approve = request.POST.get("action") == "approve"
        if form.is_valid():
            try:
                adjustment_decide(
                    adjustment=adjustment,
                    actor=request.user,
                    approve=approve,
                    note=form.cleaned_data["note"],
                )
            except PointsActionRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("已批准并入账。") if approve else _("已驳回。")
                )
        return redirect("adjustments:inspect", pk)

    def appeal_view(self, request, pk):
        if request.method != "POST":
            return redirect("adjustments:inspect", pk)
        adjustment = self._get(request, pk)
        appeal = getattr(adjustment, "appeal", None)
        if appeal is None:
            raise Http404
        form = AppealDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写处理意见。"))
            return redirect("adjustments:inspect", pk)
        overturn = request.POST.get("action") == "overturn"
        try:
            appeal_decide(
                appeal=appeal,
                actor=request.user,
                overturn=overturn,
                note=form.cleaned_data["note"],
            )
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("申诉成立，已冲正。") if overturn else _("已维持原决定。"),
            )
        return redirect("adjustments:inspect", pk)

    def evidence_view(self, request, pk):
        adjustment = self._get(request, pk)
        if not request.user.has_perm("points.view_adjustment"):
            raise PermissionDenied
        if not adjustment.evidence:
            raise Http404
        return FileResponse(adjustment.evidence.open("rb"), as_attachment=True)


# --------------------------------------------------------- offline trainings

ATTENDANCE_SESSION_KEY = "points-attendance-import"


class TrainingIndexView(generic.IndexView):
    def get_base_queryset(self):
        attended = (
            LedgerEntry.objects.filter(
                source_type="points.offlinetraining",
                source_id=Cast(OuterRef("pk"), CharField()),
                reverses__isnull=True,
            )
            .values("source_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_base_queryset().annotate(attendees=Subquery(attended))

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("points.import_attendance"):
            buttons.append(
                HeaderButton(
                    _("导入签到表"),
                    url=reverse("trainings:import"),
                    icon_name="upload",
                )
            )
        return buttons


class OfflineTrainingViewSet(ModelViewSet):
    """线下培训: created by importing sign-in sheets, never typed in by hand."""

    model = OfflineTraining
    icon = "group"
    menu_label = _("线下培训")
    url_prefix = "trainings"
    name = "trainings"
    index_view_class = TrainingIndexView
    form_fields = ["name"]  # never shown: only viewing is allowed
    copy_view_enabled = False
    inspect_view_enabled = False
    ordering = ["-held_on", "name"]
    search_fields = ["name"]
    search_backend_name = None
    list_display = [
        "name",
        DateColumn("held_on", label=_("日期")),
        Column("attendees", label=_("签到人次")),
        Column("imported_by", label=_("导入人")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("template/", self.template_view, name="template"),
        ]

    def template_view(self, request):
        if not request.user.has_perm("points.import_attendance"):
            raise PermissionDenied
        return _download(attendance_template(), "线下培训签到表模板.xlsx", "xlsx")

    def import_view(self, request):
        if not request.user.has_perm("points.import_attendance"):
            raise PermissionDenied

        def read_upload(request, context):
            upload = request.FILES.get("file")
            if upload is None:
                context["error"] = _("请选择签到表文件。")
                return None
            return upload, {}

        return import_in_two_steps(
            request,
            session_key=ATTENDANCE_SESSION_KEY,
            read_upload=read_upload,
            run=lambda **kwargs: attendance_import(actor=request.user, **kwargs),
            rejected=AttendanceRejected,
            done_message=lambda report: (
                _("导入完成：新记 %(new)d 人次，%(already)d 人次此前已入账。")
                % {"new": report.new, "already": report.already}
            ),
            done_url="trainings:index",
            template="points/admin/attendance_import.html",
            context={"page_title": _("导入签到表"), "header_title": _("导入签到表")},
        )


# ---------------------------------------------------------------- rulebook


class RulebookAddView(generic.CreateView):
    """A version starts as a copy of the one in force: see draft_view."""

    def dispatch(self, request, *args, **kwargs):
        return redirect("rulebooks:draft")


class RulebookEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        version = get_object_or_404(RulebookVersion, pk=kwargs.get("pk"))
        if version.in_use:
            messages.warning(request, _("该版本已生效或已有积分按它记账，只能查看。"))
            return redirect("rulebooks:inspect", version.pk)
        return super().dispatch(request, *args, **kwargs)


class RulebookInspectView(generic.InspectView):
    template_name = "points/admin/rulebook_inspect.html"


class RulebookViewSet(ModelViewSet):
    """积分规则: versions with effective dates; one in use is never edited."""

    model = RulebookVersion
    icon = "doc-full"
    menu_label = _("积分规则")
    url_prefix = "rulebooks"
    name = "rulebooks"
    edit_handler = ObjectList(
        [
            FieldRowPanel(["name", "effective_from"]),
            FieldRowPanel(["annual_target", "pass_points", "required_offline_hours"]),
            FieldRowPanel(["hour_minutes", "appeal_days", "hours_window_years"]),
            InlinePanel("rules", heading=_("积分规则"), label=_("规则")),
            InlinePanel("levels", heading=_("等级"), label=_("等级")),
        ],
        base_form_class=RulebookVersionForm,
    )
    add_view_class = RulebookAddView
    edit_view_class = RulebookEditView
    inspect_view_class = RulebookInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_admin_menu = False
    list_display = [
        "name",
        DateColumn("effective_from", label=_("生效日期")),
        "annual_target",
        "pass_points",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("draft/", self.draft_view, name="draft"),
        ]

    def draft_view(self, request):
        if not request.user.has_perm("points.add_rulebookversion"):
            raise PermissionDenied
        from django.utils import timezone

        from points.services import rulebook_in_force

        form = NewVersionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = rulebook_version_draft(
                    based_on=rulebook_in_force(timezone.localdate()),
                    actor=request.user,
                    **form.cleaned_data,
                )
            except PointsActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已按现行版本建立草稿，请修改规则后保存。"))
                return redirect("rulebooks:edit", version.pk)
        return render(
            request,
            "points/admin/rulebook_draft.html",
            {"form": form, "page_title": _("新建积分规则版本")},
        )


class PointsGroup(ViewSetGroup):
    menu_label = _("积分管理")
    menu_icon = "pick"
    menu_order = 230
    items = (
        LedgerViewSet,
        AdjustmentViewSet,
        OfflineTrainingViewSet,
        RulebookViewSet,
    )
