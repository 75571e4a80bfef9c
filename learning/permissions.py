from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies import BasePermissionPolicy

from learning.selectors import staff_visible_to

# Staff are never deleted (their ledgers must stay); they are marked 离职.
_ACTION_PERMISSION = {
    "view": "learning.view_staff",
    "add": "learning.manage_staff",
    "change": "learning.manage_staff",
}


def active_users_holding(perm: str | None):
    """Active users who hold "app_label.codename" through a group or directly, and
    superusers; in one query, as Wagtail asks when it lists who may act."""
    User = get_user_model()
    if perm is None:
        return User.objects.none()
    app_label, codename = perm.split(".")
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | granted)
        .distinct()
    )


class StaffPermissionPolicy(BasePermissionPolicy):
    """Managers act on staff of their own subtree only; nobody deletes staff."""

    def user_has_permission(self, user, action):
        if not user.is_active:
            return False
        if action not in _ACTION_PERMISSION:
            return False
        if user.is_superuser:
            return True
        return user.org_unit_id is not None and user.has_perm(
            _ACTION_PERMISSION[action]
        )

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return instance.org_unit is not None and user.org_unit.contains(
            instance.org_unit
        )

    def instances_user_has_permission_for(self, user, action):
        if not self.user_has_permission(user, action):
            return self.model.objects.none()
        return self.model.objects.filter(
            pk__in=staff_visible_to(user=user).values("pk")
        )

    def users_with_permission(self, action):
        return active_users_holding(_ACTION_PERMISSION.get(action))


class ActionPermissionPolicy(BasePermissionPolicy):
    """Only the listed admin actions, each behind one permission; records whose
    rules live in services are never edited or deleted through the admin."""

    def __init__(self, model, actions: dict[str, str]):
        super().__init__(model)
        self.actions = actions

    def user_has_permission(self, user, action):
        if action not in self.actions or not user.is_active:
            return False
        return user.is_superuser or user.has_perm(self.actions[action])

    def users_with_permission(self, action):
        return active_users_holding(self.actions.get(action))


class ReadOnlyPermissionPolicy(ActionPermissionPolicy):
    """Records only services write: the admin may list and inspect them."""

    def __init__(self, model, view_permission: str):
        super().__init__(model, {"view": view_permission})
