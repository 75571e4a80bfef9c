"""Uploads that would exhaust the server are refused early, in Chinese."""

import datetime

import pytest
import tablib

from learning.tables import TableFileError, read_table
from tests.tables import xlsx_zip_bomb

COLUMNS = ["工号", "姓名"]


def _csv(rows: int) -> bytes:
    lines = ["工号,姓名"] + [f"GC{n:05d},张三" for n in range(rows)]
    return "\n".join(lines).encode()


def test_a_file_past_the_row_limit_is_refused_naming_the_limit(settings):
    settings.IMPORT_MAX_ROWS = 50

    assert len(read_table(_csv(50), "a.csv", COLUMNS, ["工号"]).dataset) == 50
    for name, content in [
        ("a.csv", _csv(51)),
        (
            "a.xlsx",
            tablib.Dataset(
                *[(f"GC{n}", "张三") for n in range(51)], headers=COLUMNS
            ).export("xlsx"),
        ),
    ]:
        with pytest.raises(TableFileError, match="超过 50 行数据"):
            read_table(content, name, COLUMNS, ["工号"])


def test_a_sheet_of_empty_rows_is_refused_before_it_is_read_to_the_end(settings):
    settings.IMPORT_MAX_ROWS = 50
    content = ("工号,姓名\n" + ",\n" * 10_000 + "GC1,张三\n").encode()

    with pytest.raises(TableFileError, match="超过 50 行数据"):
        read_table(content, "a.csv", COLUMNS, ["工号"])


def test_a_zip_bomb_is_refused_before_its_sheet_is_unpacked(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = xlsx_zip_bomb(2_400_000)

    assert len(bomb) < 100_000
    with pytest.raises(TableFileError, match="解压后超过 1 MB"):
        read_table(bomb, "a.xlsx", COLUMNS, ["工号"])


def test_headers_are_checked_before_any_row(settings):
    with pytest.raises(TableFileError, match="缺少必填列：工号"):
        read_table(("姓名\n" + "张三\n" * 100).encode(), "a.csv", COLUMNS, ["工号"])
    with pytest.raises(TableFileError, match="有效的 Excel"):
        read_table(b"not a zip", "a.xlsx", COLUMNS, ["工号"])


@pytest.mark.django_db
def test_a_sheet_with_thousands_of_errors_lists_the_first_hundred(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from learning.roles import Role
    from tests.factories import StaffFactory

    manager = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.MANAGER)
    day = datetime.date.today() - datetime.timedelta(days=1)
    content = ("工号,培训名称,日期,学时\n" + f"NOSUCH,消防,{day},2\n" * 300).encode()
    client.force_login(manager)

    page = client.post(
        reverse("trainings:import"), {"file": SimpleUploadedFile("签到.csv", content)}
    ).content.decode()

    assert page.count("NOSUCH 不存在或已离职") == 100
    assert "另有 200 处未列出" in page
