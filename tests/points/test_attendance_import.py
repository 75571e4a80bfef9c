"""The offline training sign-in sheet: all or nothing, row errors in Chinese, and
the same sheet imported twice awards once."""

import datetime

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from points.models import Balance, LedgerEntry, OfflineTraining
from points.services import (
    MSG_BAD_HOURS,
    MSG_DUPLICATE_ROW,
    MSG_NAME_MISMATCH,
    MSG_NO_SUCH_STAFF,
    AttendanceRejected,
    attendance_import,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "姓名", "培训名称", "日期", "学时"]


def _xlsx(rows) -> bytes:
    return tablib.Dataset(*rows, headers=HEADERS).export("xlsx")


@pytest.fixture
def people(org):
    return [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(3)]


@pytest.fixture
def sheet(people):
    day = timezone.localdate() - datetime.timedelta(days=3)
    return _xlsx(
        [(p.username, p.name, "居住证办理实务", day, 2) for p in people]
        + [(people[0].username, "", "适老化服务礼仪", day.isoformat(), "1.5")]
    )


def _run(content, actor, name="签到表.xlsx", dry_run=False):
    return attendance_import(
        content=content, filename=name, actor=actor, dry_run=dry_run
    )


def test_the_same_sheet_imported_twice_awards_once(sheet, people, trainer):
    first = _run(sheet, trainer)
    assert (first.new, first.already, first.trainings) == (4, 0, 2)

    second = _run(sheet, trainer)

    assert (second.new, second.already) == (0, 4)
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 4
    assert OfflineTraining.objects.count() == 2
    year = timezone.localdate().year
    balance = Balance.objects.get(user=people[0], year=year)
    assert (balance.points, balance.hours) == (7, 3.5)  # 2×2 + 2×1.5 points
    entry = LedgerEntry.objects.filter(user=people[1]).get()
    assert entry.reason == "参加线下培训《居住证办理实务》2 学时"
    assert entry.author == trainer


def test_a_dry_run_writes_nothing(sheet, trainer):
    report = _run(sheet, trainer, dry_run=True)
    assert report.ok and report.new == 4
    assert not LedgerEntry.objects.exists()
    assert not OfflineTraining.objects.exists()


def test_every_bad_row_is_named_and_nothing_is_written(people, trainer):
    day = timezone.localdate() - datetime.timedelta(days=1)
    p = people[0]
    content = _xlsx(
        [
            (p.username, p.name, "政策宣讲", day, 2),  # row 2: fine
            ("GC9999", "", "政策宣讲", day, 2),  # row 3: no such 工号
            (people[1].username, "张冠李", "政策宣讲", day, 2),  # row 4: wrong name
            (people[2].username, "", "政策宣讲", day, "两小时"),  # row 5
            (p.username, "", "政策宣讲", day, 2),  # row 6: repeats row 2
        ]
    )

    with pytest.raises(AttendanceRejected) as rejected:
        _run(content, trainer)

    errors = [(e.row, e.column, e.message) for e in rejected.value.report.errors]
    assert errors == [
        (3, "工号", MSG_NO_SUCH_STAFF % {"code": "GC9999"}),
        (
            4,
            "姓名",
            MSG_NAME_MISMATCH
            % {"code": people[1].username, "actual": people[1].name, "given": "张冠李"},
        ),
        (5, "学时", MSG_BAD_HOURS % {"value": "两小时"}),
        (6, "", MSG_DUPLICATE_ROW % {"other": 2}),
    ]
    assert not LedgerEntry.objects.exists()
    assert not OfflineTraining.objects.exists()


def test_a_gbk_csv_from_excel_imports(people, trainer):
    day = timezone.localdate() - datetime.timedelta(days=2)
    text = "工号,姓名,培训名称,日期,学时\r\n" + "".join(
        f"{p.username},{p.name},垃圾分类政策解读,{day:%Y/%m/%d},1\r\n" for p in people
    )
    report = _run(text.encode("gbk"), trainer, name="签到.csv")
    assert report.new == 3
    training = OfflineTraining.objects.get()
    assert (training.name, training.held_on) == ("垃圾分类政策解读", day)


def test_a_changed_hours_figure_on_reimport_is_an_error_not_a_silent_award(
    people, trainer
):
    day = timezone.localdate() - datetime.timedelta(days=2)
    p = people[0]
    _run(_xlsx([(p.username, p.name, "消防安全", day, 2)]), trainer)

    with pytest.raises(AttendanceRejected) as rejected:
        _run(_xlsx([(p.username, p.name, "消防安全", day, 3)]), trainer)

    [error] = rejected.value.report.errors
    assert (error.row, error.column) == (2, "学时")
    assert "已按 2 学时入账，与表中 3 学时不符" in error.message
    assert LedgerEntry.objects.get().hours == 2


def test_attendance_beyond_the_daily_cap_posts_zero_with_the_reason(people, trainer):
    day = timezone.localdate() - datetime.timedelta(days=2)
    p = people[0]
    _run(
        _xlsx([(p.username, "", "上午场", day, 3), (p.username, "", "下午场", day, 3)]),
        trainer,
    )
    points = sorted(LedgerEntry.objects.filter(user=p).values_list("points", "reason"))
    assert points[0][0] == 2 and "已达当日上限" in points[0][1]
    assert points[1][0] == 6


def test_the_admin_flow_checks_then_imports(client, sheet, trainer, worker):
    client.force_login(worker)
    assert client.get(reverse("trainings:import")).status_code in (302, 403)

    client.force_login(trainer)
    url = reverse("trainings:import")
    checked = client.post(url, {"file": _upload(sheet)})
    assert "检查通过" in checked.content.decode()
    assert not LedgerEntry.objects.exists()

    done = client.post(url, {"confirm": "1"})

    assert done.status_code == 302
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 4
    listing = client.get(reverse("trainings:index")).content.decode()
    assert "居住证办理实务" in listing


def _upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("签到表.xlsx", content)


# ------------------------------------------------ who may post, how far back


def test_nobody_imports_points_for_himself(org, people, trainer):
    day = timezone.localdate() - datetime.timedelta(days=1)
    content = _xlsx(
        [
            (people[0].username, "", "消防安全", day, 2),
            (trainer.username, "", "消防安全", day, 2),
        ]
    )

    with pytest.raises(AttendanceRejected) as rejected:
        _run(content, trainer)

    [error] = rejected.value.report.errors
    assert (error.row, error.column) == (
        3,
        "工号",
    ) and "不能给自己记积分" in error.message
    assert not LedgerEntry.objects.exists()


def test_rows_older_than_the_window_are_refused(people, trainer, settings):
    settings.POINTS_ATTENDANCE_MAX_AGE_DAYS = 30
    old = timezone.localdate() - datetime.timedelta(days=31)
    content = _xlsx([(people[0].username, "", "消防安全", old, 2)])

    report = _run(content, trainer, dry_run=True)

    [error] = report.errors
    assert (
        error.column == "日期"
        and f"{old:%Y-%m-%d} 早于可导入的最早日期" in error.message
    )


def test_a_large_sheet_waits_for_a_second_manager(
    org, people, trainer, centre_manager, settings
):
    from points.models import AttendanceSheet
    from points.services import PointsActionRefused, attendance_sheet_decide

    settings.POINTS_ATTENDANCE_APPROVAL_ROWS = 3
    checked = _run(_big_sheet(people), trainer, dry_run=True)
    assert checked.ok and "超过 3 人次" in checked.needs_approval[0]

    held = _run(_big_sheet(people), trainer)

    assert held.sheet.status == "pending" and held.sheet.rows == 4
    assert not LedgerEntry.objects.exists()
    with pytest.raises(PointsActionRefused):
        attendance_sheet_decide(sheet=held.sheet, actor=trainer, approve=True)
    report = attendance_sheet_decide(
        sheet=held.sheet, actor=centre_manager, approve=True
    )
    assert report.new == 4
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 4
    assert AttendanceSheet.objects.get().decided_by == centre_manager
    with pytest.raises(PointsActionRefused, match="不能重复处理"):
        attendance_sheet_decide(sheet=held.sheet, actor=centre_manager, approve=True)


def _big_sheet(people):
    day = timezone.localdate() - datetime.timedelta(days=1)
    return _xlsx(
        [(p.username, "", "消防安全", day, 2) for p in people]
        + [(people[0].username, "", "急救常识", day, 1)]
    )


def test_a_sheet_reaching_into_a_closed_month_waits_and_the_approver_cannot_be_in_it(
    client, org, people, trainer, centre_manager, street_manager
):
    from points.models import AttendanceSheet
    from points.ranking import Period
    from points.services import period_freeze

    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    period_freeze(
        unit=org["拱宸桥街道"],
        period=Period.current("month", day),
        actor=street_manager,
    )
    content = _xlsx(
        [(people[0].username, "", "消防安全", day, 2)]
        + [(centre_manager.username, "", "消防安全", day, 2)]
    )
    client.force_login(trainer)
    url = reverse("trainings:import")
    checked = client.post(url, {"file": _upload(content)}).content.decode()
    assert "须由另一位管理者批准后才入账" in checked and "已结账" in checked
    client.post(url, {"confirm": "1"})
    assert not LedgerEntry.objects.exists()

    client.force_login(centre_manager)
    listing = client.get(reverse("trainings:sheets")).content.decode()
    assert "签到表.xlsx" in listing and "批准并入账" in listing
    sheet = AttendanceSheet.objects.get()
    refused = client.post(
        reverse("trainings:sheet_decide", args=[sheet.pk]),
        {"action": "approve"},
        follow=True,
    ).content.decode()
    assert "审批人本人在签到表中" in refused
    assert not LedgerEntry.objects.exists()

    client.force_login(street_manager)
    client.post(
        reverse("trainings:sheet_decide", args=[sheet.pk]), {"action": "approve"}
    )
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 2
