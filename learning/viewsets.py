import datetime
from decimal import Decimal
from urllib.parse import quote

import django_filters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from learning.columns import (
    EMPTY,
    NO,
    YES,
    LocalDateColumn,
    YesNoColumn,
    date_text,
)
from learning.forms import StaffMemberForm, looks_like_id
from learning.imports import import_in_two_steps
from learning.models import StaffMember
from learning.permissions import ScopedViewSetMixin, StaffPermissionPolicy
from learning.roster import MSG_UNSUPPORTED_FORMAT
from learning.selectors import org_units_visible_to, staff_visible_to
from learning.services import (
    roster_export,
    roster_template,
)
from learning.tables import Sheet, csv_safe, xlsx_bytes

staff_permission_policy = StaffPermissionPolicy(StaffMember)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "roster_upload"


def _org_units(request):
    if request is None:
        return StaffMember.objects.none()
    return org_units_visible_to(user=request.user)


class _IdChoiceField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not looks_like_id(value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on a model whose key is a one-to-one link, as every page's is:
    Django checks an AutoField's range before querying, but not such a key, so
    a huge number in the query string reached the database and failed."""

    field_class = _IdChoiceField


class StaffFilterSet(WagtailFilterSet):
    org_unit = django_filters.ModelChoiceFilter(
        label=_("所属单位"), queryset=_org_units, method="filter_subtree"
    )
    is_active = django_filters.BooleanFilter(label=_("在职"))

    class Meta:
        model = StaffMember
        fields = ["org_unit", "is_active"]

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path)


def _scoped(request):
    """The staff this admin user may see: their own subtree, themselves included."""
    return staff_permission_policy.instances_user_has_permission_for(
        request.user, "view"
    )


class FittedSpreadsheetExportMixin:
    """For an IndexView with list_export: its XLSX written by
    learning.tables.xlsx_bytes (columns fitted to Chinese text, times in
    Asia/Shanghai, where Wagtail writes UTC at default widths), and Chinese
    file names that survive the download."""

    def write_xlsx(self, queryset, output):
        headers = [self.get_heading(queryset, field) for field in self.list_export]
        rows = (
            [_export_value(v) for v in self.to_row_dict(item).values()]
            for item in queryset
        )
        title = str(self.model._meta.verbose_name_plural)
        output.write(xlsx_bytes(Sheet(title, headers, rows)))

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return csv_safe(value) if export_format == self.FORMAT_CSV else value

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Disposition"] = _attachment(f"{self.get_filename()}.csv")
        return response


def _export_value(value):
    if value is None or isinstance(value, (str, int, float, Decimal, datetime.date)):
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


class StaffIndexView(FittedSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            StaffMember.objects.filter(
                pk__in=staff_visible_to(user=self.request.user).values("pk")
            )
            .select_related("org_unit")
            .prefetch_related("groups")
        )

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if staff_permission_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    _("导入花名册"), url=reverse("staff:import"), icon_name="upload"
                )
            )
        buttons.append(
            HeaderButton(
                _("导出 Excel"),
                url=reverse("staff:export") + "?format=xlsx",
                icon_name="download",
            )
        )
        return buttons


# Every view of one staff member looks them up among the staff the admin user
# may see: anyone outside their subtree is not found, whichever view asks.


class StaffEditView(generic.EditView):
    def get_queryset(self):
        return _scoped(self.request)


class ChineseInspectMixin:
    """For an InspectView: empty values as —, yes/no as 是/否, dates and times
    as learning.columns writes them (Wagtail prints None, True and UTC)."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, datetime.date):
            return date_text(value)
        return value


class StaffInspectView(ChineseInspectMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(_scoped(self.request), pk=unquote(str(self.pk)))

    def get_field_label(self, field_name, field):
        if field_name == "groups":
            return _("角色")
        return super().get_field_label(field_name, field)

    def get_groups_display_value(self):
        return self.object.role_text

    def get_last_login_display_value(self):
        return date_text(self.object.last_login) or _("从未登录")


class StaffHistoryView(generic.HistoryView):
    def get_base_object_queryset(self):
        return _scoped(self.request)


class StaffUsageView(generic.UsageView):
    def get_base_object_queryset(self):
        return _scoped(self.request)


class StaffViewSet(ScopedViewSetMixin, ModelViewSet):
    model = StaffMember
    icon = "group"
    menu_label = _("员工花名册")
    menu_order = 200
    add_to_admin_menu = True
    url_prefix = "staff"
    name = "staff"
    index_view_class = StaffIndexView
    edit_view_class = StaffEditView
    inspect_view_class = StaffInspectView
    history_view_class = StaffHistoryView
    usage_view_class = StaffUsageView
    inspect_view_enabled = True
    inspect_view_fields = [
        "username",
        "name",
        "phone",
        "org_unit",
        "position",
        "groups",
        "hired_on",
        "is_active",
        "last_login",
    ]
    copy_view_enabled = False
    search_fields = ["username", "name", "phone"]
    search_backend_name = None
    filterset_class = StaffFilterSet
    list_per_page = 50
    ordering = ["org_unit__path", "username"]
    list_display = [
        "username",
        "name",
        Column("org_unit", label=_("所属单位")),
        "position",
        Column("role_text", label=_("角色"), accessor="role_text"),
        LocalDateColumn("hired_on", label=_("入职日期"), sort_key="hired_on"),
        YesNoColumn("is_active", label=_("在职"), sort_key="is_active"),
    ]
    list_export = ["username", "name", "phone", "org_unit", "position", "hired_on"]
    export_filename = "员工花名册"
    edit_handler = ObjectList(
        [
            FieldPanel("username"),
            FieldPanel("name"),
            FieldPanel("phone"),
            FieldPanel("org_unit"),
            FieldPanel("position"),
            FieldPanel("hired_on"),
            FieldPanel("role"),
            FieldPanel("is_active"),
            FieldPanel("initial_password"),
        ],
        base_form_class=StaffMemberForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("import/template/", self.template_view, name="template"),
            path("export/", self.export_view, name="export"),
        ]

    def _require(self, request, action):
        if not staff_permission_policy.user_has_permission(request.user, action):
            raise PermissionDenied

    def template_view(self, request):
        self._require(request, "add")
        fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
        return _download(roster_template(fmt=fmt), f"员工花名册模板.{fmt}", fmt)

    def export_view(self, request):
        self._require(request, "view")
        fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
        return _download(
            roster_export(actor=request.user, fmt=fmt), f"员工花名册.{fmt}", fmt
        )

    def import_view(self, request):
        self._require(request, "add")

        def read_upload(request, context):
            upload = request.FILES.get("file")
            if upload is None:
                context["error"] = _("请选择要上传的文件。")
            elif not upload.name.lower().endswith((".xlsx", ".csv")):
                context["error"] = MSG_UNSUPPORTED_FORMAT
            else:
                return upload, {}
            return None

        return import_in_two_steps(
            request,
            kind="roster",
            session_key=SESSION_KEY,
            read_upload=read_upload,
            template="learning/admin/roster_import.html",
            context={"view": self, "page_title": _("导入员工花名册")},
        )


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    content_type = XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _attachment(filename)
    return response
