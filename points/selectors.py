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


@dataclass
class RankRow:
    rank: int
    user: object
    points: int
    hours: float


def _scores(user_ids, period) -> dict[int, tuple[int, float, object]]:
    from django.db.models import Max

    from points.models import MonthTotal

    rows = (
        MonthTotal.objects.filter(
            user_id__in=user_ids, year=period.year, month__in=period.months
        )
        .values("user_id")
        .annotate(points=Sum("points"), hours=Sum("hours"), reached=Max("reached_at"))
    )
    return {r["user_id"]: (r["points"], float(r["hours"]), r["reached"]) for r in rows}


def _people(unit, role_label: str | None):
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(
        is_active=True, org_unit__path__startswith=unit.path
    )
    if role_label:
        people = people.filter(groups__name=role_label)
    return people.select_related("org_unit")


def ranking_list(*, unit, period, role_label: str | None = "社工") -> list[RankRow]:
    """Individuals in a unit's subtree for a period; ties share a rank."""
    from points.ranking import Score, competition_ranks

    people = {u.pk: u for u in _people(unit, role_label)}
    scores = _scores(list(people), period)
    ranked = competition_ranks(
        [
            Score(
                pk, scores.get(pk, (0, 0.0, None))[0], scores.get(pk, (0, 0, None))[2]
            )
            for pk in people
        ]
    )
    return [
        RankRow(rank, people[s.user_id], s.points, scores.get(s.user_id, (0, 0.0))[1])
        for rank, s in ranked
    ]


@dataclass
class TeamRow:
    rank: int
    unit: object
    members: int
    average: float
    above_target: float


MIN_TEAM = 3


def team_ranking(*, unit, kind: str, period) -> list[TeamRow]:
    """Communities or centres below a unit, by average points per member and by the
    share of members above the (pro-rated) target. Averages stop big units winning
    by headcount; units with fewer than three members are left out."""
    import datetime as dt

    from learning.models import OrgUnit
    from points.ranking import Score, competition_ranks

    target = rulebook_in_force(dt.date(period.year, period.months[-1], 1)).annual_target
    period_target = target * period.share_of_year()
    middle = dt.date(period.year, period.months[len(period.months) // 2], 15)
    teams = OrgUnit.objects.filter(path__startswith=unit.path, kind=kind).order_by(
        "path"
    )
    found = []
    for team in teams:
        members = [
            u
            for u in _people(team, "社工")
            if u.hired_on is None or u.hired_on <= middle
        ]
        if len(members) < MIN_TEAM:
            continue
        scores = _scores([u.pk for u in members], period)
        totals = [scores.get(u.pk, (0,))[0] for u in members]
        found.append(
            (
                team,
                len(members),
                sum(totals) / len(members),
                sum(t >= period_target for t in totals) / len(members),
            )
        )
    ranked = competition_ranks(
        [Score(n, round(avg * 10)) for n, (_, _, avg, _) in enumerate(found)]
    )
    return [
        TeamRow(
            rank,
            found[s.user_id][0],
            found[s.user_id][1],
            round(found[s.user_id][2], 1),
            round(found[s.user_id][3] * 100, 1),
        )
        for rank, s in ranked
    ]
