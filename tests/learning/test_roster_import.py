"""Roster import: dry run first, every bad row named in Chinese, all or nothing."""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.contrib.auth import get_user_model
from django.urls import reverse

from learning.roles import Role
from learning.roster import COLUMNS
from learning.services import RosterRejected, roster_export, roster_import
from tests.factories import StaffFactory
from tests.tables import csv_bytes, xlsx_bytes

User = get_user_model()


def _row(**values):
    base = {
        "工号": "R0001",
        "姓名": "张丽",
        "手机号": "13600000001",
        "所属单位": "衢州路社区",
        "岗位": "综合受理岗",
        "入职日期": "2019-04-01",
        "角色": "社工",
        "在职": "是",
        "初始密码": "Start-Here-2026",
    }
    base.update(values)
    return base


def _csv(rows, encoding="utf-8-sig"):
    return csv_bytes(COLUMNS, rows, encoding)


def _xlsx(rows):
    return xlsx_bytes(COLUMNS, rows)


@pytest.fixture
def admin_user(org):
    user = StaffFactory(org_unit=org["拱墅区"], role=Role.MANAGER)
    user.is_superuser = True
    user.save()
    return user


def test_valid_xlsx_creates_staff_with_role_unit_and_password(org, street_manager):
    content = _xlsx([_row(), _row(工号="R0002", 手机号="13600000002", 角色="培训师")])

    report = roster_import(
        content=content, filename="花名册.xlsx", actor=street_manager, dry_run=False
    )

    assert report.ok and report.new == 2
    zhang = User.objects.get(username="R0001")
    assert zhang.name == "张丽"
    assert zhang.org_unit == org["衢州路社区"]
    assert zhang.hired_on == datetime.date(2019, 4, 1)
    assert zhang.has_role(Role.WORKER)
    assert zhang.check_password("Start-Here-2026")
    assert User.objects.get(username="R0002").has_role(Role.TRAINER)


def test_dry_run_reports_but_writes_nothing(org, street_manager):
    report = roster_import(
        content=_csv([_row()]), filename="a.csv", actor=street_manager, dry_run=True
    )
    assert report.ok and report.new == 1
    assert not User.objects.filter(username="R0001").exists()


def test_duplicate_employee_number_in_file_is_an_error_naming_both_rows(
    org, street_manager
):
    rows = [_row(), _row(姓名="李强", 手机号="13600000009")]

    report = roster_import(
        content=_csv(rows), filename="dup.csv", actor=street_manager, dry_run=True
    )

    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert any("工号" in m and "R0001" in m and "第 2、3 行" in m for m in messages)
    with pytest.raises(RosterRejected):
        roster_import(
            content=_csv(rows), filename="dup.csv", actor=street_manager, dry_run=False
        )
    assert not User.objects.filter(username="R0001").exists()


def test_unknown_unit_is_reported_with_row_column_and_value(org, street_manager):
    rows = [_row(), _row(工号="R0002", 手机号="13600000002", 所属单位="火星社区")]

    report = roster_import(
        content=_xlsx(rows), filename="x.xlsx", actor=street_manager, dry_run=True
    )

    assert [(e.row, e.column) for e in report.errors] == [(3, "所属单位")]
    assert "火星社区" in report.errors[0].message


def test_rejected_file_writes_nothing_even_for_its_good_rows(org, street_manager):
    existing = StaffFactory(username="R0005", name="原名", org_unit=org["文澜社区"])
    rows = [
        _row(),
        _row(工号="R0005", 姓名="改名", 手机号="13600000005"),
        _row(工号="R0003", 手机号="13600000003", 入职日期="去年春天"),
    ]

    with pytest.raises(RosterRejected) as rejected:
        roster_import(
            content=_xlsx(rows), filename="x.xlsx", actor=street_manager, dry_run=False
        )

    assert [(e.row, e.column) for e in rejected.value.report.errors] == [
        (4, "入职日期")
    ]
    assert not User.objects.filter(username__in=["R0001", "R0003"]).exists()
    existing.refresh_from_db()
    assert existing.name == "原名"


def test_gbk_csv_is_read_with_its_chinese_intact(org, street_manager):
    content = _csv([_row(姓名="欧阳娜娜", 岗位="社会事务岗")], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    roster_import(
        content=content, filename="gbk.csv", actor=street_manager, dry_run=False
    )

    user = User.objects.get(username="R0001")
    assert user.name == "欧阳娜娜"
    assert user.position == "社会事务岗"
    assert user.org_unit == org["衢州路社区"]


def test_each_bad_field_is_named_in_chinese(org, street_manager):
    rows = [
        _row(姓名="", 手机号="12345", 角色="组长", 在职="也许", 初始密码="1"),
    ]

    report = roster_import(
        content=_csv(rows), filename="bad.csv", actor=street_manager, dry_run=True
    )

    columns = {e.column for e in report.errors}
    assert {"姓名", "手机号", "角色", "在职", "初始密码"} <= columns
    assert all(e.row == 2 for e in report.errors)
    assert any("组长" in e.message for e in report.errors)


def test_missing_required_column_is_a_file_error(org, street_manager):
    data = tablib.Dataset(headers=["工号", "姓名"])
    data.append(["R0001", "张丽"])
    report = roster_import(
        content=data.export("csv").encode(),
        filename="a.csv",
        actor=street_manager,
        dry_run=True,
    )
    assert "所属单位" in report.file_error and "角色" in report.file_error


def test_blank_lines_do_not_shift_reported_row_numbers(org, street_manager):
    content = (
        "\ufeff" + ",".join(COLUMNS) + "\n"
        "R0001,张丽,13600000001,衢州路社区,,,社工,是,\n"
        ",,,,,,,,\n"
        "R0002,李强,13600000002,不存在社区,,,社工,是,\n"
    ).encode()
    report = roster_import(
        content=content, filename="a.csv", actor=street_manager, dry_run=True
    )
    assert [(e.row, e.column) for e in report.errors] == [(4, "所属单位")]


def test_community_manager_cannot_import_into_another_unit(org, community_manager):
    report = roster_import(
        content=_csv([_row(所属单位="瓜山社区")]),
        filename="a.csv",
        actor=community_manager,
        dry_run=True,
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "所属单位")]


def test_import_cannot_take_over_staff_of_another_unit(org, community_manager):
    outsider = StaffFactory(username="R0001", org_unit=org["瓜山社区"], name="外单位")
    report = roster_import(
        content=_csv([_row()]), filename="a.csv", actor=community_manager, dry_run=True
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "工号")], report.errors
    outsider.refresh_from_db()
    assert outsider.org_unit == org["瓜山社区"]


def test_export_then_import_changes_nothing(org, admin_user):
    roster_import(
        content=_xlsx([_row(), _row(工号="R0002", 手机号="", 入职日期="", 在职="否")]),
        filename="a.xlsx",
        actor=admin_user,
        dry_run=False,
    )
    before = list(
        User.objects.order_by("username").values(
            "username",
            "name",
            "phone",
            "org_unit",
            "position",
            "hired_on",
            "is_active",
            "password",
        )
    )

    exported = roster_export(actor=admin_user, fmt="xlsx")
    report = roster_import(
        content=exported, filename="export.xlsx", actor=admin_user, dry_run=False
    )

    assert report.ok and (report.new, report.updated) == (0, 0)
    assert report.unchanged == report.total == 3  # the admin user is listed too
    after = list(
        User.objects.order_by("username").values(
            "username",
            "name",
            "phone",
            "org_unit",
            "position",
            "hired_on",
            "is_active",
            "password",
        )
    )
    assert after == before


def test_a_reimported_roster_counts_new_changed_and_unchanged_rows(org, street_manager):
    kept = _row()
    moved = _row(工号="R0002", 手机号="13600000002", 所属单位="文澜社区")
    roster_import(
        content=_xlsx([kept, moved]),
        filename="a.xlsx",
        actor=street_manager,
        dry_run=False,
    )
    moved["所属单位"] = "登云路社区"
    hired = _row(工号="R0003", 手机号="13600000003")

    report = roster_import(
        content=_csv([kept, moved, hired]),
        filename="b.csv",
        actor=street_manager,
        dry_run=True,
    )

    assert report.ok
    assert (report.new, report.updated, report.unchanged) == (1, 1, 1)


def test_an_unchanged_row_keeps_groups_besides_the_role(org, street_manager):
    from django.contrib.auth.models import Group

    from learning.roles import APPROVER_GROUP

    roster_import(
        content=_xlsx([_row(角色="培训师")]),
        filename="a.xlsx",
        actor=street_manager,
        dry_run=False,
    )
    senior = User.objects.get(username="R0001")
    senior.groups.add(Group.objects.get_or_create(name=APPROVER_GROUP)[0])

    report = roster_import(
        content=_xlsx([_row(角色="培训师")]),
        filename="a.xlsx",
        actor=street_manager,
        dry_run=False,
    )

    assert report.unchanged == 1 and report.updated == 0
    assert set(senior.groups.values_list("name", flat=True)) == {
        "培训师",
        APPROVER_GROUP,
    }


def test_the_preview_says_how_many_rows_are_unchanged(client, org, street_manager):
    roster_import(
        content=_xlsx([_row()]), filename="a.xlsx", actor=street_manager, dry_run=False
    )
    client.force_login(street_manager)
    upload = io.BytesIO(_xlsx([_row(), _row(工号="R0002", 手机号="13600000002")]))
    upload.name = "花名册.xlsx"

    preview = client.post(reverse("staff:import"), {"file": upload})
    confirmed = client.post(reverse("staff:import"), {"confirm": "1"}, follow=True)

    assert "将新增 1 人，更新 0 人，1 人无变化" in preview.content.decode()
    assert "新增 1 人，更新 0 人，1 人无变化" in confirmed.content.decode()


def test_admin_upload_previews_then_confirms(client, org, street_manager):
    client.force_login(street_manager)
    upload = io.BytesIO(_xlsx([_row()]))
    upload.name = "花名册.xlsx"

    preview = client.post(reverse("staff:import"), {"file": upload})

    assert "检查通过" in preview.content.decode()
    assert not User.objects.filter(username="R0001").exists()

    confirmed = client.post(reverse("staff:import"), {"confirm": "1"})

    assert confirmed.status_code == 302
    assert User.objects.filter(username="R0001").exists()


def test_admin_upload_lists_every_error_and_offers_no_confirm(
    client, org, street_manager
):
    client.force_login(street_manager)
    upload = io.BytesIO(_csv([_row(所属单位="火星社区"), _row()]))
    upload.name = "bad.csv"

    response = client.post(reverse("staff:import"), {"file": upload})

    html = response.content.decode()
    assert "火星社区" in html
    assert "确认导入" not in html
    assert client.post(reverse("staff:import"), {"confirm": "1"}).status_code == 200
    assert not User.objects.filter(username="R0001").exists()


def test_template_download_has_the_chinese_headers(client, org, street_manager):
    client.force_login(street_manager)
    response = client.get(reverse("staff:template") + "?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers == COLUMNS
    assert book.sheetnames == ["花名册", "填写说明"]


def test_an_employee_number_that_is_someone_elses_phone_is_refused(org, street_manager):
    """工号 and 手机号 log in through one box: the same string for two people
    would let one of them into the other's account."""
    StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER, phone="13600000077")
    rows = [_row(工号="13600000077", 手机号="13600000001")]

    report = roster_import(
        content=_xlsx(rows), filename="x.xlsx", actor=street_manager, dry_run=True
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "工号")]
    assert "手机号相同" in report.errors[0].message


def test_a_phone_that_is_someone_elses_employee_number_is_refused(org, street_manager):
    StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER, username="13600000088")
    rows = [_row(手机号="13600000088")]

    report = roster_import(
        content=_csv(rows), filename="x.csv", actor=street_manager, dry_run=True
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "手机号")]
    assert "工号相同" in report.errors[0].message
