"""Grading rules: pure functions over plain values, no database.

A response and an answer key are plain JSON values:

- 单选 / 多选: a list of option keys, e.g. ["B"] or ["A", "C"]
- 判断: true or false
- 情景题: {"eligible": bool, "condition": "c3"}; the deciding condition must be
  named too, because knowing *why* is what the 解答员 role is about
- 排序: the option keys in order, e.g. ["s2", "s1", "s3"]

Each question earns a credit between 0 and 1. All-or-nothing is the default;
a quiz may allow partial credit for 多选: any wrong choice earns nothing,
otherwise each right choice earns its share ("少选得部分分，错选不得分").
"""

from collections.abc import Iterable
from dataclasses import dataclass

SINGLE = "single"
MULTI = "multi"
JUDGE = "judge"
SCENARIO = "scenario"
ORDERING = "ordering"
TYPES = (SINGLE, MULTI, JUDGE, SCENARIO, ORDERING)


def _keys(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def question_credit(
    qtype: str, answer, response, *, partial_multi: bool = False
) -> float:
    """The share (0–1) of a question's points that a response earns."""
    if response is None or response == "" or response == []:
        return 0.0
    if qtype == SINGLE:
        return 1.0 if _keys(response) == _keys(answer) else 0.0
    if qtype == MULTI:
        chosen, right = set(_keys(response)), set(_keys(answer))
        if chosen == right:
            return 1.0
        if partial_multi and chosen and chosen <= right:
            return len(chosen) / len(right)
        return 0.0
    if qtype == JUDGE:
        return (
            1.0
            if bool(response) is bool(answer) and isinstance(response, bool)
            else 0.0
        )
    if qtype == SCENARIO:
        if not isinstance(response, dict):
            return 0.0
        same_decision = response.get("eligible") is answer.get("eligible")
        same_reason = response.get("condition") == answer.get("condition")
        return 1.0 if same_decision and same_reason else 0.0
    if qtype == ORDERING:
        return 1.0 if _keys(response) == _keys(answer) else 0.0
    raise ValueError(f"unknown question type: {qtype}")


@dataclass(frozen=True)
class GradedQuestion:
    points: float
    credit: float

    @property
    def earned(self) -> float:
        return self.points * self.credit

    @property
    def correct(self) -> bool:
        return self.credit >= 1.0


@dataclass(frozen=True)
class Grade:
    earned: float
    possible: float
    percent: float
    passed: bool
    perfect: bool


def attempt_grade(questions: Iterable[GradedQuestion], *, pass_percent: float) -> Grade:
    """Score out of 100, rounded to one decimal, and whether it passes."""
    questions = list(questions)
    earned = sum(q.earned for q in questions)
    possible = sum(q.points for q in questions)
    percent = round(earned * 100 / possible, 1) if possible else 0.0
    return Grade(
        earned=earned,
        possible=possible,
        percent=percent,
        passed=percent >= pass_percent,
        perfect=possible > 0 and earned >= possible,
    )
