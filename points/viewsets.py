import io

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import policy_registry

from learning.columns import LocalDateColumn
from learning.imports import import_in_two_steps
from learning.permissions import ScopedViewSetMixin
from learning.selectors import staff_visible_to
from learning.viewsets import (
    ChineseInspectMixin,
    FittedSpreadsheetExportMixin,
    _download,
)
from points.forms import (
    AdjustmentForm,
    AppealDecisionForm,
    BatchForm,
    CertificateTemplateForm,
    DecisionForm,
    NewVersionForm,
    ProxyCasesForm,
    RevokeForm,
    RulebookVersionForm,
)
from points.models import (
    Adjustment,
    Certificate,
    CertificateBatch,
    CertificateTemplate,
    Evidence,
    HeldAward,
    LedgerEntry,
    OfflineTraining,
    Rule,
    RulebookVersion,
    WorkdayOverride,
)
from points.services import (
    AttendanceRejected,
    PointsActionRefused,
    above,
    adjustment_decide,
    adjustment_propose,
    appeal_decide,
    attendance_sheet_decide,
    attendance_sheets_for,
    attendance_template,
    batch_withdrawn,
    certificate_batch_archive,
    certificate_batch_start,
    certificate_pdf_for,
    certificate_reissue,
    certificate_revoke,
    held_award_decide,
    proxy_cases_record,
    rulebook_version_draft,
)


def _in_scope(request, model, pk):
    """A record the model's permission policy lets the admin user view (the
    viewset's own views ask the same policy); anyone else's is not found."""
    policy = policy_registry.get_by_type(model)
    return get_object_or_404(
        policy.instances_user_has_permission_for(request.user, "view"), pk=pk
    )


# ------------------------------------------------------------------ ledger


class LedgerIndexView(FittedSpreadsheetExportMixin, generic.IndexView):
    # Rows outside the actor's subtree: the policy, through ScopedListingMixin.
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "rule__version")


class LedgerInspectView(ChineseInspectMixin, generic.InspectView):
    def get_author_display_value(self):
        return self.object.author.name if self.object.author else _("系统自动记分")


def _rule_choices():
    """Each rule code once, by the name the newest version gives it."""
    names = dict(
        Rule.objects.order_by("version__effective_from").values_list("code", "name")
    )
    return sorted(names.items(), key=lambda choice: choice[1])


class LedgerFilterSet(WagtailFilterSet):
    rule_code = django_filters.ChoiceFilter(label=_("规则"), choices=_rule_choices)

    class Meta:
        model = LedgerEntry
        fields = ["year", "month", "rule_code", "kind"]


class LedgerViewSet(ScopedViewSetMixin, ModelViewSet):
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
    filterset_class = LedgerFilterSet
    search_fields = ["user__name", "user__username", "reason"]
    search_backend_name = None
    ordering = ["-occurred_at", "-pk"]
    list_display = [
        Column("user", label=_("员工")),
        "reason",
        "points",
        "hours",
        Column("rule", label=_("规则"), accessor="rule.name"),
        LocalDateColumn("occurred_at", label=_("发生时间")),
    ]
    list_export = [
        "user",
        "rule",
        "get_kind_display",
        "points",
        "hours",
        "reason",
        "occurred_at",
    ]
    export_headings = {"get_kind_display": _("类型")}
    export_filename = "积分流水"
    inspect_view_fields = [
        "user",
        "rule",
        "kind",
        "points",
        "nominal_points",
        "hours",
        "reason",
        "year",
        "month",
        "occurred_at",
        "posted_at",
        "author",
        "reverses",
    ]


# ------------------------------------------------------------- adjustments


class AdjustmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
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
            and user.pk not in (a.proposed_by_id, a.user_id, a.decided_by_id)
            and above(user, a.decided_by.org_unit if a.decided_by else None),
            appeal_deadline=a.appeal_deadline(),
            decision_form=DecisionForm(),
            appeal_form=AppealDecisionForm(),
        )
        return context


class AdjustmentViewSet(ScopedViewSetMixin, ModelViewSet):
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
        LocalDateColumn("proposed_at", label=_("提出时间")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/decide/", self.decide_view, name="decide"),
            path("<int:pk>/appeal/", self.appeal_view, name="appeal"),
            path("<int:pk>/evidence/", self.evidence_view, name="evidence"),
        ]

    def _get(self, request, pk):
        return _in_scope(request, Adjustment, pk)

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
        if self.request.user.has_perm("points.decide_adjustment"):
            pending = (
                attendance_sheets_for(user=self.request.user)
                .filter(status="pending")
                .count()
            )
            buttons.append(
                HeaderButton(
                    _("待审批签到表（%(n)d）") % {"n": pending},
                    url=reverse("trainings:sheets"),
                    icon_name="tasks",
                )
            )
        return buttons


class OfflineTrainingViewSet(ScopedViewSetMixin, ModelViewSet):
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
        LocalDateColumn("held_on", label=_("日期")),
        Column("attendees", label=_("签到人次")),
        Column("imported_by", label=_("导入人")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("template/", self.template_view, name="template"),
            path("sheets/", self.sheets_view, name="sheets"),
            path(
                "sheets/<int:pk>/decide/", self.sheet_decide_view, name="sheet_decide"
            ),
        ]

    def sheets_view(self, request):
        """Held sign-in sheets of the manager's unit and below, newest first."""
        if not request.user.has_perm("points.decide_adjustment"):
            raise PermissionDenied
        sheets = attendance_sheets_for(user=request.user).defer("content")[:100]
        return render(
            request,
            "points/admin/attendance_sheets.html",
            {
                "sheets": sheets,
                "page_title": _("待审批签到表"),
                "header_title": _("待审批签到表"),
                "header_icon": "tasks",
            },
        )

    def sheet_decide_view(self, request, pk):
        if not request.user.has_perm("points.decide_adjustment"):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("trainings:sheets")
        sheet = get_object_or_404(
            attendance_sheets_for(user=request.user).defer("content"), pk=pk
        )
        approve = request.POST.get("action") == "approve"
        try:
            report = attendance_sheet_decide(
                sheet=sheet,
                actor=request.user,
                approve=approve,
                note=request.POST.get("note", "").strip(),
            )
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        except AttendanceRejected as exc:
            problems = exc.report.errors[:5]
            messages.error(
                request,
                _("签到表现在有 %(n)d 处问题，未入账：%(first)s")
                % {
                    "n": len(exc.report.errors) or 1,
                    "first": "；".join(
                        f"第 {e.row} 行 {e.column}：{e.message}" for e in problems
                    )
                    or exc.report.file_error,
                },
            )
        else:
            if approve:
                messages.success(
                    request,
                    _("已批准：新记 %(new)d 人次，%(already)d 人次此前已入账。")
                    % {"new": report.new, "already": report.already},
                )
            else:
                messages.success(request, _("已驳回，未记任何积分。"))
        return redirect("trainings:sheets")

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
            kind="attendance",
            session_key=ATTENDANCE_SESSION_KEY,
            read_upload=read_upload,
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
        from points.services import may_edit_version

        version = get_object_or_404(RulebookVersion, pk=kwargs.get("pk"))
        if not may_edit_version(request.user, version):
            raise PermissionDenied
        if version.in_use:
            messages.warning(
                request, _("该版本已批准、已生效或已有积分按它记账，只能查看。")
            )
            return redirect("rulebooks:inspect", version.pk)
        return super().dispatch(request, *args, **kwargs)

    def save_instance(self):
        # Whoever edits a draft cannot be the one to approve it.
        instance = super().save_instance()
        instance.edited_by = self.request.user
        instance.save(update_fields=["edited_by"])
        return instance


class RulebookInspectView(generic.InspectView):
    template_name = "points/admin/rulebook_inspect.html"

    def get_context_data(self, **kwargs):
        from points.services import may_edit_version

        context = super().get_context_data(**kwargs)
        version = self.object
        user = self.request.user
        context["may_approve"] = (
            version.approved_at is None
            and may_edit_version(user, version)
            and user.pk not in (version.drafted_by_id, version.edited_by_id)
        )
        return context


class RulebookViewSet(ScopedViewSetMixin, ModelViewSet):
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
            FieldRowPanel(
                ["excellent_points", "excellent_exam_percent", "restudy_grace_days"]
            ),
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
        LocalDateColumn("effective_from", label=_("生效日期")),
        "annual_target",
        "pass_points",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("draft/", self.draft_view, name="draft"),
            path("<int:pk>/approve/", self.approve_view, name="approve"),
        ]

    def approve_view(self, request, pk):
        from points.services import rulebook_version_approve

        version = get_object_or_404(RulebookVersion, pk=pk)
        if request.method != "POST":
            return redirect("rulebooks:inspect", pk)
        if not request.user.has_perm("points.change_rulebookversion"):
            raise PermissionDenied
        try:
            rulebook_version_approve(version=version, actor=request.user)
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已批准：%(day)s 起按这个版本记分。")
                % {"day": f"{version.effective_from:%Y-%m-%d}"},
            )
        return redirect("rulebooks:inspect", pk)

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


# ------------------------------------------------------- held awards (§7)


class HeldAwardIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "decided_by")


class HeldAwardInspectView(generic.InspectView):
    template_name = "points/admin/held_award_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        held, user = self.object, self.request.user
        context.update(
            held=held,
            can_decide=user.has_perm("points.decide_adjustment")
            and held.status == HeldAward.Status.HELD
            and user.pk != held.user_id,
        )
        return context


class HeldAwardViewSet(ScopedViewSetMixin, ModelViewSet):
    """暂扣积分: awards the anomaly check held back, for a manager to release
    to the ledger or drop; never edited."""

    model = HeldAward
    icon = "warning"
    menu_label = _("暂扣积分")
    url_prefix = "held-awards"
    name = "held_awards"
    index_view_class = HeldAwardIndexView
    inspect_view_class = HeldAwardInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["reason"]  # never shown: the permission policy only allows viewing
    list_filter = ["status"]
    search_fields = ["user__name", "user__username", "reason"]
    search_backend_name = None
    list_display = [
        Column("user", label=_("员工")),
        "reason",
        "why_held",
        "status",
        LocalDateColumn("occurred_at", label=_("发生时间")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/decide/", self.decide_view, name="decide"),
        ]

    def decide_view(self, request, pk):
        if request.method != "POST":
            return redirect("held_awards:inspect", pk)
        held = _in_scope(request, HeldAward, pk)
        release = request.POST.get("action") == "release"
        try:
            held_award_decide(held=held, actor=request.user, release=release)
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("已放行入账。") if release else _("已确认不予记分。")
            )
        return redirect("held_awards:inspect", pk)


# ------------------------------------------------------ 代办 counts (§5 代办员)


class ProxyCountIndexView(generic.IndexView):
    page_title = _("代办登记")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .filter(kind=Evidence.Kind.PROXY)
            .select_related("user__org_unit")
        )


class ProxyCountCreateView(generic.CreateView):
    page_subtitle = _("代办件数")

    def get_form(self, form_class=None):
        return ProxyCasesForm(self.request.POST or None, for_user=self.request.user)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            proxy_cases_record(
                actor=self.request.user,
                user=data["user"],
                month=data["month"],
                cases=data["cases"],
            )
        except PointsActionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已登记代办件数。"))
        return redirect("proxy_counts:index")


class ProxyCountViewSet(ScopedViewSetMixin, ModelViewSet):
    """代办登记: how many applications each worker handled for residents in a
    month, as their manager attests (the 代办员 check of 全能社工)."""

    model = Evidence
    icon = "clipboard-list"
    menu_label = _("代办登记")
    url_prefix = "proxy-counts"
    name = "proxy_counts"
    index_view_class = ProxyCountIndexView
    add_view_class = ProxyCountCreateView
    inspect_view_enabled = False
    copy_view_enabled = False
    form_fields = ["key"]
    search_fields = ["user__name", "user__username"]
    search_backend_name = None
    ordering = ["-key", "user__username"]
    list_display = [
        Column("user", label=_("员工")),
        Column("key", label=_("月份")),
        Column("value", label=_("代办件数")),
        LocalDateColumn("at", label=_("登记时间")),
    ]


class WorkdayOverrideViewSet(ModelViewSet):
    """节假日调整: the State Council's holidays and make-up working days for
    years the bundled calendar does not know yet (appeal deadlines)."""

    model = WorkdayOverride
    icon = "date"
    menu_label = _("节假日调整")
    url_prefix = "workdays"
    name = "workdays"
    form_fields = ["day", "is_workday", "note"]
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["day", "is_workday", "note"]
    ordering = ["-day"]


class PointsGroup(ViewSetGroup):
    menu_label = _("积分管理")
    menu_icon = "pick"
    menu_order = 230
    items = (
        LedgerViewSet,
        AdjustmentViewSet,
        HeldAwardViewSet,
        ProxyCountViewSet,
        OfflineTrainingViewSet,
        RulebookViewSet,
        WorkdayOverrideViewSet,
    )


# ------------------------------------------------------------ certificates

MSG_REISSUED = _("已补发新证书 %(serial)s，原证书显示为已被取代。")


class CertificateInspectView(generic.InspectView):
    template_name = "points/admin/certificate_inspect.html"

    def get_context_data(self, **kwargs):
        from points.selectors import certificate_state

        context = super().get_context_data(**kwargs)
        context.update(
            view=certificate_state(self.object),
            revoke_form=RevokeForm(),
            history=self.object.user.certificates.filter(
                kind=self.object.kind, subject=self.object.subject
            ).order_by("issued_at"),
        )
        return context


class CertificateViewSet(ScopedViewSetMixin, ModelViewSet):
    """证书: issued by services; here they are looked up, revoked or re-issued."""

    model = Certificate
    icon = "doc-full-inverse"
    menu_label = _("证书")
    url_prefix = "certificates"
    name = "certificates"
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["title"]  # never shown: only viewing is allowed
    list_filter = ["kind", "subject"]
    search_fields = ["serial", "holder_name", "user__username"]
    search_backend_name = None
    list_display = [
        "serial",
        "holder_name",
        "title",
        "unit_name",
        LocalDateColumn("issued_at", label=_("颁发时间")),
        LocalDateColumn("revoked_at", label=_("撤销时间")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
            path("<int:pk>/reissue/", self.reissue_view, name="reissue"),
            path("<int:pk>/pdf/", self.pdf_view, name="pdf"),
            path("transcript/<int:user_id>/", self.transcript_view, name="transcript"),
        ]

    def _get(self, request, pk):
        return _in_scope(request, Certificate, pk)

    def revoke_view(self, request, pk):
        """撤销 in two steps: the reason first, then a page that says what
        revoking does, and only its explicit confirm revokes."""
        if request.method != "POST":
            return redirect("certificates:inspect", pk)
        certificate = self._get(request, pk)
        if not request.user.has_perm("points.revoke_certificate"):
            raise PermissionDenied
        form = RevokeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("撤销证书必须写明原因。"))
            return redirect("certificates:inspect", pk)
        if not request.POST.get("confirm"):
            return render(
                request,
                "points/admin/revoke_confirm.html",
                {
                    "page_title": _("撤销证书"),
                    "header_title": _("撤销证书"),
                    "certificate": certificate,
                    "form": form,
                },
            )
        try:
            certificate_revoke(
                certificate=certificate,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                category=form.cleaned_data["category"],
            )
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("证书已撤销，核验页即时显示“已撤销”。"))
        return redirect("certificates:inspect", pk)

    def reissue_view(self, request, pk):
        if request.method != "POST":
            return redirect("certificates:inspect", pk)
        certificate = self._get(request, pk)
        try:
            new = certificate_reissue(certificate=certificate, actor=request.user)
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
            return redirect("certificates:inspect", pk)
        messages.success(
            request,
            _("已补发新证书 %(serial)s，原证书显示为已被取代。")
            % {"serial": new.serial},
        )
        return redirect("certificates:inspect", new.pk)

    def pdf_view(self, request, pk):
        from points.certificates import site_url
        from points.views import pdf_response

        certificate = self._get(request, pk)
        if not request.user.has_perm("points.view_certificate"):
            raise PermissionDenied
        try:
            content = certificate_pdf_for(
                certificate=certificate, base_url=site_url(request)
            )
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
            return redirect("certificates:inspect", pk)
        return pdf_response(content, f"{certificate.title}-{certificate.serial}.pdf")

    def transcript_view(self, request, user_id):
        from points.certificates import transcript_pdf
        from points.selectors import transcript_of
        from points.views import pdf_response

        if not request.user.has_perm("points.view_certificate"):
            raise PermissionDenied
        holder = get_object_or_404(staff_visible_to(user=request.user), pk=user_id)
        content = transcript_pdf(transcript_of(user=holder))
        return pdf_response(content, f"学习档案-{holder.name}.pdf")


class BatchCreateView(generic.CreateView):
    """Choose who; the work itself runs in the background worker."""

    template_name = "points/admin/batch_create.html"

    def get_form(self, form_class=None):
        return BatchForm(
            self.request.POST if self.request.method == "POST" else None,
            user=self.request.user,
        )

    def post(self, request, *args, **kwargs):
        self.object = None
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            batch = certificate_batch_start(
                actor=request.user,
                unit=data["unit"],
                kind=data["kind"],
                level=data.get("level") or "",
                year=data.get("year"),
            )
        except PointsActionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return redirect("certificate_batches:inspect", batch.pk)

    def form_invalid(self, form):
        self.form = form
        return self.render_to_response(self.get_context_data(form=form))


class BatchInspectView(generic.InspectView):
    template_name = "points/admin/batch_inspect.html"

    def get_object(self, queryset=None):
        from learning.selectors import org_units_visible_to

        batch = super().get_object(queryset)
        if (
            not org_units_visible_to(user=self.request.user)
            .filter(pk=batch.unit_id)
            .exists()
        ):
            raise PermissionDenied
        return batch

    def get_context_data(self, **kwargs):
        import datetime

        from django.utils import timezone

        context = super().get_context_data(**kwargs)
        batch = self.object
        stale = batch.status in (batch.Status.QUEUED, batch.Status.RUNNING) and (
            batch.heartbeat_at or batch.requested_at
        ) < timezone.now() - datetime.timedelta(minutes=2)
        context.update(batch=batch, stale=stale, withdrawn=batch_withdrawn(batch=batch))
        return context


class CertificateBatchViewSet(ScopedViewSetMixin, ModelViewSet):
    """批量颁发: a background run with a progress bar and a ZIP at the end."""

    model = CertificateBatch
    icon = "download"
    menu_label = _("批量颁发证书")
    url_prefix = "certificate-batches"
    name = "certificate_batches"
    add_view_class = BatchCreateView
    inspect_view_class = BatchInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["kind"]  # the add view uses BatchForm
    list_display = [
        Column("unit", label=_("范围")),
        "kind",
        "status",
        "done",
        "total",
        "issued",
        LocalDateColumn("requested_at", label=_("发起时间")),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/download/", self.download_view, name="download"),
            path("<int:pk>/resume/", self.resume_view, name="resume"),
        ]

    def _get(self, request, pk):
        from learning.selectors import org_units_visible_to

        batch = get_object_or_404(CertificateBatch, pk=pk)
        if not (
            request.user.has_perm("points.view_certificatebatch")
            and org_units_visible_to(user=request.user)
            .filter(pk=batch.unit_id)
            .exists()
        ):
            raise PermissionDenied
        return batch

    def download_view(self, request, pk):
        batch = self._get(request, pk)
        if not batch.archive:
            raise Http404
        filename, content = certificate_batch_archive(batch=batch)
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)

    def resume_view(self, request, pk):
        batch = self._get(request, pk)
        if request.method == "POST" and request.user.has_perm(
            "points.issue_certificate"
        ):
            from points.services import certificate_batches_resume

            if certificate_batches_resume():
                messages.success(request, _("已重新排队，后台任务会从中断处继续。"))
        return redirect("certificate_batches:inspect", batch.pk)


class CertificateTemplateViewSet(ScopedViewSetMixin, ModelViewSet):
    """证书样式: trainers change the wording, issuer, signature and seal."""

    model = CertificateTemplate
    icon = "edit"
    menu_label = _("证书样式")
    url_prefix = "certificate-templates"
    name = "certificate_templates"
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["kind", "title", "issuer"]

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        return modelform_factory(
            CertificateTemplate,
            form=CertificateTemplateForm,
            fields=["title", "body", "issuer", "signatory", "signature", "seal"],
        )


class CertificatesGroup(ViewSetGroup):
    menu_label = _("证书")
    menu_icon = "doc-full-inverse"
    menu_order = 232
    items = (CertificateViewSet, CertificateBatchViewSet, CertificateTemplateViewSet)
