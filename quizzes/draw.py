"""Drawing questions for an attempt (pure): rules in, question ids out."""

import random
from dataclasses import dataclass

MSG_NOT_ENOUGH = (
    "题库中“{scope}”只有 {available} 道可用题目，少于抽题规则要求的 {wanted} 道。"
)


@dataclass(frozen=True)
class Candidate:
    question_id: int
    item_id: int
    category_id: int
    qtype: str


@dataclass(frozen=True)
class DrawRule:
    count: int
    label: str
    category_id: int | None = None
    item_id: int | None = None
    qtype: str | None = None

    def accepts(self, c: Candidate) -> bool:
        return (
            (self.category_id is None or c.category_id == self.category_id)
            and (self.item_id is None or c.item_id == self.item_id)
            and (self.qtype is None or c.qtype == self.qtype)
        )


class NotEnoughQuestions(ValueError):
    pass


def draw(
    candidates: list[Candidate], rules: list[DrawRule], rng: random.Random
) -> list[int]:
    """Pick each rule's count at random, never the same question twice, then shuffle.

    Narrow rules (an item, a type) are served before broad ones (a category), so
    a broad rule cannot use up the questions a narrow one needs.
    """
    chosen: list[int] = []
    taken: set[int] = set()

    def narrowness(rule: DrawRule) -> int:
        return -sum(x is not None for x in (rule.item_id, rule.qtype, rule.category_id))

    for rule in sorted(rules, key=narrowness):
        pool = sorted(
            c.question_id
            for c in candidates
            if rule.accepts(c) and c.question_id not in taken
        )
        if len(pool) < rule.count:
            raise NotEnoughQuestions(
                MSG_NOT_ENOUGH.format(
                    scope=rule.label, available=len(pool), wanted=rule.count
                )
            )
        picked = rng.sample(pool, rule.count)
        chosen.extend(picked)
        taken.update(picked)
    rng.shuffle(chosen)
    return chosen
