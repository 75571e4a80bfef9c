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


# ------------------------------------------------ the manual's structure and history

_STRUCTURE_REFUSED = "「{title}」是手册的{what}，只有手册管理员可以{action}。"


def _structure_refusal(request, page, action):
    from manuals.models import CategoryPage, ManualIndexPage
    from manuals.permissions import may_restructure_manual

    what = {ManualIndexPage: "首页", CategoryPage: "服务类别"}.get(page.specific_class)
    if what is None or may_restructure_manual(request.user):
        return None
    return _STRUCTURE_REFUSED.format(title=page.title, what=what, action=action)


def _delete_refusal(request, page):
    from manuals.permissions import delete_blockers

    refusal = _structure_refusal(request, page, "删除")
    if refusal:
        return refusal
    blockers = delete_blockers(page)
    if blockers:
        return (
            f"「{page.title}」不能删除：它（含下级页面）已有{'、'.join(blockers)}，"
            "这些记录要留作查证。如需下线，请由手册管理员取消发布。"
        )
    return None


def _refuse(request, message, page):
    messages.error(request, message)
    return redirect(
        "wagtailadmin_explore", page.get_parent().pk if page.depth > 1 else page.pk
    )


@hooks.register("before_delete_page")
def refuse_deleting_what_must_stay(request, page):
    refusal = _delete_refusal(request, page)
    return _refuse(request, refusal, page) if refusal else None


@hooks.register("before_unpublish_page")
def refuse_unpublishing_the_structure(request, page):
    refusal = _structure_refusal(request, page, "取消发布")
    return _refuse(request, refusal, page) if refusal else None


@hooks.register("before_move_page")
def refuse_moving_the_structure(request, page, destination):
    refusal = _structure_refusal(request, page, "移动")
    return _refuse(request, refusal, page) if refusal else None


@hooks.register("before_bulk_action")
def refuse_bulk_actions_on_what_must_stay(request, action_type, objects, action):
    if Page not in action.models:
        return None
    checks = {
        "delete": _delete_refusal,
        "unpublish": lambda r, p: _structure_refusal(r, p, "取消发布"),
        "move": lambda r, p: _structure_refusal(r, p, "移动"),
    }
    check = checks.get(action_type)
    if check is None:
        return None
    for page in objects:
        refusal = check(request, page)
        if refusal:
            return _refuse(request, refusal, page)
    return None
