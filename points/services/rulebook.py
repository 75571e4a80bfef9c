"""Rulebook versions: a new one starts as a copy and is edited before it starts."""

from django.db import transaction
from django.utils import timezone

from points.models import Rule, RulebookVersion
from points.services.common import MSG_NO_PERMISSION, _log, _require

MSG_VERSION_DATE = "新版本的生效日期须晚于今天。"


@transaction.atomic
def rulebook_version_draft(*, based_on, name: str, effective_from, actor):
    """A new rulebook version, copied from an existing one, to edit before it starts.
    Posted points keep the version they were posted under."""
    _require(actor.has_perm("points.add_rulebookversion"), MSG_NO_PERMISSION)
    _require(effective_from > timezone.localdate(), MSG_VERSION_DATE)
    version = RulebookVersion(
        name=name,
        effective_from=effective_from,
        annual_target=based_on.annual_target,
        pass_points=based_on.pass_points,
        required_offline_hours=based_on.required_offline_hours,
        hour_minutes=based_on.hour_minutes,
        appeal_days=based_on.appeal_days,
        hours_window_years=based_on.hours_window_years,
    )
    version.full_clean()
    version.save()
    copied = ("code", "name", "activity", "points", "hours", "per_hour")
    copied += ("daily_cap", "annual_cap", "cap_group", "needs_approval")
    Rule.objects.bulk_create(
        Rule(version=version, **{f: getattr(r, f) for f in copied})
        for r in based_on.rules.all()
    )
    version.levels.model.objects.bulk_create(
        version.levels.model(
            version=version,
            name=lv.name,
            threshold=lv.threshold,
            needs_signoff=lv.needs_signoff,
        )
        for lv in based_on.levels.all()
    )
    _log(version, "wagtail.create", actor)
    return version
