"""The offline training sign-in sheet: TRAIN_ATTEND for every row, all or nothing."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from learning.tables import xlsx_bytes
from points.models import LedgerEntry
from points.services.common import MSG_NO_PERMISSION, _noon, _require
from points.services.ledger import points_award

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
    return xlsx_bytes(sheet, notes)
