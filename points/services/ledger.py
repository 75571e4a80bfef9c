"""Posting to the append-only ledger, and its summaries."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from points import rules
from points.models import (
    Balance,
    LedgerEntry,
    MonthTotal,
    PeriodFreeze,
    Rule,
    RulebookVersion,
)

# Any fixed number: the advisory lock that postings share and a freeze holds alone.
LEDGER_GATE = 0x5347_4A46
MSG_LATE = "%(closed)s已结账，计入%(booked)s"


class RuleNotFound(LookupError):
    pass


def _versions_in_force(on: datetime.date):
    """Approved versions effective by the day, the one in force first; a draft
    never counts, whatever its date."""
    return RulebookVersion.objects.filter(
        effective_from__lte=on, approved_at__isnull=False
    ).order_by("-effective_from")


def rulebook_in_force(on: datetime.date) -> RulebookVersion:
    version = _versions_in_force(on).first()
    if version is None:
        raise RuleNotFound(f"{on} 没有生效的积分规则版本。")
    return version


def version_in_force_subquery(on: datetime.date) -> Subquery:
    """The pk of the version in force on the day, to filter rules or levels by."""
    return Subquery(_versions_in_force(on).values("pk")[:1])


def _rule_in_force(code: str, on: datetime.date) -> Rule:
    """The rule as the version in force on the day has it, in one query."""
    rule = (
        Rule.objects.select_related("version")
        .filter(version=version_in_force_subquery(on), code=code)
        .first()
    )
    if rule is None:
        version = rulebook_in_force(on)  # says which day has no version at all
        raise RuleNotFound(f"积分规则 {code} 在 {version} 中不存在。")
    return rule


def source_key(source) -> tuple[str, str]:
    """(type, id) naming what an award is for: a model instance or a plain pair."""
    if isinstance(source, tuple):
        return str(source[0]), str(source[1])
    meta = source._meta
    return f"{meta.app_label}.{meta.model_name}", str(source.pk)


def ranked_profile(user) -> dict:
    """What a summary row copies from the person (points.models.RankedProfile):
    their unit's path, their role while active, when they were hired."""
    from learning.roles import Role

    role = ""
    if user.is_active:
        labels = [str(r.label) for r in Role]
        held = set(user.groups.filter(name__in=labels).values_list("name", flat=True))
        role = next((label for label in labels if label in held), "")
    unit = getattr(user, "org_unit", None)
    return {
        "unit_path": unit.path if unit is not None else "",
        "role": role,
        "hired_on": user.hired_on,
    }


def ranking_profile_sync(*, user) -> None:
    """Keep the person's summary rows in step after their unit, role, activity
    or hiring date changed: rankings read the rows, not the staff table."""
    profile = ranked_profile(user)
    Balance.objects.filter(user_id=user.pk).exclude(**profile).update(**profile)
    MonthTotal.objects.filter(user_id=user.pk).exclude(**profile).update(**profile)


def _locked_balance(user, year: int) -> Balance:
    """The worker's balance row for the year, locked: one worker's awards queue here."""
    if not Balance.objects.filter(user=user, year=year).exists():
        try:
            with transaction.atomic():
                Balance.objects.create(user=user, year=year, **ranked_profile(user))
        except IntegrityError:
            pass  # created by a concurrent request; lock it below
    return Balance.objects.select_for_update().get(user=user, year=year)


def _used(user, rule: Rule, *, year: int, day: datetime.date) -> tuple[int, int]:
    """Points already earned under the rule's cap group: (that day, that year)."""
    codes = set(
        Rule.objects.filter(version=rule.version)
        .filter(cap_group=rule.group)
        .values_list("code", flat=True)
    )
    codes.add(rule.code)
    start = datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    today = Q(
        occurred_at__gte=start, occurred_at__lt=start + datetime.timedelta(days=1)
    )
    totals = LedgerEntry.objects.filter(
        user=user, year=year, rule_code__in=codes
    ).aggregate(
        year=Coalesce(Sum("points"), 0),
        day=Coalesce(Sum("points", filter=today), 0),
    )
    return totals["day"], totals["year"]


def _gate(*, exclusive: bool = False) -> None:
    """Postings share a gate that freezing a period takes alone, so a period is
    never closed while a posting into it is still in flight (PostgreSQL; SQLite
    already lets one writer in at a time)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if exclusive:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_GATE])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LEDGER_GATE])


def closed_months(*, unit, since_year: int) -> set[tuple[int, int]]:
    """(year, month) pairs from since_year on that are frozen for a unit: by
    itself or by any unit above it."""
    if unit is None:
        return set()
    return {
        (f.year, m)
        for f in PeriodFreeze.objects.filter(
            unit__path__in=unit.path_and_ancestors(unit.path), year__gte=since_year
        )
        for m in range(f.first_month, f.last_month + 1)
    }


def booking_month(*, user, year: int, month: int) -> tuple[int, int]:
    """The month an entry counts in: its own, or the next one not yet closed for
    the worker's unit, when the period it happened in has been frozen."""
    unit = getattr(user, "org_unit", None)
    if unit is None:
        return year, month
    closed = closed_months(unit=unit, since_year=year)
    while (year, month) in closed:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return year, month


def _late_note(local: datetime.datetime, year: int, month: int) -> str:
    if (local.year, local.month) == (year, month):
        return ""
    return MSG_LATE % {
        "closed": f"{local.year}年{local.month}月",
        "booked": f"{year}年{month}月",
    }


def _apply(entry: LedgerEntry, balance: Balance) -> None:
    """Keep the summaries in step with a new ledger line, in the same transaction."""
    changes = {"points": F("points") + entry.points, "hours": F("hours") + entry.hours}
    if entry.points > 0:
        # The latest moment a positive line happened, whatever order they came in.
        changes["reached_at"] = Greatest(
            Coalesce(F("reached_at"), Value(entry.occurred_at)),
            Value(entry.occurred_at),
        )
    Balance.objects.filter(pk=balance.pk).update(updated_at=entry.posted_at, **changes)
    total = MonthTotal.objects.filter(
        user_id=entry.user_id, year=entry.year, month=entry.month
    ).first()
    if total is None:
        total = MonthTotal.objects.create(
            user_id=entry.user_id,
            year=entry.year,
            month=entry.month,
            **{f: getattr(balance, f) for f in ("unit_path", "role", "hired_on")},
        )
    MonthTotal.objects.filter(pk=total.pk).update(**changes)


@transaction.atomic
def points_award(
    *,
    user,
    rule_code: str,
    source,
    occurred_at: datetime.datetime | None = None,
    quantity: Decimal | int = 1,
    reason: str = "",
    author=None,
    once_per_year: bool = True,
) -> LedgerEntry:
    """Post one award (or deduction) for a source, once. Safe to call twice.

    Caps turn the excess into a 0-point line that says why; a deduction never
    takes the year below 0. The rule version in force on the day is used, and
    the entry keeps it, so a later version changes nothing already posted.
    """
    occurred_at = occurred_at or timezone.now()
    local = timezone.localtime(occurred_at)
    rule = _rule_in_force(rule_code, local.date())
    source_type, source_id = source_key(source)
    period_key = str(local.year) if once_per_year else ""

    _gate()
    book_year, book_month = booking_month(user=user, year=local.year, month=local.month)
    balance = _locked_balance(user, book_year)
    existing = LedgerEntry.objects.filter(
        user=user,
        rule_code=rule.code,
        source_type=source_type,
        source_id=source_id,
        period_key=period_key,
        reverses__isnull=True,
    ).first()
    if existing is not None:
        existing.just_posted = False
        return existing

    quantity = Decimal(str(quantity))
    nominal = int(rule.points * quantity) if rule.per_hour else rule.points
    hours = rule.hours * quantity if rule.per_hour else rule.hours
    hours = hours.quantize(Decimal("0.1"))
    if nominal > 0:
        used_today, used_this_year = _used(user, rule, year=book_year, day=local.date())
        posting = rules.capped_award(
            nominal=nominal,
            used_today=used_today,
            used_this_year=used_this_year,
            daily_cap=rule.daily_cap,
            annual_cap=rule.annual_cap,
        )
        kind = LedgerEntry.Kind.AWARD if posting.points else LedgerEntry.Kind.CAPPED
        if posting.points == 0:
            hours = Decimal(0)
    else:
        posting = rules.floored_deduction(nominal=nominal, balance=balance.points)
        kind = LedgerEntry.Kind.DEDUCTION
    text = reason or rule.name
    notes = [n for n in (posting.note, _late_note(local, book_year, book_month)) if n]
    if notes:
        text = f"{text}（{'；'.join(notes)}）"
    entry = LedgerEntry(
        user=user,
        rule=rule,
        rule_code=rule.code,
        kind=kind,
        points=posting.points,
        nominal_points=nominal,
        hours=hours,
        source_type=source_type,
        source_id=source_id,
        period_key=period_key,
        year=book_year,
        month=book_month,
        occurred_at=occurred_at,
        reason=text[:200],
        author=author,
    )
    # Field checks only: the database holds the one-award and non-zero constraints.
    entry.clean_fields(exclude=["rule", "user", "author", "reverses"])
    entry.save()
    entry.just_posted = True
    _apply(entry, balance)
    if entry.points > 0:
        from points.services.certificates import levels_reached_issue

        levels_reached_issue(user=user, now=occurred_at)
    return entry


@transaction.atomic
def points_reverse(*, entry: LedgerEntry, reason: str, author) -> LedgerEntry:
    """Correct a posted line by posting its opposite; the original stays as it was."""
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if hasattr(entry, "reversed_by"):
        return entry.reversed_by
    _gate()
    year, month = booking_month(user=entry.user, year=entry.year, month=entry.month)
    balance = _locked_balance(entry.user, year)
    undo = entry.points
    if undo > 0:
        # Later deductions may have used some of it: the year never goes below 0.
        undo = -rules.floored_deduction(nominal=-undo, balance=balance.points).points
    late = ""
    if (year, month) != (entry.year, entry.month):
        late = (
            "（"
            + MSG_LATE
            % {
                "closed": f"{entry.year}年{entry.month}月",
                "booked": f"{year}年{month}月",
            }
            + "）"
        )
    reversal = LedgerEntry(
        user=entry.user,
        rule=entry.rule,
        rule_code=entry.rule_code,
        kind=LedgerEntry.Kind.REVERSAL,
        points=-undo,
        nominal_points=-entry.points,
        hours=-entry.hours,
        source_type=entry.source_type,
        source_id=entry.source_id,
        period_key=entry.period_key,
        year=year,
        month=month,
        occurred_at=timezone.now(),
        reason=f"冲正：{reason}{late}"[:200],
        author=author,
        reverses=entry,
    )
    if reversal.points == 0:
        reversal.kind = LedgerEntry.Kind.CAPPED
    reversal.save()
    _apply(reversal, balance)
    return reversal
