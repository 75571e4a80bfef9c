"""The offline training sign-in sheet: TRAIN_ATTEND for every row, all or nothing."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from learning.tables import xlsx_bytes
from points.events import TrainingAttended
from points.models import LedgerEntry
from points.services.common import MSG_NO_PERMISSION, _log, _noon, _require
from points.services.ledger import closed_months
from points.services.record import points_record

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
MSG_SELF_AWARD = "不能给自己记积分：本人的签到请由其他管理者或培训师导入。"
MSG_APPROVER_IN_SHEET = "审批人本人在签到表中，须由另一位管理者审批。"
MSG_TOO_OLD = (
    "%(value)s 早于可导入的最早日期 %(earliest)s（%(days)s 天内）；"
    "更早的培训请由管理者提出积分调整。"
)
MSG_NEEDS_APPROVAL_SIZE = "本表新记 %(new)s 人次，超过 %(limit)s 人次"
MSG_NEEDS_APPROVAL_CLOSED = "涉及已结账的%(months)s"
MSG_SHEET_SELF_APPROVE = "不能审批自己导入的签到表，须由另一位管理者审批。"
MSG_SHEET_DECIDED = "这张签到表已于 %(when)s 处理，不能重复处理。"
MSG_SHEET_OUT_OF_SCOPE = "这张签到表不在您管辖的单位内。"


@dataclass
class AttendanceReport:
    total: int = 0
    new: int = 0
    already: int = 0
    trainings: int = 0
    errors: list = field(default_factory=list)
    file_error: str = ""
    # Why a second manager must approve before anything is posted; and the
    # sheet that waits for them once the import is confirmed.
    needs_approval: list = field(default_factory=list)
    sheet: object = None

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


def _attendance_rows(table, actor, report, *, today, approver=None):
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
    max_age = settings.POINTS_ATTENDANCE_MAX_AGE_DAYS
    earliest = today - datetime.timedelta(days=max_age)
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
        elif user.pk == actor.pk:
            error("工号", MSG_SELF_AWARD)
        elif approver is not None and user.pk == approver.pk:
            error("工号", MSG_APPROVER_IN_SHEET)
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
                elif day < earliest:
                    error(
                        "日期",
                        MSG_TOO_OLD,
                        value=f"{day:%Y-%m-%d}",
                        earliest=f"{earliest:%Y-%m-%d}",
                        days=max_age,
                    )
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


def _closed_months(fresh) -> list[str]:
    """The closed months the fresh rows reach into, as 2026年10月."""
    if not fresh:
        return []
    since = min(day.year for _u, _t, day, _h in fresh)
    closed_by_unit = {}  # one query per unit on the sheet, not per row
    months = set()
    for user, _title, day, _hours in fresh:
        unit = user.org_unit if user.org_unit_id else None
        if unit is None:
            continue
        if unit.pk not in closed_by_unit:
            closed_by_unit[unit.pk] = closed_months(unit=unit, since_year=since)
        if (day.year, day.month) in closed_by_unit[unit.pk]:
            months.add((day.year, day.month))
    return [f"{y}年{m}月" for y, m in sorted(months)]


def _approval_reasons(fresh) -> list[str]:
    reasons = []
    limit = settings.POINTS_ATTENDANCE_APPROVAL_ROWS
    if len(fresh) > limit:
        reasons.append(MSG_NEEDS_APPROVAL_SIZE % {"new": len(fresh), "limit": limit})
    closed = _closed_months(fresh)
    if closed:
        reasons.append(MSG_NEEDS_APPROVAL_CLOSED % {"months": "、".join(closed)})
    return reasons


def attendance_done_message(report: AttendanceReport) -> str:
    if report.sheet is not None:
        return (
            f"签到表已提交审批（{'；'.join(report.needs_approval)}），"
            f"批准后记 {report.new} 人次。"
        )
    return f"导入完成：新记 {report.new} 人次，{report.already} 人次此前已入账。"


def attendance_import(
    *,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool,
    approver=None,
    today: datetime.date | None = None,
    progress=None,
) -> AttendanceReport:
    """Post TRAIN_ATTEND for every row of a sign-in sheet, all or nothing.

    The same sheet imported twice awards once: each (worker, training) is one
    source, and a row already posted is counted, not posted again. Nobody posts
    to themselves, and rows older than POINTS_ATTENDANCE_MAX_AGE_DAYS are refused.
    A sheet above POINTS_ATTENDANCE_APPROVAL_ROWS new awards, or one reaching
    into a closed period, waits for another manager (attendance_sheet_decide),
    who imports it as ``approver``.
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
    today = today or timezone.localdate()
    rows = _attendance_rows(table, actor, report, today=today, approver=approver)
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
    if approver is None:
        report.needs_approval = _approval_reasons(fresh)
    if dry_run:
        return report
    if report.needs_approval:
        report.sheet = _hold_for_approval(content, filename, actor, report)
        return report
    with transaction.atomic():
        for done, (user, title, day, hours) in enumerate(fresh, start=1):
            training = trainings.get((title, day))
            if training is None:
                training, _created = OfflineTraining.objects.get_or_create(
                    name=title, held_on=day, defaults={"imported_by": actor}
                )
                trainings[(title, day)] = training
            points_record(
                TrainingAttended(
                    user=user,
                    at=_noon(day),
                    training_id=training.pk,
                    title=title,
                    hours=hours,
                    author=actor,
                )
            )
            if progress is not None:
                progress(done)
    return report


def _hold_for_approval(content, filename, actor, report):
    from points.models import AttendanceSheet

    sheet = AttendanceSheet.objects.create(
        filename=filename[:200],
        content=content,
        rows=report.new,
        reasons=report.needs_approval,
        scope_path=actor.org_unit.path if actor.org_unit_id else "",
        submitted_by=actor,
    )
    _log(sheet, "points.attendance.hold", actor, reasons=report.needs_approval)
    return sheet


def attendance_sheets_for(*, user):
    """The held sheets a manager may decide: those of his unit and below."""
    from points.models import AttendanceSheet

    sheets = AttendanceSheet.objects.select_related("submitted_by", "decided_by")
    if user.is_superuser:
        return sheets
    if not user.has_perm("points.decide_adjustment") or not user.org_unit_id:
        return sheets.none()
    return sheets.filter(scope_path__startswith=user.org_unit.path)


def attendance_sheet_decide(*, sheet, actor, approve: bool, note: str = ""):
    """A second manager approves (the sheet is imported, checked afresh, as its
    importer with the approver named) or rejects a held sign-in sheet."""
    from points.models import AttendanceSheet

    with transaction.atomic():
        sheet = (
            attendance_sheets_for(user=actor)
            .select_for_update(of=("self",))
            .filter(pk=sheet.pk)
            .first()
        )
        _require(sheet is not None, MSG_SHEET_OUT_OF_SCOPE)
        _require(actor.pk != sheet.submitted_by_id, MSG_SHEET_SELF_APPROVE)
        _require(
            sheet.status == AttendanceSheet.Status.PENDING,
            MSG_SHEET_DECIDED,
            when=f"{timezone.localtime(sheet.decided_at):%Y-%m-%d %H:%M}"
            if sheet.decided_at
            else "",
        )
        report = None
        if approve:
            report = attendance_import(
                content=bytes(sheet.content),
                filename=sheet.filename,
                actor=sheet.submitted_by,
                dry_run=False,
                approver=actor,
                today=timezone.localdate(sheet.submitted_at),
            )
        sheet.status = (
            AttendanceSheet.Status.APPROVED
            if approve
            else AttendanceSheet.Status.REJECTED
        )
        sheet.decided_by = actor
        sheet.decided_at = timezone.now()
        sheet.note = note[:200]
        sheet.save(update_fields=["status", "decided_by", "decided_at", "note"])
        _log(sheet, f"points.attendance.{sheet.status}", actor, note=sheet.note)
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
    return xlsx_bytes(sheet, notes)
