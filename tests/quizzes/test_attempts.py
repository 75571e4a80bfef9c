"""Attempts are decided on the server: draw, order, deadline, limits, one grading."""

import datetime
import random

import pytest
from django.utils import timezone

from learning.roles import Role
from manuals.models import ChangeKind
from quizzes.models import Attempt, CategoryQuizPage, QuestionStatus, WrongBookEntry
from quizzes.services import (
    GRACE_SECONDS,
    MSG_LATE,
    QuizRefused,
    answer_save,
    attempt_start,
    attempt_submit,
    extra_attempt_grant,
    question_confirm,
    question_save,
)
from tests.factories import StaffFactory
from tests.manuals.helpers import publish_edit, set_conditions


def _items(attempt):
    return [row.version.question.item_id for row in attempt.questions.all()]


def test_draw_respects_the_per_item_counts(category_test, manual, worker):
    attempt = attempt_start(user=worker, quiz=category_test, rng=random.Random(1))
    items = _items(attempt)
    assert items.count(manual["dibao"].pk) == 3
    assert items.count(manual["youhui"].pk) == 2


def test_category_counts_hold_in_a_category_wide_rule(manual, bank, worker):
    from quizzes.models import DrawRuleRow

    quiz = CategoryQuizPage(title="全类测验", slug="quan", category=manual["social"])
    quiz.draw_rules = [DrawRuleRow(count=6)]
    manual["social"].add_child(instance=quiz)
    attempt = attempt_start(user=worker, quiz=quiz, rng=random.Random(3))
    assert attempt.questions.count() == 6
    assert len({row.version.question_id for row in attempt.questions.all()}) == 6


def test_draw_never_picks_a_question_waiting_for_review(category_test, bank, worker):
    for n in range(3):
        bank[f"youhui{n}"].status = QuestionStatus.NEEDS_REVIEW
        bank[f"youhui{n}"].save()

    with pytest.raises(QuizRefused) as refused:
        attempt_start(user=worker, quiz=category_test)

    assert "只有 0 道可用题目" in str(refused.value)


def test_resume_gives_the_same_questions_in_the_same_order(category_test, worker):
    first = attempt_start(user=worker, quiz=category_test, rng=random.Random(5))
    again = attempt_start(user=worker, quiz=category_test, rng=random.Random(99))

    assert again.pk == first.pk
    shown = [(r.version_id, r.option_order) for r in first.questions.all()]
    assert [(r.version_id, r.option_order) for r in again.questions.all()] == shown


def test_answer_after_the_deadline_is_not_counted(category_test, worker):
    start = timezone.now()
    attempt = attempt_start(user=worker, quiz=category_test, now=start)
    late = attempt.deadline + datetime.timedelta(seconds=GRACE_SECONDS + 1)

    with pytest.raises(QuizRefused) as refused:
        answer_save(attempt=attempt, position=1, response=["A"], now=late)

    assert str(refused.value) == MSG_LATE
    assert attempt.questions.get(position=1).response is None


def test_answer_within_the_grace_is_counted(category_test, worker):
    attempt = attempt_start(user=worker, quiz=category_test)
    in_grace = attempt.deadline + datetime.timedelta(seconds=GRACE_SECONDS - 5)
    answer_save(attempt=attempt, position=1, response=True, now=in_grace)
    assert attempt.questions.get(position=1).response is True


def test_an_older_autosave_arriving_late_keeps_the_newer_answer(practice, worker):
    attempt = attempt_start(user=worker, quiz=practice)

    newer = answer_save(attempt=attempt, position=1, response=["B"], sequence=5)
    older = answer_save(attempt=attempt, position=1, response=["A"], sequence=4)
    repeated = answer_save(attempt=attempt, position=1, response=["A"], sequence=5)

    assert (newer, older, repeated) == (True, False, False)
    assert attempt.questions.get(position=1).response == ["B"]


def test_the_submitted_form_overrides_any_autosave(practice, worker):
    attempt = attempt_start(user=worker, quiz=practice)
    answer_save(attempt=attempt, position=1, response=["B"], sequence=10**12)

    final = answer_save(attempt=attempt, position=1, response=["C"])

    assert final is True
    assert attempt.questions.get(position=1).response == ["C"]


def test_second_submit_grades_nothing_more(practice, worker):
    attempt = attempt_start(user=worker, quiz=practice)
    first = attempt_submit(attempt=attempt)
    again = attempt_submit(attempt=attempt, now=timezone.now() + datetime.timedelta(1))
    assert again.submitted_at == first.submitted_at
    assert Attempt.objects.filter(user=worker).count() == 1


def test_attempt_limit_and_delay_hold(category_test, worker):
    start = timezone.now()
    first = attempt_start(user=worker, quiz=category_test, now=start)
    attempt_submit(attempt=first, now=start + datetime.timedelta(minutes=5))

    with pytest.raises(QuizRefused) as too_soon:
        attempt_start(
            user=worker, quiz=category_test, now=start + datetime.timedelta(minutes=20)
        )
    assert "不足 30 分钟" in str(too_soon.value)

    for n in (1, 2):
        later = start + datetime.timedelta(hours=n)
        attempt_submit(
            attempt=attempt_start(user=worker, quiz=category_test, now=later), now=later
        )
    with pytest.raises(QuizRefused) as used_up:
        attempt_start(
            user=worker, quiz=category_test, now=start + datetime.timedelta(hours=5)
        )
    assert "用完" in str(used_up.value)


def test_extra_attempt_works_for_the_named_worker_only(category_test, org, worker):
    other = StaffFactory(org_unit=org["文澜社区"])
    manager = StaffFactory(org_unit=org["桥西片区公共服务中心"], role=Role.MANAGER)
    category_test.max_attempts = 1
    category_test.min_minutes_between = 0
    category_test.save()
    for person in (worker, other):
        attempt_submit(attempt=attempt_start(user=person, quiz=category_test))

    extra_attempt_grant(manager=manager, user=worker, quiz=category_test, reason="病假")

    retake = attempt_start(user=worker, quiz=category_test)
    assert retake.number == 2 and retake.grant is not None
    with pytest.raises(QuizRefused):
        attempt_start(user=other, quiz=category_test)
    attempt_submit(attempt=retake)
    with pytest.raises(QuizRefused):
        attempt_start(user=worker, quiz=category_test)


def test_exam_window_is_enforced(category_test, worker):
    category_test.opens_at = timezone.now() + datetime.timedelta(days=1)
    category_test.save()
    with pytest.raises(QuizRefused):
        attempt_start(user=worker, quiz=category_test)


def test_grading_uses_the_version_answered(practice, bank, worker):
    attempt = attempt_start(user=worker, quiz=practice)
    judge_row = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "judge"
    )
    answer_save(attempt=attempt, position=judge_row.position, response=False)
    attempt_submit(attempt=attempt)

    question_save(
        question=bank["judge"],
        item=bank["judge"].item,
        qtype="judge",
        stem="本区户籍家庭可以在本区申请低保。",
        options=[],
        answer=True,
        explanation="改题后答案变了",
        condition_codes=["c1"],
    )

    judge_row.refresh_from_db()
    assert judge_row.version.stem == "外区户籍家庭可以在本区申请低保。"
    assert judge_row.credit == 1.0
    bank["judge"].refresh_from_db()
    assert bank["judge"].versions.count() == 2


def test_wrong_answers_stay_in_the_wrong_book_until_right_twice(practice, bank, worker):
    def sit(response_for_judge):
        attempt = attempt_start(user=worker, quiz=practice)
        row = next(
            r for r in attempt.questions.all() if r.version.question.qtype == "judge"
        )
        answer_save(attempt=attempt, position=row.position, response=response_for_judge)
        attempt_submit(attempt=attempt)

    sit(True)
    entry = WrongBookEntry.objects.get(user=worker, question=bank["judge"])
    assert entry.cleared_at is None
    sit(False)
    entry.refresh_from_db()
    assert entry.cleared_at is None and entry.right_streak == 1
    sit(False)
    entry.refresh_from_db()
    assert entry.cleared_at is not None


def test_material_change_sends_the_questions_on_it_to_review(manual, bank, worker):
    def reword_c2(draft):
        rows = [(c.code, c.text) for c in draft.conditions.all()]
        rows[1] = ("c2", "家庭月人均收入低于当地低保标准的1.5倍。")
        set_conditions(draft, rows)

    publish_edit(
        manual["dibao"], reword_c2, kind=ChangeKind.MATERIAL, note="收入线调整"
    )

    statuses = {k: q.__class__.objects.get(pk=q.pk).status for k, q in bank.items()}
    assert statuses["scenario"] == QuestionStatus.NEEDS_REVIEW
    assert statuses["single"] == QuestionStatus.ACTIVE
    assert statuses["youhui0"] == QuestionStatus.ACTIVE
    reviewed = question_confirm(
        question=bank["scenario"].__class__.objects.get(pk=bank["scenario"].pk)
    )
    assert reviewed.status == QuestionStatus.ACTIVE


def test_wording_change_leaves_the_bank_alone(manual, bank):
    publish_edit(
        manual["dibao"], lambda d: setattr(d, "phone", "0571-1"), kind="wording"
    )
    assert not bank["single"].__class__.objects.filter(status="needs_review").exists()
