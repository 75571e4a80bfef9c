"""Reading spreadsheets as Chinese offices save them: XLSX, or CSV in UTF-8 or GBK."""

import datetime
from dataclasses import dataclass

import tablib
from django.utils.translation import gettext_lazy as _

MSG_UNSUPPORTED_FORMAT = _(
    "只支持 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。"
)
MSG_UNKNOWN_ENCODING = _("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 GBK 编码。")
MSG_UNREADABLE = _("文件无法读取，请确认它是有效的 %(format)s 文件。")
MSG_MISSING_COLUMNS = _("缺少必填列：%(columns)s。请使用下载的模板。")
MSG_UNKNOWN_COLUMNS = _("无法识别的列：%(columns)s。请使用下载的模板的列名。")
MSG_EMPTY = _("文件中没有数据行。")


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
    return str(value).strip()


def read_table(
    content: bytes, filename: str, columns: list[str], required: list[str]
) -> Table:
    """Load the first sheet with clean headers, skipping blank rows."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        fmt = "xlsx"
        try:
            raw = tablib.Dataset().load(content, format="xlsx")
        except Exception as exc:
            raise TableFileError(str(MSG_UNREADABLE % {"format": "Excel"})) from exc
    elif name.endswith(".csv"):
        fmt = "csv"
        text = decode_text(content)
        try:
            raw = tablib.Dataset().load(text, format="csv")
        except Exception as exc:
            raise TableFileError(str(MSG_UNREADABLE % {"format": "CSV"})) from exc
    else:
        raise TableFileError(str(MSG_UNSUPPORTED_FORMAT))

    headers = [
        str(h or "").strip().lstrip("\ufeff").rstrip("*") for h in raw.headers or []
    ]
    missing = [c for c in required if c not in headers]
    if missing:
        raise TableFileError(str(MSG_MISSING_COLUMNS % {"columns": "、".join(missing)}))
    unknown = [h for h in headers if h and h not in columns]
    if unknown:
        raise TableFileError(str(MSG_UNKNOWN_COLUMNS % {"columns": "、".join(unknown)}))

    data = tablib.Dataset(headers=headers)
    row_numbers = []
    for index, row in enumerate(raw, start=2):
        cells = [_normalise_cell(v) for v in row]
        if any(c != "" for c in cells):
            data.append(cells)
            row_numbers.append(index)
    if not len(data):
        raise TableFileError(str(MSG_EMPTY))
    return Table(dataset=data, row_numbers=row_numbers, format=fmt)
