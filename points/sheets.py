"""Rows written into exported spreadsheets (.xlsx and CSV) as data, never as formulas.

A name, reason or note is typed by people; one that starts with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) would run as a formula when the export is opened
(``=HYPERLINK(...)`` sending a click, with the sheet's data, to another site). Every exporter
writes its rows through :func:`xlsx_row` or :func:`csv_row`:

- in .xlsx a text cell is stored with the text type, whatever it starts with (the value is
  unchanged, and a spreadsheet shows it as typed); characters the file format cannot hold
  (control characters) are dropped instead of failing the export;
- in CSV, which has no types, such a text gets a leading apostrophe, which spreadsheets
  read as "this is text" (OWASP's advice for CSV injection).

Numbers, dates and empty cells are written as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The characters an .xlsx cell cannot hold (XML 1.0 forbids them).
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row whose text cells cannot be read as formulas."""
    return ["'" + v if formula_like(v) else v for v in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append(...)`` (an openpyxl worksheet, write-only or not) with every
    text cell typed as text."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415  (only when someone exports)

    row = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=_ILLEGAL_XLSX.sub("", value))
            cell.data_type = "s"
        else:
            cell = WriteOnlyCell(sheet, value=value)
        row.append(cell)
    return row
