from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from learning.permissions import ReadOnlyPermissionPolicy
from points.admin_views import ranking_view
from points.models import LedgerEntry
from points.viewsets import LedgerViewSet

register_permission_policy(
    LedgerEntry,
    ReadOnlyPermissionPolicy(LedgerEntry, "points.view_ledgerentry"),
    exact_class=True,
)


@hooks.register("register_admin_viewset")
def register_ledger_viewset():
    return LedgerViewSet()


@hooks.register("register_admin_urls")
def register_ranking_url():
    return [path("rankings/", ranking_view, name="points_rankings")]


class RankingMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("points.view_ranking")


@hooks.register("register_admin_menu_item")
def register_ranking_menu_item():
    return RankingMenuItem(
        _("积分排名"), reverse("points_rankings"), icon_name="list-ol", order=230
    )
