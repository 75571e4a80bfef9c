"""The rulebook's *when*: which event earns which rule, on what conditions.

One row per award, read left to right: the rule code, the event that earns it,
the conditions that must all hold, how often it may be earned, what holds it
back for a manager's review, and the reason the worker reads in the ledger.
*How much* (points, 学时) and the daily and annual caps are the rulebook
version's data (`points.models.Rule`, defaults in `points.defaults`), so a
manager can change them; the ledger applies them when it posts.

Pure: plain values in, plain values out, no database.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from points.events import (
    AttemptGraded,
    CategoryCompleted,
    Event,
    ItemStudied,
    QuizKind,
    RestudyFinished,
    TrainingAttended,
)

# An attempt started this soon after the previous one on the same quiz earns nothing.
REPEAT_WINDOW = datetime.timedelta(minutes=30)
# Anomalies hold an award for review (§7): a burst of hand-ins, or a hand-in far
# faster than others take on the same quiz (once enough others have taken it).
ANOMALY_SUBMISSIONS_PER_HOUR = 20
ANOMALY_FRACTION_OF_MEDIAN = 0.2
ANOMALY_MIN_PEERS = 5
EXCELLENT_EXAM_PERCENT = 90


@dataclass(frozen=True)
class Condition:
    """A named yes/no question about an event; the name is what a reader sees."""

    name: str
    test: Callable[[Event], bool]

    def __call__(self, event: Event) -> bool:
        return bool(self.test(event))


PASSED = Condition("及格", lambda e: e.passed)
PERFECT = Condition("满分", lambda e: e.perfect)
FIRST_ATTEMPT = Condition("第一次作答", lambda e: e.number == 1)
LATER_ATTEMPT = Condition("第二次及以后作答", lambda e: e.number > 1)
NOT_PASSED_BEFORE = Condition("此前未通过该测验", lambda e: not e.passed_before)
NOT_A_QUICK_REPEAT = Condition(
    "距上次开始作答已满 30 分钟",
    lambda e: (
        e.previous_started_at is None
        or e.started_at - e.previous_started_at >= REPEAT_WINDOW
    ),
)
IS_EXAM = Condition("年度考试", lambda e: e.kind == QuizKind.EXAM)
NOT_EXAM = Condition("事项或分类测验", lambda e: e.kind != QuizKind.EXAM)
EXAM_EXCELLENT = Condition(
    "考试 90 分及以上", lambda e: e.percent >= EXCELLENT_EXAM_PERCENT
)

# Holds: any of them true puts the award on hold instead of the ledger.
TOO_MANY_IN_AN_HOUR = Condition(
    "一小时内交卷超过 20 次",
    lambda e: e.submissions_last_hour > ANOMALY_SUBMISSIONS_PER_HOUR,
)
FAR_FASTER_THAN_OTHERS = Condition(
    "用时不到他人中位数的 20%",
    lambda e: (
        e.median_seconds is not None
        and e.seconds < ANOMALY_FRACTION_OF_MEDIAN * e.median_seconds
    ),
)
ANOMALIES = (TOO_MANY_IN_AN_HOUR, FAR_FASTER_THAN_OTHERS)

ONCE = "每个来源一次"
ONCE_A_YEAR = "每个来源每年一次"


@dataclass(frozen=True)
class Award:
    rule: str
    on: type[Event]
    when: tuple[Condition, ...] = ()
    once: str = ONCE_A_YEAR
    hold_if: tuple[Condition, ...] = ()
    reason: str = ""
    hours: Callable[[Event], object] | None = None  # per-学时 rules: how many

    def earned_by(self, event: Event) -> bool:
        return isinstance(event, self.on) and all(c(event) for c in self.when)

    def held_by(self, event: Event) -> list[Condition]:
        return [c for c in self.hold_if if c(event)]


QUIZ = (NOT_EXAM, PASSED, NOT_PASSED_BEFORE, NOT_A_QUICK_REPEAT)
EXAM = (IS_EXAM, PASSED, NOT_PASSED_BEFORE, NOT_A_QUICK_REPEAT)

# fmt: off
AWARDS = (
    Award("READ_ITEM",        on=ItemStudied,       once=ONCE_A_YEAR,
          reason="完成《{title}》学习"),
    Award("RESTUDY",          on=RestudyFinished,   once=ONCE,
          reason="完成《{title}》变更后复学"),
    Award("CHAPTER_DONE",     on=CategoryCompleted, once=ONCE_A_YEAR,
          reason="学完「{title}」类别并通过分类测验"),
    Award("QUIZ_PASS_FIRST",  on=AttemptGraded,     when=(*QUIZ, FIRST_ATTEMPT),
          hold_if=ANOMALIES,  reason="首次通过《{title}》"),
    Award("QUIZ_PERFECT",     on=AttemptGraded,
          when=(*QUIZ, FIRST_ATTEMPT, PERFECT),
          hold_if=ANOMALIES,  reason="《{title}》首次满分"),
    Award("QUIZ_PASS_RETAKE", on=AttemptGraded,     when=(*QUIZ, LATER_ATTEMPT),
          hold_if=ANOMALIES,  reason="再次作答通过《{title}》"),
    Award("EXAM_PASS",        on=AttemptGraded,     when=EXAM,
          hold_if=ANOMALIES,  reason="通过《{title}》"),
    Award("EXAM_EXCELLENT",   on=AttemptGraded,     when=(*EXAM, EXAM_EXCELLENT),
          hold_if=ANOMALIES,  reason="《{title}》成绩优秀"),
    Award("TRAIN_ATTEND",     on=TrainingAttended,  once=ONCE,
          hours=lambda e: e.hours,
          reason="参加线下培训《{title}》{hours_text} 学时"),
)
# fmt: on


def awards_for(event: Event) -> list[Award]:
    """The rows the event earns, in table order."""
    return [award for award in AWARDS if award.earned_by(event)]


def reason_for(award: Award, event: Event) -> str:
    hours = getattr(event, "hours", None)
    hours_text = f"{hours.normalize():f}" if hours is not None else ""
    return award.reason.format(title=getattr(event, "title", ""), hours_text=hours_text)


# Rules nobody's event earns: proposed by one manager and approved by another
# (积分审批), with evidence. Every other rule code must be some row's above.
MANUAL_ONLY = (
    "TRAIN_TEACH",
    "CASE_APPROVED",
    "RESIDENT_PRAISE",
    "ABSENT_MANDATORY",
    "PROXY_ERROR",
    "PROXY_ERROR_LOSS",
    "COMPLAINT_UPHELD",
    "EXAM_CHEAT",
)
