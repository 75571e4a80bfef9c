"""Spreadsheets as Chinese offices use them: reading XLSX, or CSV in UTF-8 or
GBK; writing XLSX whose columns fit their Chinese headers and content."""

import datetime
import io
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import tablib
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MSG_UNSUPPORTED_FORMAT = _(
    "只支持 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。"
)
MSG_UNKNOWN_ENCODING = _("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 GBK 编码。")
MSG_UNREADABLE = _("文件无法读取，请确认它是有效的 %(format)s 文件。")
MSG_MISSING_COLUMNS = _("缺少必填列：%(columns)s。请使用下载的模板。")
MSG_UNKNOWN_COLUMNS = _("无法识别的列：%(columns)s。请使用下载的模板的列名。")
MSG_EMPTY = _("文件中没有数据行。")
MSG_TOO_MANY_ROWS = _("文件超过 %(limit)d 行数据，请拆分成几个文件分别导入。")
MSG_TOO_BIG_UNPACKED = _(
    "文件解压后超过 %(mb)d MB（可能含有大量空行或格式），请只保留数据后另存再上传。"
)


class TableFileError(ValueError):
    """The file as a whole cannot be read; nothing row-specific to report."""


@dataclass
class Table:
    dataset: tablib.Dataset
    # row_numbers[i] is the spreadsheet row of dataset row i (blank rows dropped).
    row_numbers: list[int]
    format: str


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number: the header is row 1
    column: str
    message: str

    def __str__(self):
        if self.column:
            return f"第 {self.row} 行，{self.column}：{self.message}"
        return f"第 {self.row} 行：{self.message}"


# A text cell starting with one of these is run as a formula (or a DDE call)
# by Excel or WPS when an export is opened: exports write such cells as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value):
    """A CSV cell as plain text: a leading apostrophe keeps spreadsheets from
    running it. Reading a file back (read_table) takes the apostrophe off."""
    return "'" + value if is_formula_like(value) else value


def csv_bytes(dataset: tablib.Dataset) -> bytes:
    """UTF-8 CSV with a BOM (so Excel picks the encoding), every text cell safe."""
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([csv_safe(v) for v in row])
    return ("\ufeff" + safe.export("csv")).encode("utf-8")


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(str(MSG_UNKNOWN_ENCODING))


def _normalise_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        # Excel stores codes and phone numbers typed as numbers as floats.
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if text.startswith("'") and is_formula_like(text[1:]):
        return text[1:]  # an exported cell made safe (csv_safe), read back
    return text


def _limits() -> tuple[int, int]:
    return settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def _xlsx_rows(content: bytes):
    """The first sheet's rows, streamed: a workbook whose parts unpack to more
    than the limit (a zip bomb, or a sheet padded with empty rows) is refused
    before a single row is read."""
    import zipfile

    from openpyxl import load_workbook

    _max_rows, max_bytes = _limits()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise TableFileError(str(MSG_UNREADABLE % {"format": "Excel"})) from exc
    if unpacked > max_bytes:
        raise TableFileError(
            str(MSG_TOO_BIG_UNPACKED % {"mb": max_bytes // (1024 * 1024)})
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.active
        yield from sheet.iter_rows(values_only=True)
    except TableFileError:
        raise
    except Exception as exc:
        raise TableFileError(str(MSG_UNREADABLE % {"format": "Excel"})) from exc


def _csv_rows(content: bytes):
    import csv

    text = decode_text(content)
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise TableFileError(str(MSG_UNREADABLE % {"format": "CSV"})) from exc


def read_table(
    content: bytes, filename: str, columns: list[str], required: list[str]
) -> Table:
    """Load the first sheet with clean headers, skipping blank rows.

    The file is streamed: headers are checked before any row is read, and a
    file past IMPORT_MAX_ROWS data rows is refused as soon as the reader gets
    there, so no upload holds the server for long or fills its memory.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        fmt, rows = "xlsx", _xlsx_rows(content)
    elif name.endswith(".csv"):
        fmt, rows = "csv", _csv_rows(content)
    else:
        raise TableFileError(str(MSG_UNSUPPORTED_FORMAT))

    header_row = next(rows, None) or ()
    headers = [str(h or "").strip().lstrip("\ufeff").rstrip("*") for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    missing = [c for c in required if c not in headers]
    if missing:
        raise TableFileError(str(MSG_MISSING_COLUMNS % {"columns": "、".join(missing)}))
    unknown = [h for h in headers if h and h not in columns]
    if unknown:
        raise TableFileError(str(MSG_UNKNOWN_COLUMNS % {"columns": "、".join(unknown)}))

    max_rows, _max_bytes = _limits()
    width = len(headers)
    data = tablib.Dataset(headers=headers)
    row_numbers = []
    for index, row in enumerate(rows, start=2):
        # Blank rows are skipped, but count towards the limit twice over: a
        # sheet of a million empty rows is refused as soon as a full one is.
        if len(row_numbers) >= max_rows or index > 2 * max_rows + 1:
            raise TableFileError(str(MSG_TOO_MANY_ROWS % {"limit": max_rows}))
        cells = [_normalise_cell(v) for v in itertools.islice(row, width)]
        if not any(c != "" for c in cells):
            continue
        cells += [""] * (width - len(cells))
        data.append(cells)
        row_numbers.append(index)
    if not len(data):
        raise TableFileError(str(MSG_EMPTY))
    return Table(dataset=data, row_numbers=row_numbers, format=fmt)


# ------------------------------------------------------------------ writing

YES = _("是")
NO = _("否")
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 50
# Widths are measured on the header and the first rows, so a long export is
# written as it streams rather than read twice.
XLSX_WIDTH_SAMPLE = 500


@dataclass
class Sheet:
    """One worksheet to write: a title, the header row and the data rows."""

    title: str
    headers: list[str]
    rows: Iterable[Sequence]

    @classmethod
    def of(cls, dataset: tablib.Dataset) -> "Sheet":
        return cls(dataset.title or "Sheet1", list(dataset.headers or []), dataset)


def display_width(value) -> int:
    """How many columns of a spreadsheet the value needs: a Chinese character,
    as any full-width one, takes two."""
    lines = _cell_text(value).splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        for line in lines
    )


def column_widths(rows: Iterable[Sequence]) -> list[int]:
    """Each column as wide as its widest cell and a margin, within bounds."""
    widest: list[int] = []
    for row in rows:
        for index, value in enumerate(row):
            if index == len(widest):
                widest.append(0)
            widest[index] = max(widest[index], display_width(value))
    return [min(XLSX_MAX_WIDTH, max(XLSX_MIN_WIDTH, w + 2)) for w in widest]


def xlsx_bytes(*sheets: "Sheet | tablib.Dataset") -> bytes:
    """Every spreadsheet the product hands out: columns fitted to their header
    and content, the header bold and frozen, times in Asia/Shanghai, and text
    that starts with "=" kept as text rather than run as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        if isinstance(sheet, tablib.Dataset):
            sheet = Sheet.of(sheet)
        worksheet = book.create_sheet(title=sheet.title[:31])
        rows = iter(sheet.rows)
        sample = list(itertools.islice(rows, XLSX_WIDTH_SAMPLE))
        for index, width in enumerate(column_widths([sheet.headers, *sample]), 1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        if sheet.headers:
            worksheet.freeze_panes = "A2"
            header = []
            for title in sheet.headers:
                cell = WriteOnlyCell(worksheet, str(title))
                cell.font = bold
                header.append(cell)
            worksheet.append(header)
        for row in itertools.chain(sample, rows):
            worksheet.append([_cell(worksheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return "2000-01-01 00:00"
    if isinstance(value, datetime.date):
        return "2000-01-01"
    return str(value)


def _cell(worksheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(worksheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(worksheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, bool):
        value = str(YES if value else NO)
    elif isinstance(value, Promise):
        value = str(value)
    cell = WriteOnlyCell(worksheet, value)
    if cell.data_type == "f" or is_formula_like(value):
        # Text, and shown as text even when someone edits the cell in Excel.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
