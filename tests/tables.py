"""Spreadsheets as offices send them, for import tests."""

import io

import openpyxl
import tablib


def csv_bytes(
    columns: list[str], rows: list[dict], encoding: str = "utf-8-sig"
) -> bytes:
    data = tablib.Dataset(headers=columns)
    for row in rows:
        data.append([row.get(c, "") for c in columns])
    return data.export("csv").encode(encoding)


def xlsx_bytes(columns: list[str], rows: list[dict]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
