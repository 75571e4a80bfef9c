from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from wagtail.permission_policies import BasePermissionPolicy

from learning.selectors import (
    org_units_visible_to,
    staff_member_visible,
    staff_visible_to,
)

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
        return staff_member_visible(actor=user, user=instance)

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


class ScopedPermissionPolicy(ActionPermissionPolicy):
    """The listed actions, on records of people (``person``: the path to their
    user) or of units (``unit``) inside the actor's own subtree only.

    This is the one place a model's row scope is written: every view of its
    viewset (index, inspect, history, usage, exports) asks it, through
    ScopedViewSetMixin, whether the actor may see the object at hand.
    """

    def __init__(self, model, actions: dict[str, str], *, person=None, unit=None):
        super().__init__(model, actions)
        assert (person is None) != (unit is None)
        self.person, self.unit = person, unit

    def _in_subtree(self, user) -> Q:
        if self.person:
            people = staff_visible_to(user=user).order_by().values("pk")
            return Q(**{f"{self.person}__in": people})
        return Q(**{f"{self.unit}__in": org_units_visible_to(user=user).values("pk")})

    def instances_user_has_permission_for(self, user, action):
        queryset = self.model._default_manager.all()
        if not self.user_has_permission(user, action):
            return queryset.none()
        if user.is_superuser:
            return queryset
        if user.org_unit_id is None:
            return queryset.none()
        return queryset.filter(self._in_subtree(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return (
            self.instances_user_has_permission_for(user, action)
            .filter(pk=instance.pk)
            .exists()
        )


class ScopedObjectMixin:
    """For any view of a viewset that loads one object: only an object the
    model's permission policy lets the user view is found at all."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        policy = getattr(self, "permission_policy", None)
        if policy is not None and not policy.user_has_permission_for_instance(
            self.request.user, "view", obj
        ):
            raise Http404
        return obj


class ScopedListingMixin:
    """For index (and export) views: rows outside the policy's scope are not
    listed, whatever filters the query string carries."""

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        policy = getattr(self, "permission_policy", None)
        if policy is None or self.request.user.is_superuser:
            return queryset
        visible = policy.instances_user_has_permission_for(self.request.user, "view")
        return queryset.filter(pk__in=visible.values("pk"))


class ScopedViewSetMixin:
    """Every view the viewset builds, including the ones Wagtail adds by itself
    (history, usage, inspect), goes through the model's permission policy."""

    def construct_view(self, view_class, **kwargs):
        from wagtail.admin.views.generic import HistoryView, IndexView, UsageView

        if hasattr(view_class, "get_object") and not issubclass(
            view_class, ScopedObjectMixin
        ):
            attrs = {}
            if issubclass(view_class, HistoryView | UsageView):
                # Whoever may view a record may read its history and where it
                # is used, records that are never edited included.
                attrs = {
                    "permission_required": None,
                    "any_permission_required": ["add", "change", "delete", "view"],
                }
            view_class = type(
                view_class.__name__, (ScopedObjectMixin, view_class), attrs
            )
        if issubclass(view_class, IndexView) and not issubclass(
            view_class, ScopedListingMixin
        ):
            view_class = type(view_class.__name__, (ScopedListingMixin, view_class), {})
        return super().construct_view(view_class, **kwargs)
