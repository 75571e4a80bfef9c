"""Item analysis for the question bank (pure functions over plain rows).

Correct rate p is the share of answers that earned full credit. Discrimination
D = p(top third) − p(bottom third), where attempts containing the question are
ranked by their total score: a good question is answered right more often by
those who do well overall. D < 0 usually means a wrong key or a misleading stem.
"""

from collections import defaultdict
from dataclasses import dataclass

MIN_ANSWERS = 10
TOO_HARD = 0.10
TOO_EASY = 0.95


@dataclass(frozen=True)
class AnswerRow:
    question_id: int
    attempt_id: int
    attempt_percent: float
    correct: bool


@dataclass(frozen=True)
class QuestionStat:
    question_id: int
    answers: int
    correct_rate: float
    discrimination: float | None

    @property
    def problems(self) -> list[str]:
        if self.answers < MIN_ANSWERS:
            return []
        found = []
        if self.correct_rate < TOO_HARD:
            found.append("几乎没人答对")
        if self.correct_rate > TOO_EASY:
            found.append("几乎人人答对")
        if self.discrimination is not None and self.discrimination < 0:
            found.append("区分度为负")
        return found


def _rate(rows: list[AnswerRow]) -> float:
    return sum(r.correct for r in rows) / len(rows) if rows else 0.0


def question_stats(rows: list[AnswerRow]) -> dict[int, QuestionStat]:
    by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        by_question[row.question_id].append(row)
    stats = {}
    for question_id, answers in by_question.items():
        ranked = sorted(answers, key=lambda r: (-r.attempt_percent, r.attempt_id))
        third = len(ranked) // 3
        discrimination = (
            round(_rate(ranked[:third]) - _rate(ranked[-third:]), 3) if third else None
        )
        stats[question_id] = QuestionStat(
            question_id=question_id,
            answers=len(answers),
            correct_rate=round(_rate(answers), 3),
            discrimination=discrimination,
        )
    return stats


@dataclass(frozen=True)
class ConditionAnswer:
    item_id: int
    code: str
    community: str
    correct: bool


@dataclass
class ConditionStat:
    item_id: int
    code: str
    answers: int = 0
    wrong: int = 0
    by_community: dict | None = None

    @property
    def wrong_rate(self) -> float:
        return round(self.wrong / self.answers, 3) if self.answers else 0.0


def condition_stats(rows: list[ConditionAnswer]) -> list[ConditionStat]:
    """How often each condition is got wrong, overall and by community; worst first."""
    found: dict[tuple[int, str], ConditionStat] = {}
    for row in rows:
        stat = found.setdefault(
            (row.item_id, row.code),
            ConditionStat(row.item_id, row.code, by_community={}),
        )
        stat.answers += 1
        stat.wrong += not row.correct
        answered, wrong = stat.by_community.get(row.community, (0, 0))
        stat.by_community[row.community] = (answered + 1, wrong + (not row.correct))
    return sorted(found.values(), key=lambda s: (-s.wrong_rate, -s.answers, s.code))
