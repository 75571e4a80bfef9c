from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.models import PageViewRestriction
from wagtail.permissions import register_permission_policy

from learning.models import StaffMember
from learning.viewsets import StaffViewSet, staff_permission_policy

register_permission_policy(StaffMember, staff_permission_policy, exact_class=True)


@hooks.register("register_admin_urls")
def register_import_job_url():
    from django.urls import path

    from learning.imports import import_job_view

    return [path("imports/<int:pk>/", import_job_view, name="import_job")]


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


# Apps whose rows about a person are records: points, study, quizzes, certificates.
_RECORD_APPS = {"points", "quizzes", "manuals"}


def _records_of(user) -> list[str]:
    """What deleting the person would destroy or is blocked by, by kind."""
    from django.db import router
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    collector = Collector(using=router.db_for_write(type(user)))
    try:
        collector.collect([user])
    except (ProtectedError, RestrictedError) as error:
        return sorted({str(obj._meta.verbose_name) for obj in error.args[1]})
    return sorted(
        str(model._meta.verbose_name)
        for model, objs in collector.data.items()
        if model._meta.app_label in _RECORD_APPS and objs
    )


@hooks.register("before_delete_user")
def refuse_deleting_someone_with_records(request, user):
    """Ledgers, attempts and certificates stay for audit: a person who has any
    is set to 离职 in the roster, never deleted (nor are their records)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    kinds = _records_of(user)
    if not kinds:
        return None
    messages.error(
        request,
        f"{user} 已有{'、'.join(kinds)}，这些记录要留作查证，不能删除此人。"
        "如已离职，请在员工花名册中把“在职”设为否。",
    )
    return redirect("wagtailusers_users:edit", user.pk)
