"""The village office's workbooks: written with a title row (village, period, printed at)
and every cell through :func:`points.sheets.xlsx_row` (a text such as
``=HYPERLINK("http://x","y")`` stays text, never a formula), and read back for imports.
openpyxl (13 MB) is imported only when a workbook is written or read.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from points.errors import ValidationFailed
from points.sheets import xlsx_row


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
    sheet.append(xlsx_row(sheet, heading))
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
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
