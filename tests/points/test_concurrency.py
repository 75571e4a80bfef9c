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
