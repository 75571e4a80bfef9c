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


def xlsx_zip_bomb(uncompressed_bytes: int) -> bytes:
    """A valid one-row workbook whose sheet XML is padded with empty rows to
    about `uncompressed_bytes`: a few KB zipped per 100 MB unpacked. Written
    in chunks, so building a 1 GB bomb never holds it in memory."""
    import zipfile

    real = tablib.Dataset(("GC1", "张三"), headers=["工号", "姓名"]).export("xlsx")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(real)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            data = source.read(info)
            if not info.filename.endswith("sheet1.xml"):
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = b"<row/>" * min(100_000, uncompressed_bytes // 6 + 1)
                for _ in range(max(1, uncompressed_bytes // len(chunk))):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()
