from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.models import Page
from wagtail.permissions import register_permission_policy

from learning.permissions import ReadOnlyPermissionPolicy
from manuals.models import ItemPublication
from manuals.viewsets import ItemPublicationViewSet

register_permission_policy(
    ItemPublication,
    ReadOnlyPermissionPolicy(ItemPublication, "manuals.view_itempublication"),
    exact_class=True,
)


@hooks.register("register_admin_viewset")
def register_publication_viewset():
    return ItemPublicationViewSet()


# ------------------------------------------------ pages whose records must stay
# (Who may unpublish, move, delete or protect the root and the categories is
# the pages' own permission tester: manuals.permissions.)


def _delete_refusal(page):
    from manuals.permissions import delete_blockers

    blockers = delete_blockers(page)
    if not blockers:
        return None
    return (
        f"「{page.title}」不能删除：它（含下级页面）已有{'、'.join(blockers)}，"
        "这些记录要留作查证。如需下线，请由手册管理员取消发布。"
    )


def _refuse(request, message, page):
    messages.error(request, message)
    return redirect(
        "wagtailadmin_explore", page.get_parent().pk if page.depth > 1 else page.pk
    )


@hooks.register("before_delete_page")
def refuse_deleting_what_must_stay(request, page):
    refusal = _delete_refusal(page)
    return _refuse(request, refusal, page) if refusal else None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_what_must_stay(request, action_type, objects, action):
    if action_type != "delete" or Page not in action.models:
        return None
    for page in objects:
        refusal = _delete_refusal(page)
        if refusal:
            return _refuse(request, refusal, page)
    return None


@hooks.register("points_after_proxy_error_posted")
def restudy_after_proxy_error(*, user, page_id, now):
    """A 代办差错 citing an item sends the worker back to re-study it."""
    from manuals.models import ServiceItemPage
    from manuals.services import restudy_task_assign

    page = ServiceItemPage.objects.filter(pk=page_id).first()
    if page is not None:
        restudy_task_assign(user=user, page=page, now=now)


@hooks.register("points_transcript_studied")
def transcript_studied(user):
    """The 学习档案's 已学事项: each item with the last time and how often."""
    from django.db.models import Count, Max

    from manuals.models import StudyRecord

    return list(
        StudyRecord.objects.filter(user=user)
        .values("page__title", "page__item_code")
        .annotate(last=Max("studied_at"), times=Count("pk"))
        .order_by("page__item_code")
    )
