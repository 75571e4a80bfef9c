from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.models import PageViewRestriction
from wagtail.permissions import register_permission_policy

from learning.models import StaffMember
from learning.viewsets import StaffViewSet, staff_permission_policy

register_permission_policy(StaffMember, staff_permission_policy, exact_class=True)


@hooks.register("register_admin_viewset")
def register_staff_viewset():
    return StaffViewSet()


@hooks.register("before_serve_page")
def refuse_group_restricted_page(page, request, serve_args, serve_kwargs):
    """A page kept private to some groups sends whoever it refuses to the login
    page. Someone already logged in would only come back to it, so they get the
    Chinese 403 page instead."""
    if not request.user.is_authenticated:
        return
    for restriction in page.get_view_restrictions():
        if (
            restriction.restriction_type == PageViewRestriction.GROUPS
            and not restriction.accept_request(request)
        ):
            raise PermissionDenied


@hooks.register("construct_reports_menu")
def site_history_for_superusers_only(request, menu_items):
    """The site history lists every unit's records; it stays with superusers."""
    if not request.user.is_superuser:
        menu_items[:] = [i for i in menu_items if i.name != "site-history"]
