"""Limits every input meets, wherever it comes from (a form, the API, a spreadsheet).

Text may not hold NUL or a lone surrogate: PostgreSQL refuses NUL in text and neither
database can store half of a surrogate pair, so such text would fail (differently on each
database) only when written. Dates and times must fall in the years the village calendar
supports: at the extremes of ``datetime`` a conversion to or from the village's zone, or
the day after, overflows. Whole numbers typed as text are read only when they are short
enough to be a count or an id at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from points.errors import ValidationFailed

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
BAD_TEXT = "contains characters that are not allowed"
BAD_DATE = "a date from 2000 to 2099"
# Ids and counts are 32-bit integers in the database: ten digits at most.
MAX_DIGITS = 10


def unsafe_text(text: str) -> bool:
    """True when the text holds NUL or a lone surrogate (U+D800 to U+DFFF)."""
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(fields: dict[str, Any]) -> None:
    """Refuse the first text (a value or a key, also inside lists and objects) that is unsafe.

    ``fields`` maps a field name to its value; the error names the field."""
    for name, value in fields.items():
        if isinstance(name, str) and unsafe_text(name):
            raise ValidationFailed({"body": BAD_TEXT})
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if unsafe_text(item):
                    raise ValidationFailed({_name(name): BAD_TEXT})
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list | tuple):
                stack.extend(item)


def _name(name: Any) -> str:
    return name if isinstance(name, str) and not unsafe_text(name) else "body"


def date_in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def check_date(value: date | datetime | None, field: str) -> None:
    """Refuse a date or time outside the supported years (None passes: required is apart)."""
    if value is not None and not date_in_range(value):
        raise ValidationFailed({field: BAD_DATE})


def whole_number(text: str) -> int | str:
    """A typed number as an int when it is a short string of digits (an optional minus
    sign), else the text as it came, for the domain to refuse as not a whole number.
    (``int()`` of thousands of digits is slow, and refused outright from Python 3.11.)"""
    digits = text.strip()
    bare = digits[1:] if digits.startswith("-") else digits
    if bare.isascii() and bare.isdigit() and len(bare) <= MAX_DIGITS:
        return int(digits)
    return text


MAX_ID = 2**31 - 1


def id_value(text: str) -> int:
    """An id typed in a query or form (``request.args.get(name, type=id_value)``): a
    positive whole number the database can hold; ValueError otherwise, so it reads as none."""
    value = whole_number(text)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(text)
    return value
