from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from learning.models import OrgUnit


def org_units_visible_to(*, user) -> QuerySet[OrgUnit]:
    """The units a user may manage: everything for superusers, else their subtree."""
    if user.is_superuser:
        return OrgUnit.objects.all()
    if not user.is_authenticated or user.org_unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


def staff_visible_to(*, user) -> QuerySet:
    """Staff in the user's subtree: a 街道 manager sees every centre below it."""
    User = get_user_model()
    qs = User.objects.select_related("org_unit").prefetch_related("groups")
    if user.is_superuser:
        return qs
    if not user.has_perm("learning.view_staff") or user.org_unit_id is None:
        return qs.none()
    return qs.filter(org_unit__path__startswith=user.org_unit.path)


def org_unit_labels() -> dict[str, OrgUnit]:
    """Every way a roster may name a unit: its full path, and its name when unique."""
    units = list(OrgUnit.objects.all())
    by_path = {unit.path: unit for unit in units}
    labels: dict[str, OrgUnit] = {}
    name_count: dict[str, int] = {}
    for unit in units:
        name_count[unit.name] = name_count.get(unit.name, 0) + 1
    for unit in units:
        parts = [
            by_path[unit.path[: OrgUnit.steplen * depth]].name
            for depth in range(1, unit.depth + 1)
        ]
        labels["/".join(parts)] = unit
        if name_count[unit.name] == 1:
            labels[unit.name] = unit
    return labels


def org_unit_label(unit: OrgUnit, labels: dict[str, OrgUnit]) -> str:
    """The shortest label that names the unit unambiguously."""
    if labels.get(unit.name) == unit:
        return unit.name
    return unit.path_label
