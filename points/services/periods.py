"""Closing a period: its ranking is kept, later entries go to the next month."""

from django.contrib.auth import get_user_model
from django.db import transaction

from points.models import PeriodFreeze
from points.ranking import period_is_over
from points.services.common import MSG_NO_PERMISSION, MSG_OUT_OF_SCOPE, _log, _require
from points.services.ledger import _gate

MSG_PERIOD_NOT_OVER = "%(period)s尚未结束，结束后才能结账。"


@transaction.atomic
def period_freeze(*, unit, period, actor):
    """Close a period for a unit's subtree: keep its ranking as it stands now, and
    book anything that arrives later to the next open month. Safe to call twice."""
    from learning.selectors import org_units_visible_to
    from points.models import FrozenScore
    from points.selectors import freeze_number, live_members

    _require(actor.has_perm("points.freeze_period"), MSG_NO_PERMISSION)
    _require(
        org_units_visible_to(user=actor).filter(pk=unit.pk).exists(),
        MSG_OUT_OF_SCOPE,
        name=unit.name,
    )
    _require(period_is_over(period), MSG_PERIOD_NOT_OVER, period=period.label)
    _gate(exclusive=True)
    key = {
        "unit": unit,
        "kind": period.kind,
        "year": period.year,
        "number": freeze_number(period),
    }
    existing = PeriodFreeze.objects.filter(**key).first()
    if existing is not None:
        return existing
    freeze = PeriodFreeze.objects.create(
        **key,
        first_month=period.months[0],
        last_month=period.months[-1],
        frozen_by=actor,
    )
    members = live_members(unit=unit, period=period, role_label=None)
    roles: dict[int, list[str]] = {}
    memberships = get_user_model().groups.through.objects.filter(
        user_id__in=[m.user_id for m in members]
    )
    for user_id, group in memberships.values_list("user_id", "group__name"):
        roles.setdefault(user_id, []).append(group)
    FrozenScore.objects.bulk_create(
        [
            FrozenScore(
                freeze=freeze,
                user_id=m.user_id,
                username=m.username,
                name=m.name,
                unit_path=m.unit_path,
                unit_name=m.unit_name,
                roles="," + ",".join(sorted(roles.get(m.user_id, []))) + ",",
                hired_on=m.hired_on,
                points=m.points,
                hours=m.hours,
                reached_at=m.reached_at,
            )
            for m in members
        ],
        batch_size=2000,
    )
    _log(freeze, "points.period.freeze", actor, period=period.label)
    return freeze
