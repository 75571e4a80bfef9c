"""Exports never hand a spreadsheet a formula to run: a text cell that starts
with = + - @ (or a tab or CR) is written as text, in every XLSX and CSV."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from learning.roles import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://e.cn","点")'  # fits the 30-character name


@pytest.fixture
def hostile(org):
    return StaffFactory(
        org_unit=org["衢州路社区"], role=Role.WORKER, name=HOSTILE, position="@SUM(1+1)"
    )


def _content(response):
    return (
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def _csv_cells(response):
    text = _content(response).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_cells(response):
    book = openpyxl.load_workbook(io.BytesIO(_content(response)))
    return [c for sheet in book for row in sheet.iter_rows() for c in row]


def test_csv_exports_put_an_apostrophe_before_a_formula(
    client, hostile, street_manager
):
    client.force_login(street_manager)

    for url in (
        reverse("staff:export") + "?format=csv",
        reverse("staff:index") + "?export=csv",
    ):
        cells = _csv_cells(client.get(url))
        assert "'" + HOSTILE in cells, url
        assert HOSTILE not in cells, url
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], url


def test_xlsx_exports_write_a_formula_as_shown_text(client, hostile, street_manager):
    client.force_login(street_manager)

    for url in (
        reverse("staff:export") + "?format=xlsx",
        reverse("staff:index") + "?export=xlsx",
    ):
        cells = {c.value: c for c in _xlsx_cells(client.get(url))}
        for value in (HOSTILE, "@SUM(1+1)"):
            if value not in cells:
                continue
            cell = cells[value]
            assert cell.data_type == "s" and cell.quotePrefix, (url, value)
        assert HOSTILE in cells, url


def test_an_exported_roster_imports_back_unchanged(hostile, street_manager):
    from learning.services import roster_export, roster_import

    exported = roster_export(actor=street_manager, fmt="csv")

    report = roster_import(
        content=exported, filename="花名册.csv", actor=street_manager, dry_run=True
    )

    assert report.ok, report.errors
    assert (report.new, report.updated) == (0, 0)
