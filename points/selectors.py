import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Sum
from django.utils import timezone

from learning.models import OrgUnit
from points import rules
from points.leaderboard import (
    Standing,
    frozen_headcounts,
    headcounts,
    ranking_lines,
    standing_in,
    team_totals,
)
from points.leaderboard import freeze_for as freeze_for
from points.models import (
    Adjustment,
    Balance,
    Evidence,
    LedgerEntry,
    Level,
    MonthTotal,
    WorkdayOverride,
)
from points.ranking import Period, Score, competition_ranks
from points.services import rulebook_in_force
from points.services.certificates import tier_evidence
from points.workdays import overrides_from


@dataclass
class Overview:
    year: int
    points: int
    hours: float
    target: int
    lifetime: int
    level: Level | None
    next_level: Level | None
    entries: Page
    years: list[int]
    window_years: int = 1
    window_hours: float = 0.0
    adjustments: list = None
    next_level_short: list = None  # what the next level still asks for
    grade: str = ""  # 优秀 / 达标 / 合格 / 不合格 (积分管理办法 §1)
    grade_missing: list = None  # what 合格 still needs

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


def year_exam_percent(*, user, year: int):
    """The best annual-exam score of the year, or None."""
    row = Evidence.objects.filter(
        user=user, kind=Evidence.Kind.EXAM, key=str(year)
    ).first()
    return row.value if row else None


def offline_hours(*, user, year: int):
    """学时 of offline training (signed in and out) booked in the year."""
    from decimal import Decimal

    total = LedgerEntry.objects.filter(
        user=user, year=year, rule_code="TRAIN_ATTEND"
    ).aggregate(h=Sum("hours"))["h"]
    return total or Decimal(0)


# Ledger lines per page of 我的积分: a year of daily study runs to hundreds.
LEDGER_LINES_PER_PAGE = 50


def points_overview(*, user, year: int | None = None, page=1) -> Overview:
    """This year's points and 学时 against the target, the level, and one page
    of the year's lines (newest first)."""
    today = timezone.localdate()
    year = year or today.year
    version = rulebook_in_force(min(today, today.replace(year=year, month=12, day=31)))
    balance = Balance.objects.filter(user=user, year=year).first()
    evidence, _covered = tier_evidence(user, today=today)
    lifetime = evidence.points
    levels = list(version.levels.filter(needs_signoff=False).order_by("threshold"))
    short = {lv.pk: rules.tier_shortfalls(lv, evidence) for lv in levels}
    reached = [lv for lv in levels if not short[lv.pk]]
    upcoming = [lv for lv in levels if short[lv.pk]]
    points = balance.points if balance else 0
    grade, grade_missing = rules.annual_grade(
        points=points,
        exam_percent=year_exam_percent(user=user, year=year),
        offline_hours=offline_hours(user=user, year=year),
        version=version,
    )
    entries = Paginator(
        LedgerEntry.objects.filter(user=user, year=year)
        .select_related("rule__version")
        .order_by("-occurred_at", "-pk"),
        LEDGER_LINES_PER_PAGE,
    ).get_page(page)
    years = sorted(
        set(Balance.objects.filter(user=user).values_list("year", flat=True)) | {year},
        reverse=True,
    )
    window = version.hours_window_years
    window_hours = (
        Balance.objects.filter(
            user=user, year__gt=year - window, year__lte=year
        ).aggregate(h=Sum("hours"))["h"]
        or 0
    )
    adjustments = list(
        Adjustment.objects.filter(
            user=user, status=Adjustment.Status.POSTED, entry__year=year
        )
        .select_related("rule__version", "entry", "appeal")
        .order_by("-decided_at")
    )
    now = timezone.now()
    overrides = overrides_from(WorkdayOverride.objects.all()) if adjustments else {}
    for adjustment in adjustments:
        adjustment.deadline = adjustment.appeal_deadline(overrides)
        adjustment.can_appeal = (
            adjustment.deadline is not None
            and now <= adjustment.deadline
            and not hasattr(adjustment, "appeal")
        )
    return Overview(
        window_years=window,
        window_hours=float(window_hours),
        adjustments=adjustments,
        year=year,
        points=points,
        hours=float(balance.hours) if balance else 0.0,
        target=version.annual_target,
        lifetime=lifetime,
        level=reached[-1] if reached else None,
        next_level=upcoming[0] if upcoming else None,
        next_level_short=short[upcoming[0].pk] if upcoming else [],
        grade=grade,
        grade_missing=grade_missing,
        entries=entries,
        years=years,
    )


@dataclass(frozen=True)
class Member:
    """A person's score for a period, as the ranking sees them."""

    user_id: int
    username: str
    name: str
    unit_name: str
    unit_path: str
    hired_on: datetime.date | None
    points: int
    hours: float
    reached_at: datetime.datetime | None = None


def freeze_number(period: Period) -> int:
    return 0 if period.kind == "year" else period.number


def _people(unit, role_label: str | None):
    people = get_user_model().objects.filter(
        is_active=True, org_unit__path__startswith=unit.path
    )
    if role_label:
        people = people.filter(groups__name=role_label)
    return people


def live_members(*, unit, period: Period, role_label: str | None) -> list[Member]:
    """Everyone active in the subtree, with their totals: a year reads one balance
    row per person, a month or quarter sums that many month rows."""
    people = _people(unit, role_label)
    if period.kind == "year":
        totals = {
            r["user_id"]: r
            for r in Balance.objects.filter(
                user__in=people.values("pk"), year=period.year
            ).values("user_id", "points", "hours", reached=F("reached_at"))
        }
    else:
        totals = {
            r["user_id"]: r
            for r in MonthTotal.objects.filter(
                user__in=people.values("pk"),
                year=period.year,
                month__in=period.months,
            )
            .values("user_id")
            .annotate(
                points=Sum("points"), hours=Sum("hours"), reached=Max("reached_at")
            )
        }
    members = []
    for pk, username, name, unit_name, unit_path, hired_on in people.values_list(
        "pk", "username", "name", "org_unit__name", "org_unit__path", "hired_on"
    ):
        total = totals.get(pk)
        members.append(
            Member(
                pk,
                username,
                name,
                unit_name,
                unit_path,
                hired_on,
                total["points"] if total else 0,
                float(total["hours"]) if total else 0.0,
                total["reached"] if total else None,
            )
        )
    return members


@dataclass
class RankRow:
    rank: int
    member: object  # a leaderboard.Line

    def __getattr__(self, name):
        return getattr(self.member, name)


def ranking_list(*, unit, period, role_label: str | None = "社工") -> list[RankRow]:
    """Every individual of a unit's subtree for a period, in rank order: equal
    points go to who reached them first (积分管理办法 §4). Read page by page
    from the database (points.leaderboard)."""
    return [
        RankRow(line.rank, line)
        for line in ranking_lines(unit=unit, period=period, role_label=role_label)
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
    by headcount; only members employed by mid-period count, and units with fewer
    than three of them are left out. One grouped query for the points, cached
    headcounts for the members."""
    target = rulebook_in_force(
        datetime.date(period.year, period.months[-1], 1)
    ).annual_target
    period_target = target * period.share_of_year()
    middle = datetime.date(period.year, period.months[len(period.months) // 2], 15)
    teams = list(
        OrgUnit.objects.filter(path__startswith=unit.path, kind=kind).order_by("path")
    )
    if not teams:
        return []
    (depth, freeze), totals = team_totals(
        unit=unit, kind=kind, period=period, target=period_target, middle=middle
    )
    if freeze is not None:
        heads = frozen_headcounts(freeze, unit=unit, depth=depth, middle=middle)
    else:
        heads = headcounts(depth=depth, role_label="社工", hired_by=middle)
    found = []
    for team in teams:
        members = heads.get(team.path, 0)
        if members < MIN_TEAM:
            continue
        total, above = totals.get(team.path, (0, 0))
        found.append((team, members, total / members, above / members))
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


TOP_N = 10
STANDING_KINDS = ("community", "centre", "street")


def my_standing(
    *, user, year: int, role_label: str = "社工", kinds=STANDING_KINDS
) -> list[Standing]:
    """The worker's rank among the workers of their community, centre and street
    (or only the `kinds` asked for) for a year, with the top ten of each: a few
    indexed reads per unit, whatever its size."""
    if user.org_unit_id is None:
        return []
    units = [
        u
        for u in OrgUnit.objects.filter(
            path__in=OrgUnit.path_and_ancestors(user.org_unit.path)
        )
        if u.kind in kinds
    ]
    period = Period("year", year)
    return [
        standing_in(user=user, unit=unit, period=period, role_label=role_label, n=TOP_N)
        for unit in sorted(units, key=lambda u: -len(u.path))
    ]


# ---------------------------------------------------------------- certificates


@dataclass
class CertificateView:
    certificate: object
    status: str

    @property
    def status_label(self) -> str:
        from points.certificates import STATUS_LABELS

        return STATUS_LABELS[self.status]


def _restudies_owed(certificate, *, today) -> tuple[bool, bool]:
    """(open, overdue): re-studies the holder owes in the certificate's
    categories (all of them when it names none)."""
    from points.models import RestudyDue

    if certificate.kind != "level":
        return False, False
    owed = RestudyDue.objects.filter(
        user_id=certificate.user_id, finished_at__isnull=True
    )
    if certificate.categories:
        owed = owed.filter(category_code__in=certificate.categories)
    first = owed.order_by("assigned_at").values_list("assigned_at", flat=True).first()
    if first is None:
        return False, False
    grace = rulebook_in_force(today).restudy_grace_days
    overdue = timezone.localtime(first).date() + datetime.timedelta(days=grace) < today
    return True, overdue


def certificate_state(certificate, *, today=None) -> CertificateView:
    """What the verify page says: revoked, replaced, expired, suspended for an
    overdue re-study, owed re-study, valid."""
    from points.certificates import certificate_status

    today = today or timezone.localdate()
    restudy_open, restudy_overdue = _restudies_owed(certificate, today=today)
    return CertificateView(
        certificate,
        certificate_status(
            revoked=certificate.revoked_at is not None,
            superseded=certificate.superseded_at is not None,
            valid_until=certificate.valid_until,
            today=today,
            restudy_open=restudy_open,
            restudy_overdue=restudy_overdue,
        ),
    )


def certificates_of(*, user) -> list[CertificateView]:
    from points.models import Certificate

    return [
        certificate_state(c)
        for c in Certificate.objects.filter(user=user).order_by("-issued_at", "-pk")
    ]


@dataclass
class Transcript:
    user: object
    years: list
    studied: list
    passed: list
    certificates: list
    issuer: str
    printed_at: datetime.datetime


# The apps above points add their part of the 学习档案: fn(user) -> list of rows.
HOOK_TRANSCRIPT_STUDIED = "points_transcript_studied"
HOOK_TRANSCRIPT_PASSED = "points_transcript_passed"


def _rows_from(hook_name: str, user) -> list:
    from wagtail import hooks

    rows = []
    for hook in hooks.get_hooks(hook_name):
        rows.extend(hook(user))
    return rows


def transcript_of(*, user) -> Transcript:
    """学习档案: points and 学时 by year, certificates, and what the manual and
    the quizzes report the worker studied and passed."""
    from points.certificates import DEFAULT_ISSUER
    from points.models import CertificateTemplate

    template = CertificateTemplate.objects.filter(kind="hours").first()
    return Transcript(
        user=user,
        years=list(Balance.objects.filter(user=user).order_by("-year")),
        studied=_rows_from(HOOK_TRANSCRIPT_STUDIED, user),
        passed=_rows_from(HOOK_TRANSCRIPT_PASSED, user),
        certificates=[
            v for v in certificates_of(user=user) if v.status != "superseded"
        ],
        issuer=template.issuer if template else DEFAULT_ISSUER,
        printed_at=timezone.now(),
    )
