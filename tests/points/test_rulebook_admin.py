"""Managers edit the rulebook in the admin as new versions; a version in use is
history and stays as it was."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from points.models import LedgerEntry, RulebookVersion
from points.rules import MSG_MISSING_SYSTEM_RULES, MSG_NOT_IN_FUTURE
from points.services import points_award
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

RULE_FIELDS = (
    "code",
    "name",
    "activity",
    "points",
    "hours",
    "daily_cap",
    "annual_cap",
    "cap_group",
)


def _form_data(version, change=None, drop=()):
    """The edit form's POST, as the browser sends it, with some rules changed."""
    data = {
        "name": version.name,
        "effective_from": version.effective_from.isoformat(),
        "annual_target": version.annual_target,
        "pass_points": version.pass_points,
        "required_offline_hours": version.required_offline_hours,
        "hour_minutes": version.hour_minutes,
        "appeal_days": version.appeal_days,
        "hours_window_years": version.hours_window_years,
        "excellent_points": version.excellent_points,
        "excellent_exam_percent": version.excellent_exam_percent,
        "restudy_grace_days": version.restudy_grace_days,
    }
    rules = list(version.rules.all())
    data.update(
        {
            "rules-TOTAL_FORMS": len(rules),
            "rules-INITIAL_FORMS": len(rules),
            "rules-MIN_NUM_FORMS": 0,
            "rules-MAX_NUM_FORMS": 1000,
        }
    )
    for i, rule in enumerate(rules):
        prefix = f"rules-{i}-"
        data[prefix + "id"] = rule.pk
        for field in RULE_FIELDS:
            value = getattr(rule, field)
            data[prefix + field] = "" if value is None else value
        if rule.per_hour:
            data[prefix + "per_hour"] = "on"
        if rule.needs_approval:
            data[prefix + "needs_approval"] = "on"
        for field, value in (change or {}).get(rule.code, {}).items():
            data[prefix + field] = value
        if rule.code in drop:
            data[prefix + "DELETE"] = "1"
    levels = list(version.levels.all())
    data.update(
        {
            "levels-TOTAL_FORMS": len(levels),
            "levels-INITIAL_FORMS": len(levels),
            "levels-MIN_NUM_FORMS": 0,
            "levels-MAX_NUM_FORMS": 1000,
        }
    )
    for i, level in enumerate(levels):
        prefix = f"levels-{i}-"
        data[prefix + "id"] = level.pk
        data[prefix + "name"] = level.name
        data[prefix + "threshold"] = level.threshold
        for flag in ("needs_signoff", "high_frequency_done", "role_checks"):
            if getattr(level, flag):
                data[prefix + flag] = "on"
        for number in ("min_exam_percent", "min_categories_done", "min_write_ups"):
            value = getattr(level, number)
            data[prefix + number] = "" if value is None else value
    return data


def _draft(client, days=30, name="2027 版"):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return client.post(
        reverse("rulebooks:draft"), {"name": name, "effective_from": day.isoformat()}
    )


def test_a_manager_drafts_a_new_version_and_edits_it_before_it_starts(
    client, worker, street_manager
):
    before = points_award(user=worker, rule_code="READ_ITEM", source=("item", 1))
    client.force_login(street_manager)

    response = _draft(client)

    draft = RulebookVersion.objects.get(name="2027 版")
    assert response.url == reverse("rulebooks:edit", args=[draft.pk])
    current = RulebookVersion.objects.exclude(pk=draft.pk).get()
    assert draft.rules.count() == current.rules.count()

    edit = client.post(
        reverse("rulebooks:edit", args=[draft.pk]),
        _form_data(draft, change={"READ_ITEM": {"points": 2}}),
    )
    assert edit.status_code == 302, edit.content.decode()[:3000]
    assert draft.rules.get(code="READ_ITEM").points == 2
    # What was posted under the old version is exactly as it was.
    before.refresh_from_db()
    assert (before.points, before.rule.version) == (1, current)

    later = timezone.now() + datetime.timedelta(days=31)
    # A draft counts for nothing, whatever its date, until another approves it.
    unapproved = points_award(
        user=worker, rule_code="READ_ITEM", source=("item", 2), occurred_at=later
    )
    assert unapproved.rule.version == current
    colleague = StaffFactory(org_unit=street_manager.org_unit, role=Role.MANAGER)
    client.force_login(colleague)
    client.post(reverse("rulebooks:approve", args=[draft.pk]))
    after = points_award(
        user=worker, rule_code="READ_ITEM", source=("item", 3), occurred_at=later
    )
    assert (after.points, after.rule.version) == (2, draft)
    assert LedgerEntry.objects.get(pk=before.pk).points == 1
    assert client.get(reverse("rulebooks:edit", args=[draft.pk])).status_code == 302


def test_nobody_approves_a_version_they_drafted_or_edited(client, street_manager):
    from points.services import PointsActionRefused, rulebook_version_approve

    client.force_login(street_manager)
    _draft(client)
    draft = RulebookVersion.objects.get(name="2027 版")
    editor = StaffFactory(org_unit=street_manager.org_unit, role=Role.MANAGER)
    client.force_login(editor)
    client.post(
        reverse("rulebooks:edit", args=[draft.pk]),
        _form_data(draft, change={"READ_ITEM": {"points": 2}}),
    )

    for person in (street_manager, editor):
        page = client.get(reverse("rulebooks:inspect", args=[draft.pk]))
        with pytest.raises(PointsActionRefused, match="不能审批自己起草或修改"):
            rulebook_version_approve(version=draft, actor=person)
    assert "批准这个版本" not in page.content.decode()
    draft.refresh_from_db()
    assert draft.approved_at is None


def test_a_community_manager_cannot_draft_or_edit_the_street_rulebook(
    client, street_manager, community_manager
):
    client.force_login(street_manager)
    _draft(client)
    draft = RulebookVersion.objects.get(name="2027 版")
    client.force_login(community_manager)

    drafting = client.post(
        reverse("rulebooks:draft"),
        {"name": "社区版", "effective_from": "2099-01-01"},
    )
    editing = client.post(
        reverse("rulebooks:edit", args=[draft.pk]),
        _form_data(draft, change={"READ_ITEM": {"points": 50}}),
    )
    approving = client.post(reverse("rulebooks:approve", args=[draft.pk]))

    assert drafting.status_code in (200, 302, 403) and approving.status_code == 302
    assert not RulebookVersion.objects.filter(name="社区版").exists()
    assert editing.status_code in (302, 403)
    assert draft.rules.get(code="READ_ITEM").points == 1
    draft.refresh_from_db()
    assert draft.approved_at is None
    assert client.get(reverse("rulebooks:index")).status_code == 200


def test_a_version_in_use_cannot_be_edited(client, street_manager):
    current = RulebookVersion.objects.get()
    client.force_login(street_manager)

    page = client.get(reverse("rulebooks:edit", args=[current.pk]))
    assert page.status_code == 302
    client.post(
        reverse("rulebooks:edit", args=[current.pk]),
        _form_data(current, change={"READ_ITEM": {"points": 5}}),
    )
    assert current.rules.get(code="READ_ITEM").points == 1


def test_a_version_cannot_start_today_or_in_the_past(client, street_manager):
    client.force_login(street_manager)
    response = _draft(client, days=0)
    assert MSG_NOT_IN_FUTURE in response.content.decode()
    assert RulebookVersion.objects.count() == 1


def test_the_rules_the_system_posts_cannot_be_removed(client, street_manager):
    client.force_login(street_manager)
    _draft(client)
    draft = RulebookVersion.objects.get(name="2027 版")

    response = client.post(
        reverse("rulebooks:edit", args=[draft.pk]),
        _form_data(draft, drop=("READ_ITEM",)),
    )

    assert response.status_code == 200
    assert (
        MSG_MISSING_SYSTEM_RULES % {"codes": "学习手册事项（READ_ITEM）"}
        in response.content.decode()
    )
    assert draft.rules.filter(code="READ_ITEM").exists()


def test_workers_and_trainers_cannot_change_the_rulebook(client, worker, trainer):
    for user in (worker, trainer):
        client.force_login(user)
        _draft(client)
        assert client.get(reverse("rulebooks:index")).status_code in (302, 403)
    assert RulebookVersion.objects.count() == 1
