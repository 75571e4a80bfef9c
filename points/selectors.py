from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from points.models import Balance, LedgerEntry, Level
from points.services import rulebook_in_force


@dataclass
class Overview:
    year: int
    points: int
    hours: float
    target: int
    lifetime: int
    level: Level | None
    next_level: Level | None
    entries: list
    years: list[int]

    @property
    def target_percent(self) -> int:
        return min(100, round(self.points * 100 / self.target)) if self.target else 0

    @property
    def to_next(self) -> int | None:
        return (
            max(0, self.next_level.threshold - self.lifetime)
            if self.next_level
            else None
        )


def points_overview(*, user, year: int | None = None) -> Overview:
    """This year's points and 学时 against the target, the level, and every line."""
    today = timezone.localdate()
    year = year or today.year
    version = rulebook_in_force(min(today, today.replace(year=year, month=12, day=31)))
    balance = Balance.objects.filter(user=user, year=year).first()
    lifetime = Balance.objects.filter(user=user).aggregate(s=Sum("points"))["s"] or 0
    levels = list(version.levels.filter(needs_signoff=False).order_by("threshold"))
    reached = [lv for lv in levels if lifetime >= lv.threshold]
    upcoming = [lv for lv in levels if lifetime < lv.threshold]
    entries = list(
        LedgerEntry.objects.filter(user=user, year=year)
        .select_related("rule__version")
        .order_by("-occurred_at", "-pk")
    )
    years = sorted(
        set(Balance.objects.filter(user=user).values_list("year", flat=True)) | {year},
        reverse=True,
    )
    return Overview(
        year=year,
        points=balance.points if balance else 0,
        hours=float(balance.hours) if balance else 0.0,
        target=version.annual_target,
        lifetime=lifetime,
        level=reached[-1] if reached else None,
        next_level=upcoming[0] if upcoming else None,
        entries=entries,
        years=years,
    )
