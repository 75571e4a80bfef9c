from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from learning.selectors import staff_visible_to
from points.models import LedgerEntry


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
        from django.core.exceptions import PermissionDenied

        entry = super().get_object(queryset)
        if (
            not staff_visible_to(user=self.request.user)
            .filter(pk=entry.user_id)
            .exists()
        ):
            raise PermissionDenied
        return entry


class LedgerViewSet(ModelViewSet):
    """积分流水: read-only; corrections are reversing entries posted by services."""

    model = LedgerEntry
    icon = "list-ul"
    menu_label = _("积分流水")
    menu_order = 231
    add_to_admin_menu = True
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
