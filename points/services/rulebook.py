"""Rulebook versions: a new one starts as a copy and is edited before it starts."""

from django.db import transaction
from django.utils import timezone

from points.models import Rule, RulebookVersion
from points.services.common import MSG_NO_PERMISSION, _log, _require

MSG_VERSION_DATE = "新版本的生效日期须晚于今天。"
MSG_RULEBOOK_UNIT = "积分规则由街道（或区）统一制定，%(unit)s的管理者只能查看。"
MSG_RULEBOOK_NOT_OWNER = (
    "该版本由%(unit)s制定，只有该单位或上级的管理者可以修改或审批。"
)
MSG_RULEBOOK_SELF_APPROVE = "不能审批自己起草或修改的版本，须由另一位管理者审批。"
MSG_RULEBOOK_APPROVED = "该版本已于 %(when)s 批准，不能重复审批。"
MSG_RULEBOOK_LATE = "生效日期已到：请先把生效日期改到今天以后，再请人审批。"

_RULEBOOK_UNIT_KINDS = ("district", "street")


def may_edit_rulebooks(user) -> bool:
    """Superusers, and managers of a street or the district: the rulebook is
    the street's, not a community's."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        user.has_perm("points.change_rulebookversion")
        and user.org_unit_id is not None
        and user.org_unit.kind in _RULEBOOK_UNIT_KINDS
    )


def may_edit_version(user, version) -> bool:
    """The owning unit's managers, or those above it."""
    if not may_edit_rulebooks(user):
        return False
    if user.is_superuser or version.owner_unit_id is None:
        return True
    return user.org_unit.contains(version.owner_unit)


def _require_editor(actor, version=None):
    _require(
        may_edit_rulebooks(actor),
        MSG_RULEBOOK_UNIT,
        unit=actor.org_unit.name if actor.org_unit_id else "",
    )
    if version is not None:
        _require(
            may_edit_version(actor, version),
            MSG_RULEBOOK_NOT_OWNER,
            unit=version.owner_unit.name if version.owner_unit_id else "",
        )


# What a new version copies from the one it is based on, besides the rules.
VERSION_SETTINGS = (
    "annual_target",
    "pass_points",
    "required_offline_hours",
    "hour_minutes",
    "appeal_days",
    "hours_window_years",
    "excellent_points",
    "excellent_exam_percent",
    "restudy_grace_days",
)
LEVEL_FIELDS = (
    "name",
    "threshold",
    "needs_signoff",
    "min_exam_percent",
    "high_frequency_done",
    "min_categories_done",
    "min_write_ups",
    "role_checks",
)


@transaction.atomic
def rulebook_version_draft(*, based_on, name: str, effective_from, actor):
    """A new rulebook version, copied from an existing one, to edit before it starts.
    Posted points keep the version they were posted under."""
    _require(actor.has_perm("points.add_rulebookversion"), MSG_NO_PERMISSION)
    _require_editor(actor)
    _require(effective_from > timezone.localdate(), MSG_VERSION_DATE)
    version = RulebookVersion(
        name=name,
        effective_from=effective_from,
        **{f: getattr(based_on, f) for f in VERSION_SETTINGS},
        owner_unit=actor.org_unit,
        drafted_by=actor,
        edited_by=actor,
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
            version=version, **{f: getattr(lv, f) for f in LEVEL_FIELDS}
        )
        for lv in based_on.levels.all()
    )
    _log(version, "wagtail.create", actor)
    return version


@transaction.atomic
def rulebook_version_approve(*, version, actor):
    """A second manager of the owning unit approves a draft; from its effective
    date it is in force. Nobody approves a version they drafted or edited."""
    version = RulebookVersion.objects.select_for_update().get(pk=version.pk)
    _require_editor(actor, version)
    _require(
        actor.pk not in (version.drafted_by_id, version.edited_by_id),
        MSG_RULEBOOK_SELF_APPROVE,
    )
    _require(
        version.approved_at is None,
        MSG_RULEBOOK_APPROVED,
        when=f"{timezone.localtime(version.approved_at):%Y-%m-%d %H:%M}"
        if version.approved_at
        else "",
    )
    _require(version.effective_from > timezone.localdate(), MSG_RULEBOOK_LATE)
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.save(update_fields=["approved_by", "approved_at"])
    _log(version, "points.rulebook.approve", actor)
    return version
