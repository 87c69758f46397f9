"""Where requests are read: JSON bodies, forms and query strings are checked once here.

Every JSON body the app reads goes through :class:`GuardedJSON` (``app.json``): nesting deeper
than ``MAX_JSON_DEPTH`` (which would otherwise end in a RecursionError while parsing or
later), NaN, Infinity and numbers too large for a float, NUL and lone surrogates are
refused with a 400 before any view sees the body.
Form fields, query arguments and uploaded file names are checked for the same characters
by :func:`refuse_unsafe_text`, a hook that runs before every view, pages and API alike.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from points.errors import ValidationFailed
from points.inputs import check_text

# The API's bodies are a few levels deep; a few hundred would hit Python's recursion limit.
MAX_JSON_DEPTH = 32
TOO_DEEP = "nested too deep"


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; 1e999 would be infinity (OverflowError
    where an integer field turns it into an int)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValidationFailed({"body": "out of range"})
    return value


def _no_constant(name: str) -> Any:
    """NaN, Infinity and -Infinity: Python's json reads them, JSON has none."""
    raise ValidationFailed({"body": "not a valid value"})


class GuardedJSON(DefaultJSONProvider):
    """Flask's JSON (``app.json``, which reads every request's body), refusing what no
    endpoint accepts before it reaches one, as a 400 naming the field."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_float", _finite)
        kwargs.setdefault("parse_constant", _no_constant)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValidationFailed({"body": TOO_DEEP}) from None
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise ValidationFailed({"body": TOO_DEEP})
        check_text(value if isinstance(value, dict) else {"body": value})
        return value


def refuse_unsafe_text() -> None:
    """NUL or a lone surrogate in a query argument, a form field, a file name or a JSON body,
    or a JSON body nested too deep: 400."""
    if request.args:
        check_text({k: request.args.getlist(k) for k in request.args})
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            # Read (and kept for the view) here, so that a route which ignores its body
            # refuses a hostile one too. A JSON body has no form fields or files: parsing
            # it as a form as well would be a check-in's and a redemption's work for nothing.
            request.get_json(silent=True)
            return
        check_text({k: request.form.getlist(k) for k in request.form})
        check_text({k: [f.filename or "" for f in request.files.getlist(k)] for k in request.files})


def register(app: Flask) -> None:
    app.before_request(refuse_unsafe_text)
