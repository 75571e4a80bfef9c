"""Ranking rules (pure): periods in Asia/Shanghai months; among people, equal
points rank by who reached them first (积分管理办法 §4); teams with equal
averages share a rank."""

import datetime
from dataclasses import dataclass

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int
    number: int = 1  # month 1–12 or quarter 1–4; ignored for a year

    @property
    def months(self) -> list[int]:
        if self.kind == "month":
            return [self.number]
        if self.kind == "quarter":
            return [3 * (self.number - 1) + m for m in (1, 2, 3)]
        return list(range(1, 13))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年"

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.year}-{self.number if self.kind != 'year' else 0}"

    def share_of_year(self) -> float:
        return len(self.months) / 12

    @classmethod
    def current(cls, kind: str, today: datetime.date) -> "Period":
        if kind == "month":
            return cls("month", today.year, today.month)
        if kind == "quarter":
            return cls("quarter", today.year, (today.month - 1) // 3 + 1)
        return cls("year", today.year)


def period_is_over(period: Period, today: datetime.date | None = None) -> bool:
    """Whether the period's last day has passed (in Asia/Shanghai)."""
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    last = period.months[-1]
    end = (
        datetime.date(period.year + 1, 1, 1)
        if last == 12
        else datetime.date(period.year, last + 1, 1)
    )
    return today >= end


@dataclass(frozen=True)
class Score:
    user_id: int
    points: int
    reached_at: datetime.datetime | None = None


def competition_ranks(scores: list[Score]) -> list[tuple[int, Score]]:
    """1, 2, 2, 4: equal points share a rank; within a tie, who got there first is
    listed first, and nobody has to tell the two apart to read the rank."""
    far_future = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    ordered = sorted(
        scores, key=lambda s: (-s.points, s.reached_at or far_future, s.user_id)
    )
    ranked, previous, rank = [], None, 0
    for position, score in enumerate(ordered, start=1):
        if score.points != previous:
            rank, previous = position, score.points
        ranked.append((rank, score))
    return ranked


def ordinal_ranks(scores: list[Score]) -> list[tuple[int, Score]]:
    """1, 2, 3, 4: equal points rank by who reached them first (the earlier
    reached_at ranks higher; nobody reached 0 points), then by account."""
    far_future = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    ordered = sorted(
        scores, key=lambda s: (-s.points, s.reached_at or far_future, s.user_id)
    )
    return list(enumerate(ordered, start=1))
