"""Deductions and awards that need approval: a second manager, an appeal window,
a decision by someone other than the proposer, and a log of every step."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from learning.roles import Role
from manuals.models import RestudyTask
from points.models import Adjustment, Appeal, Balance, LedgerEntry
from points.services import (
    MSG_ALREADY_DECIDED,
    MSG_APPEAL_BY_PROPOSER,
    MSG_APPEAL_LATE,
    MSG_OUT_OF_SCOPE,
    MSG_PROXY_NEEDS_CONDITION,
    MSG_SELF_APPROVE,
    PointsActionRefused,
    adjustment_decide,
    adjustment_propose,
    appeal_decide,
    appeal_file,
    points_award,
    rulebook_in_force,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _balance(user):
    return Balance.objects.get(user=user, year=timezone.localdate().year).points


def _earn(user, points=20):
    assert points == 20
    points_award(user=user, rule_code="EXAM_PASS", source=("exam", user.pk))


def _propose(actor, worker, code="COMPLAINT_UPHELD", **kwargs):
    return adjustment_propose(
        actor=actor,
        user=worker,
        rule_code=code,
        occurred_on=timezone.localdate(),
        reason="居民投诉：未一次性告知所需材料，经核实属实",
        **kwargs,
    )


def test_a_deduction_posts_only_after_a_second_manager_approves(
    worker, community_manager, centre_manager
):
    _earn(worker)
    proposal = _propose(community_manager, worker)
    assert _balance(worker) == 20  # a proposal alone changes nothing

    adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)

    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.POSTED
    assert proposal.entry.points == -5
    assert "居民投诉" in proposal.entry.reason
    assert proposal.entry.author == centre_manager
    assert _balance(worker) == 15


def test_the_proposer_cannot_approve_their_own_proposal(
    worker, community_manager, centre_manager
):
    _earn(worker)
    proposal = _propose(centre_manager, worker)

    with pytest.raises(PointsActionRefused) as refused:
        adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)

    assert str(refused.value) == MSG_SELF_APPROVE
    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.PROPOSED
    assert not LedgerEntry.objects.filter(rule_code="COMPLAINT_UPHELD").exists()
    assert _balance(worker) == 20


def test_the_database_itself_refuses_a_self_approval(worker, community_manager):
    proposal = _propose(community_manager, worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Adjustment.objects.filter(pk=proposal.pk).update(decided_by=community_manager)


def test_approving_twice_posts_once(worker, community_manager, centre_manager):
    _earn(worker)
    proposal = _propose(community_manager, worker)
    adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)
    other = StaffFactory(org_unit=centre_manager.org_unit, role=Role.MANAGER)

    with pytest.raises(PointsActionRefused) as refused:
        adjustment_decide(adjustment=proposal, actor=other, approve=True)

    assert str(refused.value).startswith(MSG_ALREADY_DECIDED.split("%")[0])
    assert LedgerEntry.objects.filter(rule_code="COMPLAINT_UPHELD").count() == 1
    assert _balance(worker) == 15


def test_a_rejected_proposal_posts_nothing(worker, community_manager, centre_manager):
    _earn(worker)
    proposal = _propose(community_manager, worker)
    adjustment_decide(
        adjustment=proposal, actor=centre_manager, approve=False, note="证据不足"
    )
    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.REJECTED
    assert proposal.entry is None
    assert _balance(worker) == 20


def test_a_manager_cannot_propose_for_staff_outside_their_subtree(
    org, community_manager
):
    elsewhere = StaffFactory(org_unit=org["瓜山社区"])
    with pytest.raises(PointsActionRefused) as refused:
        _propose(community_manager, elsewhere)
    assert str(refused.value) == MSG_OUT_OF_SCOPE % {"name": elsewhere.name}


def test_a_deduction_never_takes_the_year_below_zero(
    worker, community_manager, centre_manager
):
    proposal = _propose(community_manager, worker, code="EXAM_CHEAT")
    adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)
    proposal.refresh_from_db()
    assert proposal.entry.points == 0
    assert "不低于 0" in proposal.entry.reason
    assert _balance(worker) == 0


def test_a_proxy_error_names_the_condition_and_sends_the_worker_to_restudy(
    manual, worker, community_manager, centre_manager
):
    item = manual["dibao"]
    with pytest.raises(PointsActionRefused) as refused:
        _propose(community_manager, worker, code="PROXY_ERROR", item=item)
    assert str(refused.value) == MSG_PROXY_NEEDS_CONDITION

    code = item.conditions.first().code
    proposal = _propose(
        community_manager, worker, code="PROXY_ERROR", item=item, condition_code=code
    )
    adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)

    task = RestudyTask.objects.get(user=worker, page=item, completed_at__isnull=True)
    assert task.due_at > timezone.now()


def _posted_deduction(worker, proposer, approver):
    _earn(worker)
    proposal = _propose(proposer, worker)
    return adjustment_decide(adjustment=proposal, actor=approver, approve=True)


def test_the_worker_appeals_within_the_window_and_another_manager_overturns(
    worker, community_manager, centre_manager, street_manager
):
    deduction = _posted_deduction(worker, community_manager, centre_manager)
    appeal = appeal_file(adjustment=deduction, actor=worker, text="当天材料清单已告知")

    with pytest.raises(PointsActionRefused) as refused:
        appeal_decide(
            appeal=appeal, actor=community_manager, overturn=True, note="同意"
        )
    assert str(refused.value) == MSG_APPEAL_BY_PROPOSER

    appeal_decide(
        appeal=appeal, actor=street_manager, overturn=True, note="调取录音，已告知"
    )

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OVERTURNED
    assert appeal.reversal.reverses == deduction.entry
    assert appeal.reversal.points == 5
    assert _balance(worker) == 20  # the reversal restores the balance
    deduction.entry.refresh_from_db()
    assert deduction.entry.points == -5  # the original line is never edited
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(deduction.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "user_id")
    )
    assert actions == [
        ("points.adjustment.propose", community_manager.pk),
        ("points.adjustment.approve", centre_manager.pk),
        ("points.appeal.file", worker.pk),
        ("points.appeal.overturn", street_manager.pk),
    ]


def test_an_appeal_after_the_window_is_refused(
    worker, community_manager, centre_manager
):
    deduction = _posted_deduction(worker, community_manager, centre_manager)
    # The window is counted in working days and ends with the last one.
    late = deduction.appeal_deadline() + datetime.timedelta(minutes=1)

    with pytest.raises(PointsActionRefused) as refused:
        appeal_file(adjustment=deduction, actor=worker, text="迟到的申诉", now=late)

    assert str(refused.value).startswith(MSG_APPEAL_LATE.split("%")[0])
    assert not Appeal.objects.exists()


def test_only_the_worker_may_appeal_their_deduction(
    worker, community_manager, centre_manager
):
    deduction = _posted_deduction(worker, community_manager, centre_manager)
    colleague = StaffFactory(org_unit=worker.org_unit)
    with pytest.raises(PointsActionRefused):
        appeal_file(adjustment=deduction, actor=colleague, text="替他申诉")
    assert not Appeal.objects.exists()


def test_an_upheld_appeal_keeps_the_deduction(
    worker, community_manager, centre_manager, street_manager
):
    deduction = _posted_deduction(worker, community_manager, centre_manager)
    appeal = appeal_file(adjustment=deduction, actor=worker, text="不服")
    appeal_decide(appeal=appeal, actor=street_manager, overturn=False, note="属实")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert appeal.reversal is None
    assert _balance(worker) == 15


# ------------------------------------------------------------ through the UI


def test_managers_propose_and_approve_in_the_admin(
    client, worker, community_manager, centre_manager
):
    _earn(worker)
    client.force_login(community_manager)
    rule = rulebook_in_force(timezone.localdate()).rules.get(code="COMPLAINT_UPHELD")
    response = client.post(
        reverse("adjustments:add"),
        {
            "user": worker.pk,
            "rule": rule.pk,
            "quantity": "1",
            "occurred_on": timezone.localdate().isoformat(),
            "reason": "投诉属实",
            "condition_code": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Adjustment.objects.get()

    # The proposer sees no approve button, and a forged POST changes nothing.
    page = client.get(reverse("adjustments:inspect", args=[proposal.pk]))
    assert "data-decide-form" not in page.content.decode()
    client.post(
        reverse("adjustments:decide", args=[proposal.pk]), {"action": "approve"}
    )
    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.PROPOSED

    client.force_login(centre_manager)
    page = client.get(reverse("adjustments:inspect", args=[proposal.pk]))
    assert "data-decide-form" in page.content.decode()
    client.post(
        reverse("adjustments:decide", args=[proposal.pk]),
        {"action": "approve", "note": "核实"},
    )
    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.POSTED
    assert _balance(worker) == 15


def test_the_worker_sees_the_deduction_with_its_reason_and_appeals_on_the_phone(
    client, worker, community_manager, centre_manager
):
    deduction = _posted_deduction(worker, community_manager, centre_manager)
    client.force_login(worker)
    page = client.get(reverse("points:mine")).content.decode()
    assert "居民投诉属实 -5" in page
    assert "未一次性告知所需材料" in page
    assert "data-appeal-form" in page

    client.post(reverse("points:appeal", args=[deduction.pk]), {"text": "已告知"})

    assert Appeal.objects.get().adjustment == deduction
    page = client.get(reverse("points:mine")).content.decode()
    assert "申诉：待处理" in page
    assert "data-appeal-form" not in page


def test_workers_and_managers_of_other_subtrees_cannot_open_a_proposal(
    client, org, worker, community_manager
):
    proposal = _propose(community_manager, worker)
    client.force_login(worker)
    assert client.get(reverse("adjustments:index")).status_code in (302, 403)

    outsider = StaffFactory(org_unit=org["瓜山社区"], role=Role.MANAGER)
    client.force_login(outsider)
    refused = client.get(reverse("adjustments:inspect", args=[proposal.pk]))
    assert refused.status_code in (302, 403, 404)
    assert worker.name not in refused.content.decode()
    listing = client.get(reverse("adjustments:index")).content.decode()
    assert worker.name not in listing
    client.post(
        reverse("adjustments:decide", args=[proposal.pk]), {"action": "approve"}
    )
    proposal.refresh_from_db()
    assert proposal.status == Adjustment.Status.PROPOSED
