"""The rulebook reads in one place, and no rule is dead: every rule code of
the default rulebook is earned by some event in points.awards, or is one a
manager proposes and another approves."""

import dataclasses

from points import awards, events
from points.defaults import DEFAULT_RULES


def test_every_rule_is_earned_by_an_event_or_proposed_by_a_manager():
    codes = {row.code for row in DEFAULT_RULES}
    earned = {award.rule for award in awards.AWARDS}
    manual = set(awards.MANUAL_ONLY)

    assert codes == earned | manual, (codes - earned - manual, earned - codes)
    assert not earned & manual
    # Manual-only rules are exactly the ones the rulebook says need approval.
    assert manual == {row.code for row in DEFAULT_RULES if row.needs_approval}


def test_every_event_that_earns_points_is_a_plain_value():
    for award in awards.AWARDS:
        assert issubclass(award.on, events.Event)
        assert dataclasses.is_dataclass(award.on)
        assert award.on.source_type, award.rule


def test_the_table_says_what_a_quiz_attempt_earns():
    import datetime

    now = datetime.datetime(2026, 5, 6, 9, tzinfo=datetime.UTC)

    def earned(**changes):
        values = {
            "user": None,
            "at": now,
            "attempt_id": 1,
            "quiz_id": 2,
            "title": "测验",
            "kind": events.QuizKind.PRACTICE,
            "number": 1,
            "percent": 100.0,
            "passed": True,
            "perfect": True,
            "started_at": now - datetime.timedelta(minutes=6),
        }
        values.update(changes)
        return [a.rule for a in awards.awards_for(events.AttemptGraded(**values))]

    assert earned() == ["QUIZ_PASS_FIRST", "QUIZ_PERFECT"]
    assert earned(number=2, perfect=False, percent=85.0) == ["QUIZ_PASS_RETAKE"]
    assert earned(passed=False, perfect=False, percent=40.0) == []
    assert earned(passed_before=True) == []
    quick = now - datetime.timedelta(minutes=20)
    assert earned(number=2, previous_started_at=quick) == []
    exam = events.QuizKind.EXAM
    assert earned(kind=exam, percent=89.0, perfect=False) == ["EXAM_PASS"]
    assert earned(kind=exam, percent=90.0) == ["EXAM_PASS", "EXAM_EXCELLENT"]
