"""作废: voiding an order, and the clerk's request for it.

A void writes a refund entry and returns the stock; the order stays, voided. Only an admin
voids the day's orders, and only a supervisor an earlier day's (the counter's figures for
that day are already handed over). A clerk who finds a wrong order asks for its void: the
request names the order and the reason, the people who can void it see it on their list,
and it closes when the order is voided or is declined with a note. Nothing here is deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from points import audit, ledger
from points.clock import now
from points.errors import NotFound, ValidationFailed
from points.models import EntryKind, LedgerEntry, Role, User, UserRole, Village
from points.villages import village_today
from store import stock
from store.catalogue import lock_items
from store.errors import (
    AlreadyVoided,
    VoidAlreadyRequested,
    VoidNeedsSupervisor,
    VoidRequestClosed,
)
from store.models import MovementKind, Order, OrderStatus, VoidRequest
from store.orders import get_order, local_day

MAX_REASON = 200


def _reason(text: str | None, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({field: "a reason is required"})
    if len(text) > MAX_REASON:
        raise ValidationFailed({field: "at most 200 characters"})
    return text


def needs_supervisor(village: Village, order: Order) -> bool:
    """An order of an earlier day (village time) is voided by a supervisor only."""
    return local_day(village, order.created_at) != village_today(village)


def can_void(user: User, village: Village, order: Order) -> bool:
    if order.status == OrderStatus.VOIDED:
        return False
    if needs_supervisor(village, order):
        return user.has_role(Role.SUPERVISOR)
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def who_can_void(session: Session, village: Village, order: Order) -> list[User]:
    """The active logins of the village that may void this order, by name: the clerk is told
    whom to ask."""
    roles = [Role.SUPERVISOR] if needs_supervisor(village, order) else [Role.ADMIN, Role.SUPERVISOR]
    users = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.village_id == village.id, UserRole.role.in_(roles), User.active.is_(True))
        .distinct()
        .order_by(User.id)
    )
    return list(users)


def void(
    session: Session,
    *,
    village: Village,
    order_id: int,
    reason: str | None,
    by: User,
) -> Order:
    """作废: refund the points and return the stock. An order of an earlier day (village
    time) needs the supervisor role."""
    reason = _reason(reason)
    order = get_order(session, village.id, order_id)
    ledger.lock_household(session, order.household_id)
    session.refresh(order)
    if order.status == OrderStatus.VOIDED:
        raise AlreadyVoided(order_id=order.id)
    if needs_supervisor(village, order) and not by.has_role(Role.SUPERVISOR):
        raise VoidNeedsSupervisor(order_id=order.id)
    items = lock_items(session, village.id, [line.item_id for line in order.lines])
    at = now()
    for line in sorted(order.lines, key=lambda ln: ln.item_id):
        stock.apply(
            session,
            items[line.item_id],
            line.quantity,
            MovementKind.VOID,
            by_id=by.id,
            order_id=order.id,
            note=reason,
            at=at,
        )
    paid = session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.source_type == "order",
            LedgerEntry.source_id == order.id,
            LedgerEntry.kind == EntryKind.REDEMPTION,
        )
    )
    entry = ledger.post(
        session,
        household_id=order.household_id,
        amount=order.total,
        kind=EntryKind.REFUND,
        resident_id=order.resident_id,
        source=("order", order.id),
        note=f"{order.number} {reason}",
        created_by_id=by.id,
        reverses=paid,
        at=at,
    )
    order.status = OrderStatus.VOIDED
    order.voided_at = at
    order.voided_by_id = by.id
    order.void_reason = reason
    order.refund_balance_after = entry.balance_after
    session.flush()
    audit.record(
        session,
        action="order.void",
        obj=order,
        by_id=by.id,
        village_id=village.id,
        before={"status": "completed"},
        after={"status": "voided", "reason": reason},
    )
    _close_requests(session, order.id, by=by, at=at)
    return order


def request_void(
    session: Session, *, village: Village, order_id: int, reason: str | None, by: User
) -> VoidRequest:
    """申请作废: one open request an order; the order's household is locked as a void locks it,
    so a request cannot be filed for an order being voided at that moment."""
    reason = _reason(reason)
    order = get_order(session, village.id, order_id)
    ledger.lock_household(session, order.household_id)
    session.refresh(order)
    if order.status == OrderStatus.VOIDED:
        raise AlreadyVoided(order_id=order.id)
    if open_request_for(session, order.id) is not None:
        raise VoidAlreadyRequested(order_id=order.id)
    row = VoidRequest(
        village_id=village.id,
        order_id=order.id,
        reason=reason,
        requested_by_id=by.id,
        created_at=now(),
        status="open",
        decision_note="",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="order.void_request",
        obj=order,
        by_id=by.id,
        village_id=village.id,
        after={"request": row.id, "reason": reason},
    )
    return row


def decline_request(
    session: Session, *, village: Village, request_id: int, note: str | None, by: User
) -> VoidRequest:
    """The order stands: the request is closed with the reason, which the clerk sees."""
    note = _reason(note, "note")
    row = get_request(session, village.id, request_id)
    ledger.lock_household(session, row.order.household_id)
    session.refresh(row)
    if row.status != "open":
        raise VoidRequestClosed(request_id=row.id)
    if needs_supervisor(village, row.order) and not by.has_role(Role.SUPERVISOR):
        raise VoidNeedsSupervisor(order_id=row.order_id)  # whoever may void it decides
    row.status = "declined"
    row.decided_by_id = by.id
    row.decided_at = now()
    row.decision_note = note
    session.flush()
    audit.record(
        session,
        action="order.void_request_declined",
        obj=row.order,
        by_id=by.id,
        village_id=village.id,
        before={"request": row.id, "status": "open"},
        after={"request": row.id, "status": "declined", "note": note},
    )
    return row


def _close_requests(session: Session, order_id: int, *, by: User, at: datetime) -> None:
    session.execute(
        update(VoidRequest)
        .where(VoidRequest.order_id == order_id, VoidRequest.status == "open")
        .values(status="voided", decided_by_id=by.id, decided_at=at)
        .execution_options(synchronize_session="fetch")
    )


def get_request(session: Session, village_id: int, request_id: int) -> VoidRequest:
    row = session.get(VoidRequest, request_id)
    if row is None or row.village_id != village_id:
        raise NotFound("void request")
    return row


def open_request_for(session: Session, order_id: int) -> VoidRequest | None:
    return session.scalar(
        select(VoidRequest).where(VoidRequest.order_id == order_id, VoidRequest.status == "open")
    )


def latest_request_for(session: Session, order_id: int) -> VoidRequest | None:
    return session.scalar(
        select(VoidRequest).where(VoidRequest.order_id == order_id).order_by(VoidRequest.id.desc())
    )


def count_open(session: Session, village_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(VoidRequest.id)).where(
                VoidRequest.village_id == village_id, VoidRequest.status == "open"
            )
        )
        or 0
    )


def open_requests(session: Session, village_id: int) -> list[VoidRequest]:
    """The requests waiting, oldest first."""
    return list(
        session.scalars(
            select(VoidRequest)
            .where(VoidRequest.village_id == village_id, VoidRequest.status == "open")
            .order_by(VoidRequest.id)
        )
    )


def recent_requests(session: Session, village_id: int, *, limit: int = 20) -> list[VoidRequest]:
    """The latest closed requests, for the clerk to see what became of theirs."""
    return list(
        session.scalars(
            select(VoidRequest)
            .where(VoidRequest.village_id == village_id, VoidRequest.status != "open")
            .order_by(VoidRequest.id.desc())
            .limit(limit)
        )
    )
