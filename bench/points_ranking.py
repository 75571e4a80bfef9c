"""Points rankings and balances at scale, on PostgreSQL.

Builds (once) a street of 500 communities with 100,000 社工 and 5,000,000 ledger
lines over one year, then times the answers the ranking pages give (a top-50
page, team rankings, the worker's standing, one rank, a deep page, the export)
three ways: the selector as shipped (points.leaderboard), a bare hand-written
SQL read of the summary table, and the same answer computed by summing the
ledger; each selector's answer is checked against the ledger's. Results go to
stdout and to bench/results/points_ranking.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shegong_bench \\
        .venv/bin/python bench/points_ranking.py [--rebuild]

The database is created and migrated when missing; its name must contain
"bench", because building the data empties the ledger. Never run by make test.
"""

import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "points_ranking.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shegong_bench"

YEAR = 2025  # a whole year, already over
MONTH = 6
CENTRES = 50
COMMUNITIES_PER_CENTRE = 10
WORKER_ROLE = "社工"
DATASET_VERSION = 3  # bump when the shape of the generated data changes

# The ledger mix, in ‰ of all lines: code, share, kind, source type, once a year.
# Points and 学时 come from the default rulebook; TRAIN_* are 1–4 学时 each.
# "capped" lines are awards that hit a cap (0 points, kept for the record).
MIX = [
    ("READ_ITEM", 390, "award", "manuals.serviceitempage", True),
    ("QUIZ_PASS_FIRST", 140, "award", "quizzes.practicequizpage", True),
    ("QUIZ_PASS_RETAKE", 50, "award", "quizzes.practicequizpage", True),
    ("QUIZ_PERFECT", 60, "award", "quizzes.practicequizpage", True),
    ("CHAPTER_DONE", 50, "award", "manuals.categorypage", True),
    ("TRAIN_ATTEND", 120, "award", "points.offlinetraining", True),
    ("TRAIN_TEACH", 10, "award", "points.adjustment", False),
    ("EXAM_PASS", 15, "award", "quizzes.annualexampage", True),
    ("EXAM_EXCELLENT", 5, "award", "quizzes.annualexampage", True),
    ("CASE_APPROVED", 15, "award", "points.adjustment", False),
    ("RESIDENT_PRAISE", 25, "award", "points.adjustment", False),
    ("RESTUDY", 30, "award", "manuals.restudytask", True),
    ("READ_ITEM", 40, "capped", "manuals.serviceitempage", True),
    ("QUIZ_PASS_FIRST", 10, "capped", "quizzes.practicequizpage", True),
    ("ABSENT_MANDATORY", 12, "deduction", "points.adjustment", False),
    ("PROXY_ERROR", 12, "deduction", "points.adjustment", False),
    ("PROXY_ERROR_LOSS", 4, "deduction", "points.adjustment", False),
    ("COMPLAINT_UPHELD", 10, "deduction", "points.adjustment", False),
    ("EXAM_CHEAT", 2, "deduction", "points.adjustment", False),
]
assert sum(share for _, share, *_ in MIX) == 1000

# Activity differs between workers: worker k of n gets a share of the lines
# proportional to ((k+1)/n)^0.8 - (k/n)^0.8, i.e. the busiest ~10 times the mean.
ACTIVITY_SKEW = 1.25
SHUFFLE = 7919  # prime: spreads the busy workers over all communities

MAX_SAMPLES = 50


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ----------------------------------------------------------------- database


def database_prepare(url: str) -> str:
    """Create the database when missing, then set Django up on it and migrate."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("This benchmark needs PostgreSQL (DATABASE_URL=postgres://…).")
    name = config["NAME"]
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to use database {name!r}: building the data empties the "
            "ledger, so the name must contain 'bench' (e.g. shegong_bench)."
        )
    conninfo = psycopg.conninfo.make_conninfo(
        "",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            out(f"Creating database {name} …")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Time what production runs: no per-query logging of the debug cursor.
    settings.DEBUG = False
    call_command("migrate", interactive=False, verbosity=0)
    return name


def sql_run(cursor, statement: str, params=None) -> int:
    cursor.execute(statement, params)
    return cursor.rowcount


def dataset_key(users: int, entries: int) -> str:
    return f"v{DATASET_VERSION} users={users} entries={entries} year={YEAR}"


def dataset_built(key: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_points_dataset "
            "(key text PRIMARY KEY, built_at timestamptz, seconds double precision)"
        )
        cursor.execute("SELECT 1 FROM bench_points_dataset WHERE key = %s", [key])
        return cursor.fetchone() is not None


# ------------------------------------------------------------------- build


def dataset_build(*, users: int, entries: int) -> float:
    """Org tree, workers, ledger and summaries, with set-based SQL. Seconds taken."""
    from django.db import connection, transaction

    started = time.perf_counter()
    step = _stepper()
    with transaction.atomic(), connection.cursor() as cursor:
        _wipe(cursor)
        step("emptied previous data")
    with transaction.atomic():
        communities = _org_tree()
    step(f"org tree: {len(communities)} communities")
    with transaction.atomic(), connection.cursor() as cursor:
        _users(cursor, users=users, communities=communities)
        step(f"{users:,} workers")
        _ledger(cursor, users=users, entries=entries)
        step(f"{entries:,} ledger lines (indexes rebuilt)")
        floored = _floor_deductions(cursor)
        step(f"deductions floored at 0 for {floored} workers")
        _profiles(cursor)
        _summaries(cursor)
        step("Balance and MonthTotal from the ledger (indexes rebuilt)")
    # Index-only scans of the summaries need the visibility map set: vacuum.
    with connection.cursor() as cursor:
        for table in (
            "learning_orgunit",
            "learning_user",
            "learning_user_groups",
            "points_ledgerentry",
            "points_balance",
            "points_monthtotal",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    step("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_points_dataset")
        cursor.execute(
            "INSERT INTO bench_points_dataset VALUES (%s, now(), %s)",
            [dataset_key(users, entries), seconds],
        )
    return seconds


def _stepper() -> Callable[[str], None]:
    last = [time.perf_counter()]

    def step(what: str) -> None:
        now = time.perf_counter()
        out(f"  {now - last[0]:7.1f} s  {what}")
        last[0] = now

    return step


def _wipe(cursor) -> None:
    """Remove what an earlier build left; FK checks are off for the bulk delete."""
    from learning.models import OrgUnit

    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("DELETE FROM bench_points_dataset")
    cursor.execute(
        "TRUNCATE points_ledgerentry, points_balance, points_monthtotal CASCADE"
    )
    cursor.execute(
        "DELETE FROM learning_user_groups WHERE user_id IN "
        "(SELECT id FROM learning_user WHERE username ~ '^B[0-9]{6}$')"
    )
    cursor.execute("DELETE FROM learning_user WHERE username ~ '^B[0-9]{6}$'")
    root = OrgUnit.get_root_nodes().filter(name="压测区").first()
    if root is not None:
        cursor.execute(
            "DELETE FROM learning_orgunit WHERE path LIKE %s", [root.path + "%"]
        )
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _org_tree() -> list[int]:
    """区 → 街道 → 50 片区 → 10 社区 each, through the ordinary service."""
    from learning.models import OrgUnit
    from learning.services import org_unit_ensure

    district = org_unit_ensure(name="压测区", kind=OrgUnit.Kind.DISTRICT)
    street = org_unit_ensure(name="压测街道", kind=OrgUnit.Kind.STREET, parent=district)
    communities = []
    for c in range(1, CENTRES + 1):
        centre = org_unit_ensure(
            name=f"第{c:02d}片区公共服务中心", kind=OrgUnit.Kind.CENTRE, parent=street
        )
        for n in range(1, COMMUNITIES_PER_CENTRE + 1):
            community = org_unit_ensure(
                name=f"第{c:02d}-{n:02d}社区",
                kind=OrgUnit.Kind.COMMUNITY,
                parent=centre,
            )
            communities.append(community.pk)
    return communities


def _users(cursor, *, users: int, communities: list[int]) -> None:
    """Workers B000001…, spread evenly over the communities; 1 in 97 has left."""
    from django.contrib.auth.models import Group

    from learning.demo.org import GIVEN, POSITIONS, SURNAMES

    cursor.execute("SELECT setseed(0.2025)")
    sql_run(
        cursor,
        """
        INSERT INTO learning_user (
            password, last_login, is_superuser, first_name, last_name, email,
            is_staff, date_joined, username, name, phone, position, hired_on,
            is_active, org_unit_id)
        SELECT '!', NULL, false, '', '', '', false, now(),
               'B' || lpad(g::text, 6, '0'),
               substr(%(surnames)s, 1 + mod(g * 7, char_length(%(surnames)s)), 1)
               || substr(%(given)s, 1 + mod(g * 13, char_length(%(given)s)), 1)
               || CASE WHEN mod(g, 10) < 7 THEN
                      substr(%(given)s, 1 + mod(g * 31, char_length(%(given)s)), 1)
                  ELSE '' END,
               NULL,
               (%(positions)s::text[])[1 + mod(g, cardinality(%(positions)s::text[]))],
               DATE '2008-01-01' + floor(random() * (%(last_hire)s::date
                                                     - DATE '2008-01-01'))::int,
               mod(g, 97) <> 0,
               (%(units)s::bigint[])[1 + mod(g, cardinality(%(units)s::bigint[]))]
        FROM generate_series(1, %(users)s) AS g
        ORDER BY g
        """,
        {
            "surnames": SURNAMES,
            "given": GIVEN,
            "positions": POSITIONS,
            "last_hire": datetime.date(YEAR, 12, 31),
            "units": communities,
            "users": users,
        },
    )
    group = Group.objects.get(name=WORKER_ROLE)
    sql_run(
        cursor,
        "INSERT INTO learning_user_groups (user_id, group_id) "
        "SELECT id, %s FROM learning_user WHERE username ~ '^B[0-9]{6}$'",
        [group.pk],
    )


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(drop, create) statements for every index of a table but its primary key."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index i
        LEFT JOIN pg_constraint c
               ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
              AND c.contype IN ('u', 'x')
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
        """,
        [table],
    )
    statements = []
    for index, index_def, constraint, constraint_def in cursor.fetchall():
        if constraint:
            statements.append(
                (
                    f"ALTER TABLE {table} DROP CONSTRAINT {constraint}",
                    f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_def}",
                )
            )
        else:
            statements.append((f"DROP INDEX {index}", index_def))
    return statements


def _ledger(cursor, *, users: int, entries: int) -> None:
    """The ledger in posting order, spread over the year's working hours.

    Indexes are dropped for the load and built afterwards (all in the build's
    transaction, so a failed build leaves the schema as it was); building the
    unique index also proves every (worker, rule, source, period) is unique.
    Foreign keys are not re-checked row by row: every id comes from a join.
    """
    from points.models import Rule
    from points.services import rulebook_in_force

    version = rulebook_in_force(datetime.date(YEAR, 1, 1))
    rules = {rule.code: rule for rule in Rule.objects.filter(version=version)}
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    cursor.execute("SELECT setseed(0.0525)")
    cursor.execute(
        """
        CREATE TEMP TABLE bench_mix (
            slot int PRIMARY KEY, rule_id bigint, code text, kind text,
            points int, hours numeric, per_hour bool, approval bool,
            source_type text, yearly bool, reason text
        ) ON COMMIT DROP
        """
    )
    slot = 0
    for code, share, kind, source_type, yearly in MIX:
        rule = rules[code]
        note = "（已达年度上限）" if kind == "capped" else ""
        cursor.execute(
            "INSERT INTO bench_mix SELECT s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s "
            "FROM generate_series(%s, %s) AS s",
            [
                rule.pk,
                code,
                kind,
                rule.points,
                rule.hours,
                rule.per_hour,
                rule.needs_approval,
                source_type,
                yearly,
                rule.name + note,
                slot,
                slot + share - 1,
            ],
        )
        slot += share
    cursor.execute(
        "CREATE TEMP TABLE bench_worker ON COMMIT DROP AS "
        "SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id "
        "FROM learning_user WHERE username ~ '^B[0-9]{6}$'"
    )
    cursor.execute("ALTER TABLE bench_worker ADD PRIMARY KEY (n)")
    indexes = _secondary_indexes(cursor, "points_ledgerentry")
    for drop, _create in indexes:
        cursor.execute(drop)
    days = (datetime.date(YEAR + 1, 1, 1) - datetime.date(YEAR, 1, 1)).days
    sql_run(
        cursor,
        """
        INSERT INTO points_ledgerentry (
            user_id, rule_id, rule_code, kind, points, nominal_points, hours,
            source_type, source_id, period_key, year, month, occurred_at,
            posted_at, reason, author_id, reverses_id)
        SELECT w.id, m.rule_id, m.code, m.kind,
               CASE WHEN m.kind = 'capped' THEN 0
                    ELSE m.points * CASE WHEN m.per_hour THEN s.q ELSE 1 END END,
               m.points * CASE WHEN m.per_hour THEN s.q ELSE 1 END,
               CASE WHEN m.kind = 'capped' THEN 0
                    ELSE m.hours * CASE WHEN m.per_hour THEN s.q ELSE 1 END END,
               m.source_type, s.g::text,
               CASE WHEN m.yearly THEN %(year)s::text ELSE '' END,
               %(year)s,
               extract(month FROM s.at AT TIME ZONE 'Asia/Shanghai')::int,
               s.at,
               s.at + CASE WHEN m.approval THEN interval '2 days'
                           ELSE interval '0' END
                    + s.lag * interval '5 minutes',
               m.reason, NULL, NULL
        FROM (
            SELECT g,
                   floor(random() * 1000)::int AS slot,
                   mod(floor(%(users)s * power(random(), %(skew)s))::bigint
                       * %(shuffle)s, %(users)s)::int AS worker,
                   1 + floor(random() * 4)::int AS q,
                   random() AS lag,
                   %(start)s::timestamptz
                     + floor((g - 1)::float8 * %(days)s / %(entries)s)
                       * interval '1 day'
                     + interval '8 hours' + random() * interval '12 hours' AS at
            FROM generate_series(1, %(entries)s) AS g
            OFFSET 0
        ) AS s
        JOIN bench_mix m ON m.slot = s.slot
        JOIN bench_worker w ON w.n = s.worker
        """,
        {
            "year": YEAR,
            "users": users,
            "entries": entries,
            "skew": ACTIVITY_SKEW,
            "shuffle": SHUFFLE,
            "days": days,
            "start": f"{YEAR}-01-01 00:00:00+08:00",
        },
    )
    for _drop, create in indexes:
        cursor.execute(create)
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _floor_deductions(cursor) -> int:
    """The year never goes below 0: a worker whose deductions would take it
    there has them posted at 0, as points_award does."""
    from points.rules import MSG_FLOOR

    return sql_run(
        cursor,
        """
        UPDATE points_ledgerentry e
        SET points = 0, reason = left(e.reason || '（' || %s || '）', 200)
        FROM (
            SELECT user_id FROM points_ledgerentry WHERE year = %s
            GROUP BY user_id HAVING sum(points) < 0
        ) AS negative
        WHERE e.user_id = negative.user_id AND e.year = %s AND e.kind = 'deduction'
        """,
        [MSG_FLOOR, YEAR, YEAR],
    )


def _profiles(cursor) -> None:
    """What each summary row copies from its worker, as ranked_profile gives it
    (points.services.ledger): the unit's path, the first role label (in
    learning.roles.Role order) held while active, "" when inactive, and the
    hiring date."""
    from learning.roles import Role

    cursor.execute(
        """
        CREATE TEMP TABLE bench_profile ON COMMIT DROP AS
        SELECT u.id AS user_id, coalesce(o.path, '') AS unit_path,
               CASE WHEN u.is_active THEN coalesce(held.name, '') ELSE '' END
                   AS role,
               u.hired_on
        FROM learning_user u
        LEFT JOIN learning_orgunit o ON o.id = u.org_unit_id
        LEFT JOIN LATERAL (
            SELECT g.name FROM learning_user_groups ug
            JOIN auth_group g ON g.id = ug.group_id
            WHERE ug.user_id = u.id AND g.name = ANY(%(labels)s::text[])
            ORDER BY array_position(%(labels)s::text[], g.name::text)
            LIMIT 1
        ) AS held ON true
        """,
        {"labels": [str(role.label) for role in Role]},
    )
    cursor.execute("ALTER TABLE bench_profile ADD PRIMARY KEY (user_id)")


def _summaries(cursor) -> None:
    """Balance per worker and year, MonthTotal per month, as posting keeps them:
    sums of the lines, the latest moment a positive line happened (reached_at)
    and the person's profile (unit path, role, hiring date). Indexes are built
    after the load, as for the ledger; every user_id comes from a join."""
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    indexes = _secondary_indexes(cursor, "points_balance") + _secondary_indexes(
        cursor, "points_monthtotal"
    )
    for drop, _create in indexes:
        cursor.execute(drop)
    sql_run(
        cursor,
        """
        INSERT INTO points_balance (user_id, year, points, hours, updated_at,
                                    reached_at, unit_path, role, hired_on)
        SELECT t.user_id, t.year, t.points, t.hours, t.updated_at, t.reached_at,
               p.unit_path, p.role, p.hired_on
        FROM (
            SELECT user_id, year, sum(points) AS points, sum(hours) AS hours,
                   max(posted_at) AS updated_at,
                   max(occurred_at) FILTER (WHERE points > 0) AS reached_at
            FROM points_ledgerentry GROUP BY user_id, year
        ) AS t
        JOIN bench_profile p ON p.user_id = t.user_id
        """,
    )
    sql_run(
        cursor,
        """
        INSERT INTO points_monthtotal (user_id, year, month, points, hours,
                                       reached_at, unit_path, role, hired_on)
        SELECT t.user_id, t.year, t.month, t.points, t.hours, t.reached_at,
               p.unit_path, p.role, p.hired_on
        FROM (
            SELECT user_id, year, month, sum(points) AS points,
                   sum(hours) AS hours,
                   max(occurred_at) FILTER (WHERE points > 0) AS reached_at
            FROM points_ledgerentry GROUP BY user_id, year, month
        ) AS t
        JOIN bench_profile p ON p.user_id = t.user_id
        """,
    )
    for _drop, create in indexes:
        cursor.execute(create)
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")


# ------------------------------------------------- the same answers, naively


def naive_live_members(*, unit, period, role_label):
    """live_members, but summing the ledger instead of reading MonthTotal."""
    from django.db.models import Max, Q, Sum

    from points import selectors
    from points.models import LedgerEntry

    people = selectors._people(unit, role_label)
    totals = {
        r["user_id"]: r
        for r in LedgerEntry.objects.filter(
            user__in=people.values("pk"), year=period.year, month__in=period.months
        )
        .values("user_id")
        .annotate(
            sum_points=Sum("points"),
            sum_hours=Sum("hours"),
            reached=Max("occurred_at", filter=Q(points__gt=0)),
        )
    }
    members = []
    for pk, username, name, unit_name, unit_path, hired_on in people.values_list(
        "pk", "username", "name", "org_unit__name", "org_unit__path", "hired_on"
    ):
        total = totals.get(pk)
        members.append(
            selectors.Member(
                pk,
                username,
                name,
                unit_name,
                unit_path,
                hired_on,
                total["sum_points"] if total else 0,
                float(total["sum_hours"]) if total else 0.0,
                total["reached"] if total else None,
            )
        )
    return members


def naive(function: Callable) -> Callable:
    """The selector with its live totals summed from the ledger on each call."""
    from points import selectors

    def run(**kwargs):
        with mock.patch.object(selectors, "live_members", naive_live_members):
            return function(**kwargs)

    return run


def naive_my_standing(*, user, year: int, role_label: str = WORKER_ROLE):
    """my_standing, with every rank and top ten summed from the ledger."""
    from django.db.models import Max, Sum

    from learning.models import OrgUnit
    from points.models import LedgerEntry
    from points.selectors import (
        STANDING_KINDS,
        TOP_N,
        Standing,
        _people,
    )

    units = [
        u
        for u in OrgUnit.objects.filter(
            path__in=OrgUnit.path_and_ancestors(user.org_unit.path)
        )
        if u.kind in STANDING_KINDS
    ]
    mine = (
        LedgerEntry.objects.filter(user=user, year=year).aggregate(s=Sum("points"))["s"]
        or 0
    )
    standings = []
    for unit in sorted(units, key=lambda u: -len(u.path)):
        peers = _people(unit, role_label).values("pk")
        sums = (
            LedgerEntry.objects.filter(year=year, user__in=peers)
            .values("user_id", "user__name")
            .annotate(total=Sum("points"), last=Max("posted_at"))
        )
        is_peer = _people(unit, role_label).filter(pk=user.pk).exists()
        rank = sums.filter(total__gt=mine).count() + 1 if is_peer else None
        top, previous, position = [], None, 0
        for index, row in enumerate(
            sums.filter(total__gt=0).order_by("-total", "last", "user_id")[:TOP_N],
            start=1,
        ):
            if row["total"] != previous:
                position, previous = index, row["total"]
            top.append(
                (position, row["user__name"], row["total"], row["user_id"] == user.pk)
            )
        standings.append(Standing(unit, rank, _people(unit, role_label).count(), top))
    return standings


# ------------------------------------------------------------------ timing


@dataclass
class Timing:
    samples: list[float]  # milliseconds

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(fn: Callable, *, repeat: int, budget: float) -> tuple[object, Timing]:
    """Warm up (twice when quick), then repeat: at least `repeat` times, more
    for quick calls, until about `budget` seconds are spent (at most 50)."""
    started = time.perf_counter()
    result = fn()
    first = time.perf_counter() - started
    if first < 1.0:
        result = fn()
    count = max(repeat, min(MAX_SAMPLES, int(budget / max(first, 1e-4))))
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return result, Timing(samples)


def peak_memory(fn: Callable) -> float:
    """Peak Python allocation of one call, in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


@dataclass
class Result:
    label: str
    period: str
    rows: int
    summary: Timing
    naive: Timing | None = None
    same: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.naive.median / self.summary.median if self.naive else None


def ranking_key(rows) -> list:
    return [(r.rank, r.user_id, r.points) for r in rows]


def team_key(rows) -> list:
    return [(r.rank, r.unit.pk, r.members, r.average, r.above_target) for r in rows]


def standing_key(standings) -> list:
    return [(s.unit.pk, s.rank, s.total, s.top) for s in standings]


def measure(*, repeat: int, budget: float) -> dict:
    from django.db.models import Sum

    from learning.models import OrgUnit, User
    from points import selectors
    from points.models import Balance, LedgerEntry
    from points.ranking import Period

    street = OrgUnit.objects.get(name="压测街道")
    centre = OrgUnit.objects.get(name="第01片区公共服务中心")
    community = OrgUnit.objects.get(name="第01-01社区")
    worker = (
        User.objects.select_related("org_unit")
        .filter(org_unit=community, is_active=True)
        .order_by("username")
        .first()
    )
    periods = [Period("year", YEAR), Period("month", YEAR, MONTH)]
    results: list[Result] = []

    def pair(label, period_label, summary_fn, naive_fn, key, rows=len):
        out(f"  {label} ({period_label}) …")
        got, summary = timed(summary_fn, repeat=repeat, budget=budget)
        result = Result(label, period_label, rows(got), summary)
        if naive_fn is not None:
            expected, result.naive = timed(naive_fn, repeat=repeat, budget=budget)
            result.same = key(got) == key(expected)
        results.append(result)

    for period in periods:
        for name, unit in (
            ("community", community),
            ("centre", centre),
            ("street", street),
        ):
            args = {"unit": unit, "period": period}
            pair(
                f"ranking_list, {name}",
                period.kind,
                lambda a=args: selectors.ranking_list(**a),
                lambda a=args: naive(selectors.ranking_list)(**a),
                ranking_key,
            )
        for kind, plural in (("centre", "centres"), ("community", "communities")):
            args = {"unit": street, "kind": kind, "period": period}
            pair(
                f"team_ranking, {plural} of the street",
                period.kind,
                lambda a=args: selectors.team_ranking(**a),
                lambda a=args: naive(selectors.team_ranking)(**a),
                team_key,
            )
    pair(
        "my_standing (community, centre, street)",
        "year",
        lambda: selectors.my_standing(user=worker, year=YEAR),
        lambda: naive_my_standing(user=worker, year=YEAR),
        standing_key,
    )
    pair(
        "one worker's rank in the street",
        "year",
        lambda: _rank_from_balances(worker, street),
        lambda: _rank_from_ledger(worker, street),
        lambda v: v,
        rows=lambda _v: 1,
    )
    pair(
        "one worker's balance",
        "year",
        lambda: (
            Balance.objects.filter(user_id=worker.pk, year=YEAR)
            .values_list("points", flat=True)
            .first()
        ),
        lambda: LedgerEntry.objects.filter(user_id=worker.pk, year=YEAR).aggregate(
            s=Sum("points")
        )["s"],
        lambda v: v,
        rows=lambda _v: 1,
    )

    out("  where the street ranking's time goes …")
    breakdown = _breakdown(street, periods[0], repeat=repeat, budget=budget)
    out("  peak Python memory …")
    year = periods[0]
    memory = {
        "ranking_list, street, year (MonthTotal)": peak_memory(
            lambda: selectors.ranking_list(unit=street, period=year)
        ),
        "same, summing the ledger": peak_memory(
            lambda: naive(selectors.ranking_list)(unit=street, period=year)
        ),
    }
    worker_lines = LedgerEntry.objects.filter(user=worker, year=YEAR).count()
    return {
        "results": results,
        "breakdown": breakdown,
        "memory": memory,
        "worker": f"{worker.username}, {worker_lines} ledger lines in {YEAR}",
    }


def _rank_from_balances(worker, unit) -> int:
    """A worker's rank among the unit's workers, as my_standing counts it."""
    from points.models import Balance
    from points.selectors import _people

    mine = (
        Balance.objects.filter(user=worker, year=YEAR)
        .values_list("points", flat=True)
        .first()
        or 0
    )
    peers = _people(unit, WORKER_ROLE).values("pk")
    return (
        Balance.objects.filter(year=YEAR, user__in=peers, points__gt=mine).count() + 1
    )


def _rank_from_ledger(worker, unit) -> int:
    """The same rank, summing every peer's ledger lines for the year."""
    from django.db.models import Sum

    from points.models import LedgerEntry
    from points.selectors import _people

    mine = (
        LedgerEntry.objects.filter(user=worker, year=YEAR).aggregate(s=Sum("points"))[
            "s"
        ]
        or 0
    )
    peers = _people(unit, WORKER_ROLE).values("pk")
    return (
        LedgerEntry.objects.filter(year=YEAR, user__in=peers)
        .values("user_id")
        .annotate(total=Sum("points"))
        .filter(total__gt=mine)
        .count()
        + 1
    )


def _breakdown(street, period, *, repeat: int, budget: float) -> list:
    """The parts of ranking_list for the whole street, timed one by one."""
    from django.db.models import Max, Q, Sum

    from points import selectors
    from points.models import LedgerEntry, MonthTotal

    people = selectors._people(street, WORKER_ROLE)
    parts = [
        (
            "workers of the subtree (values_list)",
            lambda: list(
                people.values_list(
                    "pk",
                    "username",
                    "name",
                    "org_unit__name",
                    "org_unit__path",
                    "hired_on",
                )
            ),
        ),
        (
            "totals from MonthTotal (GROUP BY user)",
            lambda: list(
                MonthTotal.objects.filter(
                    user__in=people.values("pk"),
                    year=period.year,
                    month__in=period.months,
                )
                .values("user_id")
                .annotate(p=Sum("points"), h=Sum("hours"), r=Max("reached_at"))
            ),
        ),
        (
            "totals from the ledger (GROUP BY user)",
            lambda: list(
                LedgerEntry.objects.filter(
                    user__in=people.values("pk"),
                    year=period.year,
                    month__in=period.months,
                )
                .values("user_id")
                .annotate(
                    p=Sum("points"),
                    h=Sum("hours"),
                    r=Max("occurred_at", filter=Q(points__gt=0)),
                )
            ),
        ),
    ]
    members = selectors.live_members(unit=street, period=period, role_label=WORKER_ROLE)
    parts.append(
        (
            "rank_members (Python sort and ranks)",
            lambda: selectors.rank_members(members),
        )
    )
    timings = []
    for label, fn in parts:
        got, timing = timed(fn, repeat=repeat, budget=budget)
        timings.append((label, len(got), timing))
    return timings


# ----------------------------------------------------------------- report


def facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:

        def one(statement, params=None):
            cursor.execute(statement, params)
            return cursor.fetchone()[0]

        counts = {
            "org units": one("SELECT count(*) FROM learning_orgunit"),
            "workers (社工)": one(
                "SELECT count(*) FROM learning_user_groups g "
                "JOIN auth_group a ON a.id = g.group_id WHERE a.name = %s",
                [WORKER_ROLE],
            ),
            "of whom active": one(
                "SELECT count(*) FROM learning_user WHERE is_active "
                "AND username ~ '^B[0-9]{6}$'"
            ),
            "ledger lines": one("SELECT count(*) FROM points_ledgerentry"),
            "of which deductions": one(
                "SELECT count(*) FROM points_ledgerentry WHERE kind = 'deduction'"
            ),
            "Balance rows": one("SELECT count(*) FROM points_balance"),
            "MonthTotal rows": one("SELECT count(*) FROM points_monthtotal"),
        }
        sizes = {
            table: one("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table])
            for table in ("points_ledgerentry", "points_monthtotal", "points_balance")
        }
        sizes["whole database"] = one(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        )
        spread = one(
            "SELECT min(n) || ' / ' || percentile_disc(0.5) WITHIN GROUP (ORDER BY n)"
            " || ' / ' || max(n) FROM (SELECT count(*) AS n FROM points_ledgerentry"
            " GROUP BY user_id) AS c"
        )
        points = one(
            "SELECT min(points) || ' / ' || percentile_disc(0.5) WITHIN GROUP "
            "(ORDER BY points) || ' / ' || max(points) FROM points_balance"
        )
        server = one("SHOW server_version")
        settings = {
            name: one(f"SHOW {name}")
            for name in (
                "shared_buffers",
                "work_mem",
                "max_parallel_workers_per_gather",
                "jit",
            )
        }
        cursor.execute("SELECT built_at, seconds FROM bench_points_dataset")
        built_at, build_seconds = cursor.fetchone()
    return {
        "counts": counts,
        "sizes": sizes,
        "lines per worker": spread,
        "year points per worker": points,
        "server": server,
        "settings": settings,
        "built_at": built_at,
        "build_seconds": build_seconds,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """A markdown table with padded columns, readable as plain text too."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        padded = [
            str(c).ljust(w) if a == "l" else str(c).rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * w if a == "l" else "-" * (w - 1) + ":"
        for w, a in zip(widths, align, strict=True)
    ]
    return [line(header), "| " + " | ".join(rule) + " |", *[line(r) for r in rows]]


def ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def report(
    measured: dict, info: dict, *, database: str, users: int, repeat: int
) -> str:
    from django.utils import timezone

    lines = [
        "# Points rankings at scale",
        "",
        f"Measured {timezone.localtime():%Y-%m-%d %H:%M UTC%z} on {machine()}; "
        f"PostgreSQL {info['server']} (database `{database}`, "
        + ", ".join(f"{k}={v}" for k, v in info["settings"].items())
        + f"); code at `{revision()}`. Load average (1 min) before and after: "
        + " / ".join(f"{v:.2f}" for v in measured["load"])
        + ".",
        "",
        f"Data: {YEAR}, built {timezone.localtime(info['built_at']):%Y-%m-%d} in "
        f"{info['build_seconds'] / 60:.1f} min. "
        + ", ".join(f"{k}: {v:,}" for k, v in info["counts"].items())
        + ". The ledger is stored in posting order, as it grows. "
        + "Ledger lines per worker (min / median / max): "
        + info["lines per worker"]
        + f"; {YEAR} points per worker: {info['year points per worker']}. "
        + "Sizes with indexes: "
        + ", ".join(f"{k} {v}" for k, v in info["sizes"].items())
        + ".",
        "",
        "Times in ms, warm cache: median and p95 (nearest rank) of at least "
        f"{repeat} calls after a warm-up (quick queries: up to {MAX_SAMPLES}). "
        "*Summary* is the selector as shipped (MonthTotal "
        "for rankings, Balance for the standing and the balance); *ledger* is the "
        "same selector answering from `SUM(points)` over LedgerEntry on every "
        f"call. The community has {users // (CENTRES * COMMUNITIES_PER_CENTRE):,} "
        f"workers, the centre {users // CENTRES:,}, the street {users:,}; "
        f"my_standing and the balance are for worker {measured['worker']}.",
        "",
    ]
    rows = []
    for r in measured["results"]:
        rows.append(
            [
                r.label,
                r.period,
                f"{r.rows:,}",
                ms(r.summary.median),
                ms(r.summary.p95),
                ms(r.naive.median) if r.naive else "–",
                ms(r.naive.p95) if r.naive else "–",
                f"{r.ratio:.1f}×" if r.ratio else "–",
                {True: "yes", False: "NO", None: "–"}[r.same],
            ]
        )
    lines += table(
        [
            "query",
            "period",
            "rows",
            "summary median",
            "p95",
            "ledger median",
            "p95",
            "ledger / summary",
            "same answer",
        ],
        rows,
        "llrrrrrrl",
    )
    lines += [
        "",
        f"Where the time of `ranking_list` for the whole street ({YEAR}) goes:",
        "",
    ]
    lines += table(
        ["part", "rows", "median", "p95"],
        [
            [label, f"{n:,}", ms(t.median), ms(t.p95)]
            for label, n, t in measured["breakdown"]
        ],
        "lrrr",
    )
    lines += ["", "Peak Python memory (tracemalloc) of one call:", ""]
    lines += table(
        ["call", "peak MB"],
        [[label, f"{mb:,.1f}"] for label, mb in measured["memory"].items()],
        "lr",
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rebuild", action="store_true", help="build the data even if present"
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="least timed calls per query"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=2.0,
        help="seconds to spend on a quick query (more calls, up to 50)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    database = database_prepare(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    key = dataset_key(args.users, args.entries)
    if args.rebuild or not dataset_built(key):
        out(f"Building {key} …")
        seconds = dataset_build(users=args.users, entries=args.entries)
        out(f"Built in {seconds / 60:.1f} min.")
    else:
        out(f"Data present ({key}); --rebuild to build it again.")
    out("Measuring …")
    load_before = os.getloadavg()[0]
    measured = measure(repeat=args.repeat, budget=args.budget)
    measured["load"] = (load_before, os.getloadavg()[0])
    text = report(
        measured, facts(), database=database, users=args.users, repeat=args.repeat
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    out()
    out(text)
    out(f"Written to {args.output}")


if __name__ == "__main__":
    main()
