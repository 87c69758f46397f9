"""The JSON API's plumbing: input schemas, one decorator per endpoint, idempotency, lists.

``@endpoint`` validates the body or query with a marshmallow schema, passes the clean values
to the view, commits once when the view succeeds, stores the response for an
``Idempotency-Key`` and records what the OpenAPI document says about the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError

from app.db import get_session
from points import idempotency
from points.errors import ValidationFailed
from points.inputs import BAD_DATE, date_in_range

# marshmallow's own messages, mapped to the message ids the catalogue translates.
_MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": "required",
    "Field may not be null.": "required",
    "Not a valid integer.": "must be a whole number",
    "Unknown field.": "unknown field",
    "Not a valid date.": "not a valid date",
    "Not a valid datetime.": "not a valid date",
    "Must be greater than or equal to 1 and less than or equal to 500.": "out of range",
    "out of range": "out of range",
}

# Ids are 32-bit integers in the database: a bigger one must be a 400, not PostgreSQL's
# "integer out of range" 500 (SQLite would simply find nothing).
INT32_BOUNDS = (-(2**31), 2**31 - 1)


def id_field(**kw: Any) -> fields.Integer:
    """An integer field for an object id, bounded to what the database can hold."""
    # The range is checked once for every number in load(); here it is only documented.
    metadata = {"minimum": INT32_BOUNDS[0], "maximum": INT32_BOUNDS[1], **kw.pop("metadata", {})}
    return fields.Integer(metadata=metadata, **kw)


def _first_message(value: Any) -> str:
    while isinstance(value, list | dict):
        if isinstance(value, dict):
            value = next(iter(value.values()), "")
        else:
            value = value[0] if value else ""
    return _MARSHMALLOW_MESSAGES.get(str(value), "not a valid value")


def load(schema: Schema, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        raise ValidationFailed({k: _first_message(v) for k, v in messages.items()}) from None
    out_of_range = {name: _range_problem(value) for name, value in loaded.items()}
    out_of_range = {name: problem for name, problem in out_of_range.items() if problem}
    if out_of_range:
        raise ValidationFailed(out_of_range)
    return loaded


def _range_problem(value: Any) -> str | None:
    """Whole numbers fit the database's integer columns and dates the supported years
    (also inside lists and objects); the message id of the first that does not, or None."""
    if isinstance(value, date):  # a datetime too
        return None if date_in_range(value) else BAD_DATE
    if isinstance(value, list | tuple | dict):
        for item in value.values() if isinstance(value, dict) else value:
            problem = _range_problem(item)
            if problem:
                return problem
        return None
    return None if _fits_int32(value) else "out of range"


def _fits_int32(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return INT32_BOUNDS[0] <= value <= INT32_BOUNDS[1]
    return True


class Body(Schema):
    class Meta:
        unknown = RAISE


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


class ListQuery(Query):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(
        load_default=None, metadata={"description": "next_cursor of the previous page"}
    )


def list_response(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def endpoint(
    *,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    responses: dict[int, str] | None = None,
    errors: tuple[str, ...] = (),
    idempotent: bool = False,
    summary: str = "",
) -> Callable:
    """Wrap an API view. The view returns ``(payload, status)`` and never commits itself."""

    # Built once: a schema keeps no state between loads, and building one copies its fields.
    body_schema = body() if body is not None else None
    query_schema = query() if query is not None else None

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if body_schema is not None:
                raw = request.get_json(silent=True)
                kwargs["data"] = load(body_schema, raw if raw is not None else None)
            if query_schema is not None:
                kwargs["args"] = load(query_schema, request.args.to_dict())
            session = get_session()
            record = None
            key = (
                idempotency.clean_key(request.headers.get("Idempotency-Key"))
                if idempotent
                else None
            )
            if key is not None:
                user = g.actor
                fingerprint = idempotency.request_fingerprint(
                    request.method, request.path, request.get_json(silent=True)
                )
                existing = idempotency.find(session, user.id, key, fingerprint)
                if existing is not None and existing.status_code:
                    return _json(existing.response, existing.status_code, replayed=True)
                try:
                    record = idempotency.claim(session, user.id, key, fingerprint)
                except IntegrityError:
                    # A concurrent twin claimed the key first and has committed by now.
                    session.rollback()
                    existing = idempotency.find(session, user.id, key, fingerprint)
                    if existing is not None and existing.status_code:
                        return _json(existing.response, existing.status_code, replayed=True)
                    raise
            payload, status = view(*args, **kwargs)
            if record is not None:
                idempotency.complete(record, status, payload)
            if request.method not in ("GET", "HEAD"):
                session.commit()
            return _json(payload, status)

        wrapper.openapi = {
            "body": body,
            "query": query,
            "responses": responses or {200: "OK"},
            "errors": errors,
            "idempotent": idempotent,
            "summary": summary or (view.__doc__ or "").strip().split("\n")[0],
            "roles": getattr(view, "required_roles", ()),
        }
        return wrapper

    return decorator


def binary(*, media_types: tuple[str, ...], summary: str, errors: tuple[str, ...] = ()) -> Callable:
    """Document a view that answers with a file (an image) rather than JSON."""

    def decorator(view: Callable) -> Callable:
        view.openapi = {
            "body": None,
            "query": None,
            "responses": {200: summary},
            "errors": errors,
            "idempotent": False,
            "summary": summary,
            "roles": getattr(view, "required_roles", ()),
            "media_types": media_types,
        }
        return view

    return decorator


def _json(payload: dict[str, Any], status: int, *, replayed: bool = False):
    response = jsonify(payload)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
