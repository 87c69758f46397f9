"""The audit log of staff actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from points.clock import now
from points.db import DirectStatement, insert_values
from points.errors import ValidationFailed
from points.models import AuditLog, User


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


# The audit row of a hot path (a redemption), written on the driver's cursor: through the
# ORM it cost a redemption about a quarter of its CPU time (``python -m bench.calls``).
_INSERT_ROW = DirectStatement(insert_values(AuditLog.__table__))


def record_direct(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: int | None,
    by_id: int | None,
    village_id: int | None,
    after: dict[str, Any] | None = None,
) -> None:
    """:func:`record` for a request whose speed is measured: the same row, inside the
    caller's write transaction, without the mapped object."""
    _INSERT_ROW.execute(
        session.connection(),
        {
            "village_id": village_id,
            "user_id": by_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": None,
            "after": after,
            "created_at": now(),
        },
    )


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """Plain values of ``fields`` for the before/after columns."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.value if hasattr(value, "value") else value
    return out


# ---------------------------------------------------------------- reading the log

MAX_PAGE = 200
MAX_EXPORT = 50_000  # rows in one .xlsx export


@dataclass
class AuditPage:
    rows: list[Any]  # (AuditLog, username or None, display name or None)
    total: int
    offset: int
    limit: int


def _filtered(village_id: int, *, user_id, kind, since, until):
    stmt = select(AuditLog, User.username, User.full_name).outerjoin(
        User, User.id == AuditLog.user_id
    )
    stmt = stmt.where(AuditLog.village_id == village_id)
    if user_id is not None:
        stmt = stmt.where(AuditLog.user_id == user_id)
    if kind:
        # a family ("order") or one action ("order.void")
        stmt = stmt.where(or_(AuditLog.action == kind, AuditLog.action.like(f"{kind}.%")))
    if since is not None:
        stmt = stmt.where(AuditLog.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.created_at < until)
    return stmt


def search(
    session: Session,
    village_id: int,
    *,
    user_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AuditPage:
    """The village's log, newest first, filtered by who acted, the kind of action (a family
    such as ``order`` or one action such as ``order.void``) and a time range [since, until)."""
    if not 1 <= limit <= max(MAX_PAGE, MAX_EXPORT) or offset < 0:
        raise ValidationFailed({"limit": "out of range"})
    if kind is not None and (len(kind) > 64 or not all(c.isalnum() or c in "._" for c in kind)):
        raise ValidationFailed({"kind": "not a kind of action"})
    stmt = _filtered(village_id, user_id=user_id, kind=kind, since=since, until=until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.execute(
        stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(limit).offset(offset)
    ).all()
    return AuditPage(list(rows), int(total or 0), offset, limit)


def kinds(session: Session, village_id: int) -> list[str]:
    """The families of actions the village's log holds (``order``, ``stock``...)."""
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.village_id == village_id).distinct()
    )
    return sorted({a.split(".", 1)[0] for a in actions})


def actors(session: Session, village_id: int) -> list[tuple[int, str]]:
    """Who appears in the village's log: (user id, login name), by name."""
    stmt = (
        select(User.id, User.username)
        .join(AuditLog, AuditLog.user_id == User.id)
        .where(AuditLog.village_id == village_id)
        .distinct()
        .order_by(User.username)
    )
    return [(i, n) for i, n in session.execute(stmt)]


def summary(values: dict[str, Any] | None) -> str:
    """Before/after values as one line of text: ``key=value; key=value``."""
    if not values:
        return ""
    return "; ".join(f"{k}={v}" for k, v in values.items())
