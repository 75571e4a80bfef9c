"""Every spreadsheet the product hands out has columns wide enough for its
Chinese headers and content (a Chinese character takes two), within a cap."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from learning.tables import (
    XLSX_MAX_WIDTH,
    XLSX_MIN_WIDTH,
    column_widths,
    display_width,
)
from points.services import certificate_batch_start, points_award
from tests.factories import StaffFactory


def test_a_chinese_character_takes_two_columns():
    assert display_width("桥西片区公共服务中心") == 20
    assert display_width("GC0001") == 6
    assert display_width("全角ＡＢ") == 8
    assert column_widths([["名次", "说" * 80], [1, None]]) == [
        XLSX_MIN_WIDTH,
        XLSX_MAX_WIDTH,
    ]


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _assert_fitted(content: bytes, where: str):
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for column in sheet.iter_cols():
            letter = column[0].column_letter
            width = sheet.column_dimensions[letter].width
            needed = max(display_width(_shown(cell)) for cell in column)
            assert min(needed, XLSX_MAX_WIDTH) <= width <= XLSX_MAX_WIDTH, (
                where,
                sheet.title,
                column[0].value,
                width,
                needed,
            )


def _shown(cell):
    """What Excel shows: a date or time in its number format, else the value."""
    if isinstance(cell.value, datetime.datetime):
        return cell.number_format.replace("hh", "00").replace("mm", "00")
    return cell.value


@pytest.fixture
def office(org, street_manager, django_capture_on_commit_callbacks):
    worker = StaffFactory(
        org_unit=org["衢州路社区"],
        role=Role.WORKER,
        name="欧阳晓燕",
        position="综合受理与代办服务岗位",
        hired_on=datetime.date(2017, 1, 2),
    )
    last_year = timezone.localdate().year - 1
    points_award(
        user=worker,
        rule_code="TRAIN_ATTEND",
        source=("training", 1),
        quantity=2,
        occurred_at=timezone.make_aware(datetime.datetime(last_year, 6, 1, 9)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(
            actor=street_manager,
            unit=org["衢州路社区"],
            kind="hours",
            year=last_year,
        )
    return batch, last_year


@pytest.mark.django_db
def test_every_excel_download_fits_its_columns(client, office, street_manager):
    batch, last_year = office
    client.force_login(street_manager)
    downloads = {
        "roster": reverse("staff:export") + "?format=xlsx",
        "roster template": reverse("staff:template") + "?format=xlsx",
        "staff list": reverse("staff:index") + "?export=xlsx",
        "ledger": reverse("ledger:index") + "?export=xlsx",
        "ranking": reverse("points_rankings") + f"?year={last_year}&format=xlsx",
        "attendance template": reverse("trainings:template"),
    }
    for where, url in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, where
        _assert_fitted(_content(response), where)

    served = client.get(reverse("certificate_batches:download", args=[batch.pk]))
    archive = zipfile.ZipFile(io.BytesIO(_content(served)))
    _assert_fitted(archive.read("证书清单.xlsx"), "certificate list")


@pytest.mark.django_db
def test_the_ledger_export_gives_times_in_shanghai(client, office, street_manager):
    client.force_login(street_manager)
    response = client.get(reverse("ledger:index") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    [moment] = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert moment.hour == 9  # 09:00 in Hangzhou, not 01:00 UTC
