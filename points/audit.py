"""The audit log of staff actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from points.models import AuditLog


def record(
    session: Session,
    *,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    by_id: int | None,
    village_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    row = AuditLog(
        village_id=village_id,
        user_id=by_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        before=before,
        after=after,
    )
    session.add(row)
    session.flush()
    return row


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """Plain values of ``fields`` for the before/after columns."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.value if hasattr(value, "value") else value
    return out
