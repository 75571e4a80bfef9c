import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
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
from points.ranking import period_is_over

# Any fixed number: the advisory lock that postings share and a freeze holds alone.
LEDGER_GATE = 0x5347_4A46
MSG_LATE = "%(closed)s已结账，计入%(booked)s"


class RuleNotFound(LookupError):
    pass


def rulebook_in_force(on: datetime.date) -> RulebookVersion:
    version = (
        RulebookVersion.objects.filter(effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        raise RuleNotFound(f"{on} 没有生效的积分规则版本。")
    return version


def source_key(source) -> tuple[str, str]:
    """(type, id) naming what an award is for: a model instance or a plain pair."""
    if isinstance(source, tuple):
        return str(source[0]), str(source[1])
    meta = source._meta
    return f"{meta.app_label}.{meta.model_name}", str(source.pk)


def _locked_balance(user, year: int) -> Balance:
    """The worker's balance row for the year, locked: one worker's awards queue here."""
    try:
        with transaction.atomic():
            Balance.objects.get_or_create(user=user, year=year)
    except IntegrityError:
        pass  # created by a concurrent request; lock it below
    return Balance.objects.select_for_update().get(user=user, year=year)


def _used(user, rule: Rule, *, year: int, day: datetime.date | None = None) -> int:
    codes = list(
        Rule.objects.filter(version=rule.version)
        .filter(cap_group=rule.group)
        .values_list("code", flat=True)
    ) or [rule.code]
    if rule.code not in codes:
        codes.append(rule.code)
    entries = LedgerEntry.objects.filter(user=user, year=year, rule_code__in=codes)
    if day is not None:
        start = datetime.datetime.combine(
            day, datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
        entries = entries.filter(
            occurred_at__gte=start, occurred_at__lt=start + datetime.timedelta(days=1)
        )
    return entries.aggregate(total=Sum("points"))["total"] or 0


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


def booking_month(*, user, year: int, month: int) -> tuple[int, int]:
    """The month an entry counts in: its own, or the next one not yet closed for
    the worker's unit, when the period it happened in has been frozen."""
    unit = getattr(user, "org_unit", None)
    if unit is None:
        return year, month
    step = unit.steplen
    paths = [unit.path[:n] for n in range(step, len(unit.path) + 1, step)]
    closed = {
        (f.year, m)
        for f in PeriodFreeze.objects.filter(unit__path__in=paths, year__gte=year)
        for m in range(f.first_month, f.last_month + 1)
    }
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
    Balance.objects.filter(pk=balance.pk).update(
        points=F("points") + entry.points,
        hours=F("hours") + entry.hours,
        updated_at=entry.posted_at,
    )
    total, _created = MonthTotal.objects.get_or_create(
        user_id=entry.user_id, year=entry.year, month=entry.month
    )
    MonthTotal.objects.filter(pk=total.pk).update(
        points=F("points") + entry.points,
        hours=F("hours") + entry.hours,
    )
    if entry.points > 0:
        MonthTotal.objects.filter(pk=total.pk).update(reached_at=entry.occurred_at)


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
    version = rulebook_in_force(local.date())
    rule = version.rules.filter(code=rule_code).first()
    if rule is None:
        raise RuleNotFound(f"积分规则 {rule_code} 在 {version} 中不存在。")
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
        return existing

    quantity = Decimal(str(quantity))
    nominal = int(rule.points * quantity) if rule.per_hour else rule.points
    hours = rule.hours * quantity if rule.per_hour else rule.hours
    hours = hours.quantize(Decimal("0.1"))
    if nominal > 0:
        posting = rules.capped_award(
            nominal=nominal,
            used_today=_used(user, rule, year=book_year, day=local.date()),
            used_this_year=_used(user, rule, year=book_year),
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
    entry.full_clean(exclude=["rule", "user", "author", "reverses"])
    entry.save()
    _apply(entry, balance)
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


# ------------------------------------------------------- approvals and appeals


class PointsActionRefused(Exception):
    """A proposal, decision or appeal the rules do not allow; says why in Chinese."""


MSG_NO_PERMISSION = "您没有此操作的权限。"
MSG_OUT_OF_SCOPE = "%(name)s 不在您管辖的单位内。"
MSG_SELF_PROPOSE = "不能为自己提出积分调整。"
MSG_RULE_NEEDS_NO_APPROVAL = "规则 %(code)s 由系统自动记分，无需提出。"
MSG_PROXY_NEEDS_CONDITION = "代办差错须注明涉及的事项和条件编号。"
MSG_UNKNOWN_CONDITION = "事项《%(item)s》没有编号为 %(code)s 的条件。"
MSG_FUTURE_DATE = "发生日期不能晚于今天。"
MSG_SELF_APPROVE = "不能审批自己提出的调整，须由另一位管理者审批。"
MSG_ALREADY_DECIDED = "该调整已于 %(when)s 处理，不能重复处理。"
MSG_APPEAL_NOT_OWN = "只能对自己的扣分提出申诉。"
MSG_APPEAL_NOT_DEDUCTION = "只能对已入账的扣分提出申诉。"
MSG_APPEAL_LATE = "申诉期已过：须在 %(deadline)s 前提出。"
MSG_APPEAL_TWICE = "这笔扣分已提出过申诉。"
MSG_APPEAL_BY_PROPOSER = "申诉须由提出扣分者以外的管理者处理。"
MSG_APPEAL_BY_WORKER = "不能处理自己的申诉。"
MSG_APPEAL_DECIDED = "该申诉已处理。"

PROXY_ERROR_CODES = {"PROXY_ERROR", "PROXY_ERROR_LOSS"}


def _require(condition: bool, message: str, **values) -> None:
    if not condition:
        raise PointsActionRefused(message % values if values else message)


def _in_scope(actor, user) -> bool:
    from learning.selectors import staff_visible_to

    return staff_visible_to(user=actor).filter(pk=user.pk).exists()


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )


def _local(moment) -> str:
    return f"{timezone.localtime(moment or timezone.now()):%Y-%m-%d %H:%M}"


def _log(instance, action: str, actor, **data) -> None:
    from wagtail.log_actions import log

    log(instance=instance, action=action, user=actor, data=data or None)


@transaction.atomic
def adjustment_propose(
    *,
    actor,
    user,
    rule_code: str,
    occurred_on: datetime.date,
    reason: str,
    quantity: Decimal | int = 1,
    evidence=None,
    item=None,
    condition_code: str = "",
):
    """A manager proposes a deduction or an award that needs approval."""
    from points.models import Adjustment

    _require(actor.has_perm("points.add_adjustment"), MSG_NO_PERMISSION)
    _require(_in_scope(actor, user), MSG_OUT_OF_SCOPE, name=user.name)
    _require(actor.pk != user.pk, MSG_SELF_PROPOSE)
    _require(occurred_on <= timezone.localdate(), MSG_FUTURE_DATE)
    rule = rulebook_in_force(occurred_on).rules.filter(code=rule_code).first()
    if rule is None:
        raise RuleNotFound(f"积分规则 {rule_code} 在 {occurred_on} 不存在。")
    _require(rule.needs_approval, MSG_RULE_NEEDS_NO_APPROVAL, code=rule_code)
    condition_code = condition_code.strip()
    if rule.code in PROXY_ERROR_CODES:
        _require(item is not None and bool(condition_code), MSG_PROXY_NEEDS_CONDITION)
        _require(
            item.conditions.filter(code=condition_code).exists(),
            MSG_UNKNOWN_CONDITION,
            item=item.title,
            code=condition_code,
        )
    adjustment = Adjustment(
        user=user,
        rule=rule,
        quantity=Decimal(str(quantity)) if rule.per_hour else Decimal(1),
        occurred_on=occurred_on,
        reason=reason.strip(),
        item=item,
        condition_code=condition_code,
        proposed_by=actor,
    )
    if evidence:
        adjustment.evidence = evidence
    adjustment.full_clean()
    adjustment.save()
    _log(adjustment, "points.adjustment.propose", actor, rule=rule.code)
    return adjustment


def _may_decide(actor, user) -> None:
    _require(actor.has_perm("points.decide_adjustment"), MSG_NO_PERMISSION)
    _require(_in_scope(actor, user), MSG_OUT_OF_SCOPE, name=user.name)


@transaction.atomic
def adjustment_decide(*, adjustment, actor, approve: bool, note: str = ""):
    """A second manager approves (posting it) or rejects a proposal. Once only."""
    from points.models import Adjustment

    adjustment = (
        Adjustment.objects.select_for_update(of=("self",))
        .select_related("rule__version", "user__org_unit", "item")
        .get(pk=adjustment.pk)
    )
    _may_decide(actor, adjustment.user)
    _require(actor.pk != adjustment.proposed_by_id, MSG_SELF_APPROVE)
    _require(actor.pk != adjustment.user_id, MSG_SELF_APPROVE)
    _require(
        adjustment.status == Adjustment.Status.PROPOSED,
        MSG_ALREADY_DECIDED,
        when=_local(adjustment.decided_at),
    )
    now = timezone.now()
    adjustment.decided_by = actor
    adjustment.decided_at = now
    adjustment.decision_note = note.strip()[:200]
    if approve:
        rule = adjustment.rule
        adjustment.entry = points_award(
            user=adjustment.user,
            rule_code=rule.code,
            source=adjustment,
            occurred_at=_noon(adjustment.occurred_on),
            quantity=adjustment.quantity,
            reason=f"{rule.name}：{adjustment.reason}",
            author=actor,
            once_per_year=False,
        )
        adjustment.status = Adjustment.Status.POSTED
        if rule.code in PROXY_ERROR_CODES and adjustment.item is not None:
            from manuals.services import restudy_task_assign

            restudy_task_assign(user=adjustment.user, page=adjustment.item, now=now)
    else:
        adjustment.status = Adjustment.Status.REJECTED
    adjustment.save()
    _log(
        adjustment,
        "points.adjustment.approve" if approve else "points.adjustment.reject",
        actor,
        note=adjustment.decision_note,
    )
    return adjustment


@transaction.atomic
def appeal_file(*, adjustment, actor, text: str, now=None):
    """The worker disputes a posted deduction within the rulebook's window."""
    from points.models import Adjustment, Appeal

    now = now or timezone.now()
    adjustment = (
        Adjustment.objects.select_for_update(of=("self",))
        .select_related("rule__version")
        .get(pk=adjustment.pk)
    )
    _require(actor.pk == adjustment.user_id, MSG_APPEAL_NOT_OWN)
    deadline = adjustment.appeal_deadline()
    _require(deadline is not None, MSG_APPEAL_NOT_DEDUCTION)
    _require(
        now <= deadline,
        MSG_APPEAL_LATE,
        deadline=_local(deadline),
    )
    appealed = Appeal.objects.filter(adjustment=adjustment).exists()
    _require(not appealed, MSG_APPEAL_TWICE)
    appeal = Appeal(adjustment=adjustment, text=text.strip(), filed_at=now)
    appeal.full_clean()
    appeal.save()
    _log(adjustment, "points.appeal.file", actor)
    return appeal


@transaction.atomic
def appeal_decide(*, appeal, actor, overturn: bool, note: str):
    """A manager other than the proposer decides; overturning posts a reversal."""
    from points.models import Appeal

    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("adjustment__user", "adjustment__entry")
        .get(pk=appeal.pk)
    )
    adjustment = appeal.adjustment
    _may_decide(actor, adjustment.user)
    _require(actor.pk != adjustment.proposed_by_id, MSG_APPEAL_BY_PROPOSER)
    _require(actor.pk != adjustment.user_id, MSG_APPEAL_BY_WORKER)
    _require(appeal.status == Appeal.Status.PENDING, MSG_APPEAL_DECIDED)
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.decision_note = note.strip()[:200]
    if overturn:
        appeal.reversal = points_reverse(
            entry=adjustment.entry,
            reason=f"申诉成立（{appeal.decision_note or '撤销扣分'}）",
            author=actor,
        )
        appeal.status = Appeal.Status.OVERTURNED
    else:
        appeal.status = Appeal.Status.UPHELD
    appeal.save()
    _log(
        adjustment,
        "points.appeal.overturn" if overturn else "points.appeal.uphold",
        actor,
        note=appeal.decision_note,
    )
    return appeal


# ------------------------------------------------------------ closing periods

MSG_PERIOD_NOT_OVER = "%(period)s尚未结束，结束后才能结账。"


@transaction.atomic
def period_freeze(*, unit, period, actor):
    """Close a period for a unit's subtree: keep its ranking as it stands now, and
    book anything that arrives later to the next open month. Safe to call twice."""
    from learning.selectors import org_units_visible_to
    from points.models import FrozenScore
    from points.selectors import freeze_number, live_members

    _require(actor.has_perm("points.freeze_period"), MSG_NO_PERMISSION)
    _require(
        org_units_visible_to(user=actor).filter(pk=unit.pk).exists(),
        MSG_OUT_OF_SCOPE,
        name=unit.name,
    )
    _require(period_is_over(period), MSG_PERIOD_NOT_OVER, period=period.label)
    _gate(exclusive=True)
    key = {
        "unit": unit,
        "kind": period.kind,
        "year": period.year,
        "number": freeze_number(period),
    }
    existing = PeriodFreeze.objects.filter(**key).first()
    if existing is not None:
        return existing
    freeze = PeriodFreeze.objects.create(
        **key,
        first_month=period.months[0],
        last_month=period.months[-1],
        frozen_by=actor,
    )
    members = live_members(unit=unit, period=period, role_label=None)
    roles: dict[int, list[str]] = {}
    memberships = get_user_model().groups.through.objects.filter(
        user_id__in=[m.user_id for m in members]
    )
    for user_id, group in memberships.values_list("user_id", "group__name"):
        roles.setdefault(user_id, []).append(group)
    FrozenScore.objects.bulk_create(
        [
            FrozenScore(
                freeze=freeze,
                user_id=m.user_id,
                username=m.username,
                name=m.name,
                unit_path=m.unit_path,
                unit_name=m.unit_name,
                roles="," + ",".join(sorted(roles.get(m.user_id, []))) + ",",
                hired_on=m.hired_on,
                points=m.points,
                hours=m.hours,
                reached_at=m.reached_at,
            )
            for m in members
        ],
        batch_size=2000,
    )
    _log(freeze, "points.period.freeze", actor, period=period.label)
    return freeze


# ---------------------------------------------------- offline training sign-in

ATTENDANCE_COLUMNS = ["工号", "姓名", "培训名称", "日期", "学时"]
ATTENDANCE_REQUIRED = ["工号", "培训名称", "日期", "学时"]
MSG_NO_SUCH_STAFF = "工号 %(code)s 不存在或已离职。"
MSG_STAFF_OUT_OF_SCOPE = "%(name)s（%(code)s）不在您管辖的单位内。"
MSG_NAME_MISMATCH = "工号 %(code)s 是%(actual)s，与表中的“%(given)s”不符，请核对。"
MSG_REQUIRED = "必填。"
MSG_BAD_HOURS = "“%(value)s”不是有效学时，请填 0.5–8 之间的数，最多一位小数。"
MSG_FUTURE_TRAINING = "%(value)s 还没到，不能签到。"
MSG_DUPLICATE_ROW = "与第 %(other)s 行重复：同一人同一培训只能签到一次。"
MSG_HOURS_CHANGED = (
    "%(name)s 的这次培训已按 %(posted)s 学时入账，与表中 %(given)s 学时不符；"
    "如需更正，请先在积分流水中冲正。"
)
MSG_NAME_TOO_LONG = "培训名称不能超过 100 个字。"


@dataclass
class AttendanceReport:
    total: int = 0
    new: int = 0
    already: int = 0
    trainings: int = 0
    errors: list = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


class AttendanceRejected(Exception):
    def __init__(self, report: AttendanceReport):
        super().__init__(report.file_error or f"{len(report.errors)} errors")
        self.report = report


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


def _hours(value) -> Decimal | None:
    try:
        hours = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if not hours.is_finite() or hours <= 0 or hours > 8:
        return None
    if hours != hours.quantize(Decimal("0.1")):
        return None
    return hours.quantize(Decimal("0.1"))


def _attendance_rows(table, actor, report):
    """Check every row; return the valid ones as (row, user, name, day, hours)."""
    from learning.resources import ChineseDateWidget
    from learning.tables import RowError

    User = get_user_model()
    codes = {str(r.get("工号", "")).strip() for r in table.dataset.dict}
    staff = {
        u.username: u
        for u in User.objects.filter(username__in=codes, is_active=True).select_related(
            "org_unit"
        )
    }
    scope = actor.org_unit.path if actor.org_unit_id else None
    today = timezone.localdate()
    seen: dict[tuple, int] = {}
    rows = []
    for index, cells in enumerate(table.dataset.dict):
        row = table.row_numbers[index]

        def error(column, message, row=row, **values):
            report.errors.append(RowError(row, column, message % values))

        code = str(cells.get("工号", "")).strip()
        given_name = str(cells.get("姓名", "") or "").strip()
        title = str(cells.get("培训名称", "")).strip()
        raw_day, raw_hours = cells.get("日期", ""), cells.get("学时", "")
        before = len(report.errors)
        user = staff.get(code)
        if not code:
            error("工号", MSG_REQUIRED)
        elif user is None:
            error("工号", MSG_NO_SUCH_STAFF, code=code)
        elif not actor.is_superuser and (
            scope is None or not user.org_unit.path.startswith(scope)
        ):
            error("工号", MSG_STAFF_OUT_OF_SCOPE, name=user.name, code=code)
        elif given_name and given_name != user.name:
            error(
                "姓名", MSG_NAME_MISMATCH, code=code, actual=user.name, given=given_name
            )
        if not title:
            error("培训名称", MSG_REQUIRED)
        elif len(title) > 100:
            error("培训名称", MSG_NAME_TOO_LONG)
        day = None
        if raw_day in ("", None):
            error("日期", MSG_REQUIRED)
        else:
            try:
                day = ChineseDateWidget().clean(raw_day)
            except ValueError as exc:
                error("日期", "%(text)s", text=str(exc))
            else:
                if day > today:
                    error("日期", MSG_FUTURE_TRAINING, value=f"{day:%Y-%m-%d}")
        hours = None if raw_hours in ("", None) else _hours(raw_hours)
        if raw_hours in ("", None):
            error("学时", MSG_REQUIRED)
        elif hours is None:
            error("学时", MSG_BAD_HOURS, value=raw_hours)
        if len(report.errors) > before:
            continue
        key = (code, title, day)
        if key in seen:
            error("", MSG_DUPLICATE_ROW, other=seen[key])
            continue
        seen[key] = row
        rows.append((row, user, title, day, hours))
    return rows


def attendance_import(
    *, content: bytes, filename: str, actor, dry_run: bool
) -> AttendanceReport:
    """Post TRAIN_ATTEND for every row of a sign-in sheet, all or nothing.

    The same sheet imported twice awards once: each (worker, training) is one
    source, and a row already posted is counted, not posted again.
    """
    from learning.tables import RowError, TableFileError, read_table
    from points.models import OfflineTraining

    report = AttendanceReport()
    _require(actor.has_perm("points.import_attendance"), MSG_NO_PERMISSION)
    try:
        table = read_table(content, filename, ATTENDANCE_COLUMNS, ATTENDANCE_REQUIRED)
    except TableFileError as exc:
        report.file_error = str(exc)
        if dry_run:
            return report
        raise AttendanceRejected(report) from exc
    report.total = len(table.dataset)
    rows = _attendance_rows(table, actor, report)
    trainings = {
        (t.name, t.held_on): t
        for t in OfflineTraining.objects.filter(
            name__in={r[2] for r in rows}, held_on__in={r[3] for r in rows}
        )
    }
    posted = {
        (e.user_id, e.source_id): e
        for e in LedgerEntry.objects.filter(
            rule_code="TRAIN_ATTEND",
            source_type="points.offlinetraining",
            source_id__in=[str(t.pk) for t in trainings.values()],
            reverses__isnull=True,
        )
    }
    fresh = []
    for row, user, title, day, hours in rows:
        training = trainings.get((title, day))
        entry = posted.get((user.pk, str(training.pk))) if training else None
        if entry is None:
            fresh.append((user, title, day, hours))
            continue
        if entry.nominal_points and entry.rule.points:
            posted_hours = Decimal(entry.nominal_points) / entry.rule.points
        else:
            posted_hours = entry.hours
        if posted_hours.quantize(Decimal("0.1")) != hours:
            report.errors.append(
                RowError(
                    row,
                    "学时",
                    MSG_HOURS_CHANGED
                    % {
                        "name": user.name,
                        "posted": _hours_text(posted_hours),
                        "given": _hours_text(hours),
                    },
                )
            )
        else:
            report.already += 1
    report.errors.sort(key=lambda e: (e.row, e.column))
    report.new = len(fresh)
    report.trainings = len({(t, d) for _u, t, d, _h in fresh} - set(trainings))
    if not report.ok:
        if dry_run:
            return report
        raise AttendanceRejected(report)
    if dry_run:
        return report
    with transaction.atomic():
        for user, title, day, hours in fresh:
            training = trainings.get((title, day))
            if training is None:
                training, _created = OfflineTraining.objects.get_or_create(
                    name=title, held_on=day, defaults={"imported_by": actor}
                )
                trainings[(title, day)] = training
            points_award(
                user=user,
                rule_code="TRAIN_ATTEND",
                source=training,
                occurred_at=_noon(day),
                quantity=hours,
                reason=f"参加线下培训《{title}》{_hours_text(hours)} 学时",
                author=actor,
                once_per_year=False,
            )
    return report


def attendance_template() -> bytes:
    import tablib

    sheet = tablib.Dataset(headers=ATTENDANCE_COLUMNS, title="签到表")
    notes = tablib.Dataset(headers=["列", "说明"], title="填写说明")
    for column, note in [
        ("工号", "必填，签到人的工号。"),
        ("姓名", "选填；填写时须与工号对应，用来发现工号笔误。"),
        ("培训名称", "必填；同名同日期视为同一场培训。"),
        ("日期", "必填，如 2026-03-05。"),
        ("学时", "必填，实际出勤学时，0.5–8，最多一位小数。"),
        ("", "出勤不足 80% 的不要登记。"),
    ]:
        notes.append([column, note])
    return tablib.Databook([sheet, notes]).export("xlsx")


# --------------------------------------------------------------- rulebook

MSG_VERSION_DATE = "新版本的生效日期须晚于今天。"


@transaction.atomic
def rulebook_version_draft(*, based_on, name: str, effective_from, actor):
    """A new rulebook version, copied from an existing one, to edit before it starts.
    Posted points keep the version they were posted under."""
    _require(actor.has_perm("points.add_rulebookversion"), MSG_NO_PERMISSION)
    _require(effective_from > timezone.localdate(), MSG_VERSION_DATE)
    version = RulebookVersion(
        name=name,
        effective_from=effective_from,
        annual_target=based_on.annual_target,
        pass_points=based_on.pass_points,
        required_offline_hours=based_on.required_offline_hours,
        hour_minutes=based_on.hour_minutes,
        appeal_days=based_on.appeal_days,
        hours_window_years=based_on.hours_window_years,
    )
    version.full_clean()
    version.save()
    copied = ("code", "name", "activity", "points", "hours", "per_hour")
    copied += ("daily_cap", "annual_cap", "cap_group", "needs_approval")
    Rule.objects.bulk_create(
        Rule(version=version, **{f: getattr(r, f) for f in copied})
        for r in based_on.rules.all()
    )
    version.levels.model.objects.bulk_create(
        version.levels.model(
            version=version,
            name=lv.name,
            threshold=lv.threshold,
            needs_signoff=lv.needs_signoff,
        )
        for lv in based_on.levels.all()
    )
    _log(version, "wagtail.create", actor)
    return version
