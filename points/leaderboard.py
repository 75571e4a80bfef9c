"""Rankings answered by the database.

A period's totals are summary rows (Balance for a year, MonthTotal for a month,
MonthTotal summed for a quarter) that carry who the worker is: their unit's tree
path, their role while active, their hiring date. So a ranking is one ordered,
indexed read — never every member loaded into Python:

- a page of a ranking: the rows with points, in order (points, then who got
  there first, then account), read from the index with keyset paging; members
  without points follow, sharing the last rank;
- one worker's rank: 1 + how many rows of the scope come before theirs;
- teams: one GROUP BY over the scope's rows, headcounts from the staff table.

A frozen period reads its snapshot (FrozenScore) the same way.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Substr

from learning.models import OrgUnit
from points.models import Balance, FrozenScore, MonthTotal, PeriodFreeze
from points.ranking import Period

# A rank is read in this order: more points first, then who reached them
# first (积分管理办法 §4), then the account, so the order is total.
ORDER = (F("p").desc(), F("r").asc(nulls_last=True), F("user_id").asc())
HEADCOUNT_SECONDS = 300  # staff change rarely: headcounts are kept 5 minutes


@dataclass(frozen=True)
class Cursor:
    """Where a page of a ranking ended: the last row's order key and rank."""

    points: int
    reached_at: datetime.datetime | None
    user_id: int
    rank: int

    def token(self) -> str:
        reached = "" if self.reached_at is None else self.reached_at.isoformat()
        return f"{self.points}~{reached}~{self.user_id}~{self.rank}"

    @classmethod
    def parse(cls, token: str | None) -> "Cursor | None":
        """The cursor a token names, or None for anything malformed."""
        if not token:
            return None
        try:
            points, reached, user_id, rank = token.split("~")
            when = datetime.datetime.fromisoformat(reached) if reached else None
            if when is not None and when.tzinfo is None:
                return None
            return cls(int(points), when, int(user_id), int(rank))
        except ValueError:
            return None


@dataclass(frozen=True)
class Line:
    """One person on a ranking."""

    rank: int
    user_id: int
    username: str
    name: str
    unit_name: str
    points: int
    hours: float
    reached_at: datetime.datetime | None = None


@dataclass(frozen=True)
class RankingPage:
    lines: list[Line]
    next: Cursor | None  # None on the last page
    freeze: PeriodFreeze | None


# ---------------------------------------------------------------- the rows


def _live_rows(period: Period):
    """The period's summary rows as (user_id, p, h, r, unit_path, role, hired_on)."""
    if period.kind == "year":
        rows = Balance.objects.filter(year=period.year)
    elif period.kind == "month":
        rows = MonthTotal.objects.filter(year=period.year, month=period.number)
    else:
        return (
            MonthTotal.objects.filter(year=period.year, month__in=period.months)
            .values("user_id", "unit_path", "role", "hired_on")
            .annotate(p=Sum("points"), h=Sum("hours"), r=Max("reached_at"))
        )
    return rows.annotate(p=F("points"), h=F("hours"), r=F("reached_at")).values(
        "user_id", "unit_path", "role", "hired_on", "p", "h", "r"
    )


def _frozen_rows(freeze: PeriodFreeze):
    return freeze.scores.annotate(p=F("points"), h=F("hours"), r=F("reached_at"))


def _scoped(rows, *, unit, role_label: str | None, freeze=None):
    rows = rows.filter(unit_path__startswith=unit.path)
    if freeze is not None:
        return rows.filter(roles__contains=f",{role_label},") if role_label else rows
    return rows.filter(role=role_label) if role_label else rows.exclude(role="")


def _after(cursor: Cursor) -> Q:
    """Rows that come after the cursor in ORDER."""
    later = Q(p__lt=cursor.points)
    if cursor.reached_at is None:
        return later | Q(p=cursor.points, r__isnull=True, user_id__gt=cursor.user_id)
    return (
        later
        | Q(p=cursor.points, r__gt=cursor.reached_at)
        | Q(p=cursor.points, r__isnull=True)
        | Q(p=cursor.points, r=cursor.reached_at, user_id__gt=cursor.user_id)
    )


def _before(points: int, reached_at, user_id: int) -> Q:
    """Rows that come before a row with these keys in ORDER."""
    earlier = Q(p__gt=points)
    if reached_at is None:
        return (
            earlier
            | Q(p=points, r__isnull=False)
            | Q(p=points, r__isnull=True, user_id__lt=user_id)
        )
    return (
        earlier
        | Q(p=points, r__lt=reached_at)
        | Q(p=points, r=reached_at, user_id__lt=user_id)
    )


def freeze_for(*, unit, period: Period) -> PeriodFreeze | None:
    """The freeze that closed this period for the unit (or a unit above it)."""
    return (
        PeriodFreeze.objects.filter(
            unit__path__in=OrgUnit.path_and_ancestors(unit.path),
            kind=period.kind,
            year=period.year,
            number=0 if period.kind == "year" else period.number,
        )
        .select_related("unit", "frozen_by")
        .order_by("frozen_at")
        .first()
    )


def _rows_for(*, unit, period, role_label, freeze):
    rows = _frozen_rows(freeze) if freeze is not None else _live_rows(period)
    return _scoped(rows, unit=unit, role_label=role_label, freeze=freeze)


# ---------------------------------------------------------------- pages


def _people(unit, role_label):
    people = get_user_model().objects.filter(
        is_active=True, org_unit__path__startswith=unit.path
    )
    return people.filter(groups__name=role_label) if role_label else people


def _lines_with_points(
    rows, *, cursor, size, frozen=False
) -> tuple[list[Line], Cursor | None]:
    rows = rows.filter(p__gt=0)
    if cursor is not None:
        rows = rows.filter(_after(cursor))
    names = ("username", "name", "unit_name") if frozen else ()
    found = list(
        rows.order_by(*ORDER).values("user_id", "p", "h", "r", *names)[: size + 1]
    )
    if frozen:  # who they were at the close
        who = {r["user_id"]: (r["username"], r["name"], r["unit_name"]) for r in found}
    else:
        users = (
            get_user_model()
            .objects.filter(pk__in=[row["user_id"] for row in found[:size]])
            .values_list("pk", "username", "name", "org_unit__name")
        )
        who = {pk: (username, name, unit or "") for pk, username, name, unit in users}
    start = cursor.rank if cursor else 0
    lines = [
        Line(start + n, row["user_id"], *who[row["user_id"]], row["p"],
             float(row["h"]), row["r"])
        for n, row in enumerate(found[:size], start=1)
    ]  # fmt: skip
    if len(found) <= size:
        return lines, None
    last = lines[-1]
    return lines, Cursor(last.points, last.reached_at, last.user_id, last.rank)


def _lines_without_points(
    *, unit, period, role_label, freeze, rank: int, offset: int, size: int
) -> list[Line]:
    """Members with no points in the period (or fewer than none), after the
    rest, sharing the rank after the last one with points."""
    if freeze is not None:
        rows = _rows_for(unit=unit, period=period, role_label=role_label, freeze=freeze)
        found = rows.filter(p__lte=0).order_by(*ORDER)[offset : offset + size]
        return [
            Line(rank, s.user_id, s.username, s.name, s.unit_name, s.p,
                 float(s.h), s.r)
            for s in found
        ]  # fmt: skip
    rows = _live_rows(period).filter(user_id=OuterRef("pk"))
    people = (
        _people(unit, role_label)
        .annotate(
            p=Coalesce(Subquery(rows.values("p")[:1]), 0, output_field=IntegerField()),
            h=Subquery(rows.values("h")[:1]),
        )
        .filter(p__lte=0)
        .order_by("-p", "pk")
        .values_list("pk", "username", "name", "org_unit__name", "p", "h")
    )
    return [
        Line(rank, pk, username, name, unit_name or "", p, float(h or 0))
        for pk, username, name, unit_name, p, h in people[offset : offset + size]
    ]


def ranking_page(
    *,
    unit,
    period: Period,
    role_label: str | None = "社工",
    after: Cursor | None = None,
    size: int = 50,
) -> RankingPage:
    """One page of individuals in a unit's subtree for a period, in rank order.

    The rows with points come from the index, `size` at a time after the
    cursor; members without points follow (the cursor then counts them with
    a negative user_id: -(how many of them were shown))."""
    freeze = freeze_for(unit=unit, period=period)
    rows = _rows_for(unit=unit, period=period, role_label=role_label, freeze=freeze)
    lines: list[Line] = []
    if after is None or after.user_id >= 0:
        lines, following = _lines_with_points(
            rows, cursor=after, size=size, frozen=freeze is not None
        )
        if following is not None:
            return RankingPage(lines, following, freeze)
        shown, rank = 0, (lines[-1].rank if lines else (after.rank if after else 0))
    else:
        shown, rank = -after.user_id, after.rank
    room = size - len(lines)
    rest = _lines_without_points(
        unit=unit, period=period, role_label=role_label, freeze=freeze,
        rank=rank + 1, offset=shown, size=room + 1,
    )  # fmt: skip
    lines += rest[:room]
    following = None
    if len(rest) > room:
        following = Cursor(0, None, -(shown + room), rank)
    return RankingPage(lines, following, freeze)


def ranking_lines(*, unit, period: Period, role_label: str | None = "社工", size=2000):
    """Every line of a ranking, read a page at a time (for exports)."""
    cursor = None
    while True:
        page = ranking_page(
            unit=unit, period=period, role_label=role_label, after=cursor, size=size
        )
        yield from page.lines
        if page.next is None:
            return
        cursor = page.next


# ---------------------------------------------------------------- one rank


def rank_of(*, user_id: int, unit, period: Period, role_label="社工") -> int | None:
    """The worker's rank in the unit's subtree, or None if they are not ranked
    there. One counting query over the index (two for a worker with no points)."""
    freeze = freeze_for(unit=unit, period=period)
    rows = _rows_for(unit=unit, period=period, role_label=role_label, freeze=freeze)
    return _rank_in(rows, user_id=user_id, unit=unit, role_label=role_label,
                    frozen=freeze is not None)  # fmt: skip


def _rank_in(rows, *, user_id, unit, role_label, frozen) -> int | None:
    mine = rows.filter(user_id=user_id).values("p", "r").first()
    if mine is None and (
        frozen or not _people(unit, role_label).filter(pk=user_id).exists()
    ):
        return None
    if mine is None or mine["p"] <= 0:
        return rows.filter(p__gt=0).count() + 1
    return rows.filter(_before(mine["p"], mine["r"], user_id)).count() + 1


@dataclass(frozen=True)
class Standing:
    unit: object
    rank: int | None
    total: int
    top: list  # (rank, name, points, is_me)


def standing_in(*, user, unit, period: Period, role_label="社工", n=10) -> Standing:
    """The worker's rank in one unit, the unit's top n and its headcount."""
    freeze = freeze_for(unit=unit, period=period)
    rows = _rows_for(unit=unit, period=period, role_label=role_label, freeze=freeze)
    frozen = freeze is not None
    rank = _rank_in(rows, user_id=user.pk, unit=unit, role_label=role_label,
                    frozen=frozen)  # fmt: skip
    top, _next = _lines_with_points(rows, cursor=None, size=n, frozen=frozen)
    return Standing(
        unit,
        rank,
        headcount(unit, role_label),
        [(line.rank, line.name, line.points, line.user_id == user.pk) for line in top],
    )


# ---------------------------------------------------------------- headcounts


def _staff_stamp() -> str:
    """Changes whenever staff change (points.apps), so counts never go stale."""
    return cache.get_or_set("points:staff-stamp", "0", None)


def staff_changed() -> None:
    import uuid

    cache.set("points:staff-stamp", uuid.uuid4().hex, None)


def headcounts(*, depth: int, role_label: str | None, hired_by=None) -> dict:
    """Active members per unit at one depth of the tree ({path: n}), for every
    unit of that depth at once; cached until staff change."""
    key = f"points:heads:{_staff_stamp()}:{depth}:{role_label}:{hired_by}"
    found = cache.get(key)
    if found is not None:
        return found
    steplen = OrgUnit.steplen
    people = get_user_model().objects.filter(is_active=True, org_unit__isnull=False)
    if role_label:
        people = people.filter(groups__name=role_label)
    if hired_by is not None:
        people = people.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=hired_by))
    found = dict(
        people.annotate(team=Substr("org_unit__path", 1, depth * steplen))
        .values("team")
        .annotate(n=Count("pk"))
        .values_list("team", "n")
    )
    cache.set(key, found, HEADCOUNT_SECONDS)
    return found


def headcount(unit, role_label: str | None) -> int:
    return headcounts(depth=unit.depth, role_label=role_label).get(unit.path, 0)


# ---------------------------------------------------------------- teams


def team_totals(*, unit, kind: str, period: Period, target: float, middle):
    """{team path: (points summed, members at or above target)} over the
    scope's 社工 employed by mid-period, in one grouped query."""
    depth = OrgUnit.objects.filter(path__startswith=unit.path, kind=kind).aggregate(
        d=Max("depth")
    )["d"]
    if depth is None:
        return None, {}
    freeze = freeze_for(unit=unit, period=period)
    rows = _rows_for(unit=unit, period=period, role_label="社工", freeze=freeze)
    rows = rows.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=middle))
    inner, params = rows.values("unit_path", "p").query.sql_with_params()
    size = depth * OrgUnit.steplen
    sql = (
        f"SELECT SUBSTR(t.unit_path, 1, {size}) AS team, SUM(t.p), "
        f"SUM(CASE WHEN t.p >= %s THEN 1 ELSE 0 END) "
        f"FROM ({inner}) t GROUP BY SUBSTR(t.unit_path, 1, {size})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [target, *params])
        totals = {team: (int(total or 0), int(n or 0)) for team, total, n in cursor}
    return (depth, freeze), totals


def frozen_headcounts(freeze, *, unit, depth: int, middle) -> dict:
    rows = _scoped(
        FrozenScore.objects.filter(freeze=freeze), unit=unit, role_label="社工",
        freeze=freeze,
    ).filter(Q(hired_on__isnull=True) | Q(hired_on__lte=middle))  # fmt: skip
    return dict(
        rows.annotate(team=Substr("unit_path", 1, depth * OrgUnit.steplen))
        .values("team")
        .annotate(n=Count("pk"))
        .values_list("team", "n")
    )
