from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet

from learning.permissions import ScopedViewSetMixin
from manuals.models import ItemPublication


class ItemPublicationViewSet(ScopedViewSetMixin, ModelViewSet):
    """Every publication of every item, with what changed; nothing can be edited."""

    model = ItemPublication
    icon = "history"
    menu_label = _("手册发布记录")
    menu_order = 210
    add_to_admin_menu = True
    url_prefix = "manual-publications"
    name = "manual_publications"
    # Never shown: the permission policy allows nothing but viewing.
    form_fields = ["note"]
    inspect_view_enabled = True
    copy_view_enabled = False
    list_filter = ["kind"]
    search_fields = ["page__title", "note"]
    search_backend_name = None
    ordering = ["-published_at"]
    list_display = [
        Column("page", label=_("事项")),
        "kind",
        "note",
        Column("edited_by", label=_("修改人")),
        DateColumn("published_at", label=_("发布时间")),
    ]
    inspect_view_fields = [
        "page",
        "kind",
        "kind_chosen_by_editor",
        "note",
        "edited_by",
        "published_at",
        "changes",
    ]
