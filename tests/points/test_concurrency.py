"""Retries, double clicks and concurrent requests award once (PostgreSQL row locks)."""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from points.models import Balance, LedgerEntry
from points.services import points_award

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_identical_awards_post_one_entry(worker):
    barrier = threading.Barrier(20)
    errors = []
    when = timezone.now()
    # An earlier award, so the year's balance row already exists and only the
    # row lock (not the insert of that row) can make the requests queue.
    points_award(
        user=worker, rule_code="READ_ITEM", source=("item", 0), occurred_at=when
    )

    def award():
        try:
            barrier.wait()
            points_award(
                user=worker, rule_code="EXAM_PASS", source=("exam", 1), occurred_at=when
            )
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert LedgerEntry.objects.filter(user=worker, rule_code="EXAM_PASS").count() == 1
    assert (
        Balance.objects.get(user=worker, year=timezone.localtime(when).year).points
        == 21
    )


def test_concurrent_different_awards_respect_the_daily_cap(worker):
    barrier = threading.Barrier(12)
    when = timezone.now().replace(hour=4)

    def award(n):
        barrier.wait()
        points_award(
            user=worker,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=when + datetime.timedelta(seconds=n),
        )
        connections.close_all()

    threads = [threading.Thread(target=award, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert LedgerEntry.objects.filter(user=worker).count() == 12
    year = timezone.localtime(when).year
    assert Balance.objects.get(user=worker, year=year).points == 8


def _together(n, action):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            outcomes.append(action(i))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_managers_approving_at_once_post_one_deduction(
    worker, community_manager, centre_manager, street_manager
):
    from points.models import Adjustment
    from points.services import (
        PointsActionRefused,
        adjustment_decide,
        adjustment_propose,
    )

    points_award(user=worker, rule_code="EXAM_PASS", source=("exam", 1))
    proposal = adjustment_propose(
        actor=community_manager,
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        occurred_on=timezone.localdate(),
        reason="投诉属实",
    )
    approvers = [centre_manager, street_manager] * 3

    outcomes = _together(
        6,
        lambda i: adjustment_decide(
            adjustment=proposal, actor=approvers[i], approve=True
        ),
    )

    assert sum(isinstance(o, Adjustment) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, (Adjustment, PointsActionRefused)) for o in outcomes), (
        outcomes
    )
    assert LedgerEntry.objects.filter(rule_code="COMPLAINT_UPHELD").count() == 1
    assert Balance.objects.get(user=worker).points == 15


def test_a_freeze_racing_with_postings_leaves_no_line_in_the_closed_month(
    org, centre_manager
):
    from points.models import MonthTotal, PeriodFreeze
    from points.ranking import Period
    from points.services import period_freeze
    from tests.factories import StaffFactory

    march = Period("month", 2026, 3)
    people = [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(5)]
    when = timezone.make_aware(datetime.datetime(2026, 3, 20, 10))

    def act(i):
        if i == 0:
            return period_freeze(
                unit=centre_manager.org_unit, period=march, actor=centre_manager
            )
        return points_award(
            user=people[i % 5],
            rule_code="READ_ITEM",
            source=("item", i),
            occurred_at=when,
        )

    outcomes = _together(11, act)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    freeze = PeriodFreeze.objects.get()
    snapshot = {s.user_id: s.points for s in freeze.scores.all()}
    live = {t.user_id: t.points for t in MonthTotal.objects.filter(year=2026, month=3)}
    # Whatever landed in March before the close is in the snapshot, and nothing
    # landed in March after it.
    assert all(snapshot.get(user_id, 0) == points for user_id, points in live.items())
    late = LedgerEntry.objects.filter(month=4)
    assert all("已结账" in e.reason for e in late)
    assert late.count() + sum(live.values()) == 10
