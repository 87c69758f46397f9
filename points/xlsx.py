"""Writing and reading .xlsx workbooks: the one place that makes text cells safe.

Every workbook the village prints starts with a title row (village, period, printed at).
A text cell is always written as text: a value such as ``=HYPERLINK("http://x","y")``
(or one starting with + - @) is typed a string and quote-prefixed, never a formula.
openpyxl (13 MB) is imported only when a workbook is written or read.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from points.errors import ValidationFailed

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(sheet, value):
    """A write-only cell holding ``value``; text stays text whatever it starts with."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def workbook(
    sheet_title: str, title: str, headers: list[str], rows, *, period: str = "", printed_at=None
) -> bytes:
    """One sheet: the title row (``title`` · period · printed at), the headers, the rows."""
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    printed = printed_at.strftime("%Y-%m-%d %H:%M") if printed_at is not None else ""
    heading = [title]
    if period:
        heading.append(period)
    if printed:
        heading.append(printed)
    sheet.append([safe_cell(sheet, v) for v in heading])
    sheet.append([safe_cell(sheet, h) for h in headers])
    for row in rows:
        sheet.append([safe_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(data: bytes, *, max_rows: int) -> list[tuple]:
    """The first sheet's rows as values (at most ``max_rows`` + 1); bad files are a 400."""
    try:
        from openpyxl import load_workbook  # noqa: PLC0415

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ValidationFailed({"file": "an .xlsx file"}) from None
    try:
        if not book.worksheets:
            return []
        return list(book.worksheets[0].iter_rows(values_only=True, max_row=max_rows + 1))
    finally:
        book.close()


def text(value) -> str:
    """A cell read back as text: whole numbers without ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value).strip()
