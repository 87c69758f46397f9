"""Real .xlsx files written by the tests, and workbooks read back cell by cell."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

HEADER = ["户号", "姓名", "性别", "出生年份", "电话", "村民小组", "与户主关系", "身份证号"]


def sheet_bytes(rows: list[list], header: list[str] | None = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_book(data: bytes):
    """The first sheet of a workbook, with its cells (not only values) for type checks."""
    return load_workbook(io.BytesIO(data)).worksheets[0]
