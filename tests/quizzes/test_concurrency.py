"""Double taps on a phone arrive as concurrent requests; PostgreSQL decides once."""

import threading

import pytest
from django.db import connections

from quizzes.models import Attempt, WrongBookEntry
from quizzes.services import attempt_start, attempt_submit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _together(n, fn):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_submits_grade_once(practice, worker):
    attempt = attempt_start(user=worker, quiz=practice)

    errors = _together(8, lambda: attempt_submit(attempt=attempt))

    assert errors == []
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    # Every question was unanswered, so each went into the 错题本 exactly once.
    assert set(WrongBookEntry.objects.values_list("times_wrong", flat=True)) == {1}


def test_concurrent_starts_open_one_attempt(practice, worker):
    errors = _together(6, lambda: attempt_start(user=worker, quiz=practice))

    assert errors == []
    assert Attempt.objects.filter(user=worker, quiz=practice).count() == 1
