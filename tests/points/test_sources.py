"""Study and quizzes post to the ledger through the points service, once per rule."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from manuals.models import ChangeKind
from points.models import Balance, LedgerEntry
from quizzes.services import attempt_start, attempt_submit
from tests.manuals.helpers import publish_edit, set_conditions, study
from tests.quizzes.helpers import take
from tests.workers import db_worker


def _codes(user):
    return sorted(
        LedgerEntry.objects.filter(user=user).values_list("rule_code", flat=True)
    )


def test_a_confirmed_read_earns_read_item_once(manual, worker):
    study(worker, manual["dibao"])
    study(worker, manual["dibao"], start=timezone.now() + datetime.timedelta(hours=2))
    entry = LedgerEntry.objects.get(user=worker)
    assert entry.rule_code == "READ_ITEM" and entry.points == 1
    assert entry.reason == "完成《最低生活保障申请》学习"


def test_restudy_after_a_material_change_earns_restudy(manual, worker):
    study(worker, manual["dibao"])

    def edit(draft):
        set_conditions(
            draft, [(c.code, c.text + "（已修订）") for c in draft.conditions.all()]
        )

    page = publish_edit(manual["dibao"], edit, kind=ChangeKind.MATERIAL)
    study(worker, page)

    assert _codes(worker) == ["READ_ITEM", "RESTUDY"]
    assert Balance.objects.get(user=worker).points == 3


def _pass(user, quiz, when):
    return take(user, quiz, when)


def test_first_pass_with_full_marks_earns_pass_and_perfect_once(practice, worker):
    start = timezone.now() - datetime.timedelta(days=1)
    _pass(worker, practice, start)
    _pass(worker, practice, start + datetime.timedelta(hours=2))

    assert _codes(worker) == ["QUIZ_PASS_FIRST", "QUIZ_PERFECT"]


def test_a_failed_first_attempt_then_a_pass_earns_the_retake(practice, worker):
    start = timezone.now() - datetime.timedelta(days=1)
    attempt_submit(
        attempt=attempt_start(user=worker, quiz=practice, now=start), now=start
    )
    _pass(worker, practice, start + datetime.timedelta(hours=1))
    assert _codes(worker) == ["QUIZ_PASS_RETAKE"]


def test_a_pass_within_thirty_minutes_of_the_last_attempt_earns_nothing(
    practice, worker
):
    start = timezone.now() - datetime.timedelta(days=1)
    attempt_submit(
        attempt=attempt_start(user=worker, quiz=practice, now=start), now=start
    )
    _pass(worker, practice, start + datetime.timedelta(minutes=10))
    assert _codes(worker) == []


def test_worker_sees_points_target_level_and_why_each_line(client, manual, worker):
    from django.urls import reverse

    study(worker, manual["dibao"])
    client.force_login(worker)

    html = client.get(reverse("points:mine")).content.decode()

    assert "1</strong> / 120" in html
    assert "完成《最低生活保障申请》学习，+1，学习手册事项（默认版）" in html
    assert "READ_ITEM" not in html
    # The next tier names everything it still asks for, not only points.
    assert (
        "距初级社工还差：累计积分 1 分，须 60 分；年度考试须达 60 分（尚无成绩）"
        in html
    )
    assert "高频事项须全部学完并通过测验" in html
    assert f"{timezone.localdate().year} 年度考核：不合格" in html


def test_points_page_needs_login(client, db):
    from django.urls import reverse

    assert client.get(reverse("points:mine")).status_code == 302


@pytest.mark.django_db(transaction=True)
@override_settings(QUIZ_AWARD_TASK_BACKEND="database")
def test_a_pass_is_paid_by_the_task_worker_once_dated_when_handed_in(practice, worker):
    start = timezone.now() - datetime.timedelta(days=1)
    attempt = _pass(worker, practice, start)
    failed = attempt_submit(
        attempt=attempt_start(
            user=worker, quiz=practice, now=start + datetime.timedelta(hours=1)
        ),
        now=start + datetime.timedelta(hours=1),
    )
    assert attempt.passed and not failed.passed

    # Graded at once; the points wait for the worker, queued with the grade.
    assert _codes(worker) == []
    queued = DBTaskResult.objects.filter(task_path__endswith="attempt_awards_task")
    assert list(queued.values_list("args_kwargs__args", flat=True)) == [[attempt.pk]]

    for _ in range(2):  # a retried task pays nothing twice
        DBTaskResult.objects.update(status="READY")
        assert db_worker("--batch").wait(120) == 0
        assert set(queued.values_list("status", flat=True)) == {"SUCCESSFUL"}

    assert _codes(worker) == ["QUIZ_PASS_FIRST", "QUIZ_PERFECT"]
    first = LedgerEntry.objects.get(user=worker, rule_code="QUIZ_PASS_FIRST")
    assert first.occurred_at == attempt.submitted_at


def test_reading_an_unchanged_item_again_next_year_earns_read_item_again(
    manual, worker
):
    last_year = timezone.localdate().year - 1
    december = timezone.make_aware(datetime.datetime(last_year, 12, 20, 9))
    study(worker, manual["dibao"], start=december)
    study(worker, manual["dibao"], start=december + datetime.timedelta(days=3))
    january = december + datetime.timedelta(days=20)

    study(worker, manual["dibao"], start=january)
    study(worker, manual["dibao"], start=january + datetime.timedelta(days=1))

    lines = LedgerEntry.objects.filter(user=worker, rule_code="READ_ITEM")
    assert sorted(lines.values_list("year", flat=True)) == [last_year, last_year + 1]
    assert Balance.objects.get(user=worker, year=last_year + 1).points == 1
