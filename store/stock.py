"""Stock movements: every change of an item's stock is a row; the cached figure follows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import Connection, Insert, Integer, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from points import audit
from points.clock import now
from points.db import DirectStatement, attach_inserted, begin_write, insert_values
from points.errors import NotFound, ValidationFailed
from store.errors import NegativeStock
from store.locks import lock_items
from store.models import Funding, Item, MovementKind, StockMovement

# Kinds a person posts by hand, and the sign each allows.
MANUAL_KINDS = {
    MovementKind.PURCHASE: 1,
    MovementKind.DONATION: 1,
    MovementKind.DAMAGE: -1,
    MovementKind.COUNT: 0,
}
MAX_DELTA = 100_000


def clean_delta(value: Any, field: str = "delta") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({field: "must be a whole number"})
    if value == 0 or abs(value) > MAX_DELTA:
        raise ValidationFailed({field: "not zero, at most 100000 either way"})
    return value


def clean_kind(kind: Any) -> MovementKind:
    try:
        kind = MovementKind(kind)
    except ValueError:
        raise ValidationFailed({"reason": "purchase, donation, count or damage"}) from None
    if kind not in MANUAL_KINDS:
        raise ValidationFailed({"reason": "purchase, donation, count or damage"})
    return kind


def clean_funding(funding: Any) -> Funding | None:
    if funding in (None, ""):
        return None
    try:
        return Funding(funding)
    except ValueError:
        raise ValidationFailed({"funding": "budget, donation, collective or other"}) from None


_ITEMS = Item.__table__
_MOVEMENTS = StockMovement.__table__
# Built once: a redemption runs this inside the write lock on SQLite. The change is relative
# and conditional, so it is right whether or not the caller locked the item, and on
# PostgreSQL an unlocked caller holds the item's row only from here to its commit.
_CHANGE_STOCK = DirectStatement(
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"), _ITEMS.c.stock + bindparam("delta") >= 0)
    .values(stock=_ITEMS.c.stock + bindparam("delta"))
    .returning(_ITEMS.c.stock)
)
_STOCK_NOW = select(_ITEMS.c.stock).where(_ITEMS.c.id == bindparam("item_id"))
_INSERT_MOVEMENT = insert(_MOVEMENTS).returning(_MOVEMENTS.c.id)
_INSERT_MOVEMENTS = DirectStatement(insert_values(_MOVEMENTS))


def _change_and_record() -> Insert:
    """PostgreSQL: :data:`_CHANGE_STOCK` and the movement it makes in one statement (a
    data-modifying WITH); no row back means the stock was short and nothing was written.
    Its parameters are named apart from the item's columns: an UPDATE given a parameter
    named like a column would set that column too."""
    delta = bindparam("delta", type_=Integer)
    taken = (
        update(_ITEMS)
        .where(_ITEMS.c.id == bindparam("item_id"), _ITEMS.c.stock + delta >= 0)
        .values(stock=_ITEMS.c.stock + delta)
        .returning(_ITEMS.c.id, _ITEMS.c.village_id, _ITEMS.c.stock)
        .cte("taken")
    )
    names = ("village_id", "item_id", "delta", "kind", "note", "order_id", "stock_after")
    row = select(
        taken.c.village_id,
        taken.c.id,
        delta,
        bindparam("kind", type_=_MOVEMENTS.c.kind.type),
        bindparam("note", type_=_MOVEMENTS.c.note.type),
        bindparam("order_id", type_=Integer),
        taken.c.stock,
        bindparam("by_id", type_=Integer),
        bindparam("at", type_=_MOVEMENTS.c.created_at.type),
    )
    return (
        insert(_MOVEMENTS)
        .from_select([*names, "created_by_id", "created_at"], row, include_defaults=False)
        .returning(_MOVEMENTS.c.stock_after)
    )


_CHANGE_AND_RECORD = DirectStatement(_change_and_record())


def _change_stock(conn: Connection, item_id: int, delta: int) -> int:
    """The stock after adding ``delta``; NegativeStock, changing nothing, if it would go
    below zero."""
    begin_write(conn)  # as the first write would (a no-op inside a redemption's lock)
    stock_after = _CHANGE_STOCK.scalar(conn, {"item_id": item_id, "delta": delta})
    if stock_after is None:
        _short(conn, item_id)
    return stock_after


def _short(conn: Connection, item_id: int) -> NoReturn:
    raise NegativeStock(
        item_id=item_id, stock=conn.execute(_STOCK_NOW, {"item_id": item_id}).scalar()
    )


def apply(
    session: Session,
    item: Item,
    delta: int,
    kind: MovementKind,
    *,
    by_id: int | None,
    note: str = "",
    funding: Funding | None = None,
    order_id: int | None = None,
    donation_id: int | None = None,
    at: datetime | None = None,
) -> StockMovement:
    """Change an item's stock by ``delta`` and record the movement; NegativeStock if the stock
    would go below zero."""
    session.flush()  # an item or order the caller has only added is written first
    conn = session.connection()
    stock_after = _change_stock(conn, item.id, delta)
    set_committed_value(item, "stock", stock_after)
    values = {
        "village_id": item.village_id,
        "item_id": item.id,
        "delta": delta,
        "kind": kind,
        "funding": funding,
        "note": note or "",
        "order_id": order_id,
        "donation_id": donation_id,
        "stock_after": stock_after,
        "created_by_id": by_id,
        "created_at": at or now(),
    }
    movement_id = conn.execute(_INSERT_MOVEMENT, values).scalar_one()
    return attach_inserted(session, StockMovement(id=movement_id, **values))


def take_for_order(
    session: Session,
    *,
    village_id: int,
    quantities: dict[int, int],
    order_id: int,
    by_id: int | None,
    at: datetime,
) -> dict[int, int]:
    """Take a redemption's units off the shelf: {item id: quantity} -> {item id: stock after}.

    Plain statements, in item id order (on SQLite this runs inside the single write lock):
    on SQLite each item's conditional update, then every movement in one insert; on
    PostgreSQL one statement an item for both. NegativeStock names the first item short.
    An :class:`Item` the session holds is brought up to date.
    """
    conn = session.connection()
    together = conn.dialect.name == "postgresql"
    moves = []
    for item_id in sorted(quantities):
        move = {
            "village_id": village_id,
            "item_id": item_id,
            "delta": -quantities[item_id],
            "kind": MovementKind.REDEMPTION,
            "funding": None,
            "note": "",
            "order_id": order_id,
            "donation_id": None,
            "created_by_id": by_id,
            "created_at": at,
        }
        if together:
            move["stock_after"] = _CHANGE_AND_RECORD.scalar(
                conn,
                {
                    "item_id": item_id,
                    "delta": move["delta"],
                    "kind": move["kind"],
                    "note": move["note"],
                    "order_id": order_id,
                    "by_id": by_id,
                    "at": at,
                },
            )
            if move["stock_after"] is None:
                _short(conn, item_id)
        else:
            move["stock_after"] = _change_stock(conn, item_id, move["delta"])
        moves.append(move)
        item = session.identity_map.get(identity_key(Item, item_id))
        if item is not None:
            set_committed_value(item, "stock", move["stock_after"])
    if not together:
        _INSERT_MOVEMENTS.executemany(conn, moves)
    return {move["item_id"]: move["stock_after"] for move in moves}


def move(
    session: Session,
    *,
    village_id: int,
    item_id: int,
    delta: Any,
    kind: Any,
    note: str | None = "",
    funding: Any = None,
    by_id: int | None,
) -> StockMovement:
    """A purchase, donation, stocktake correction (盘点) or damage/expiry of one item."""
    kind = clean_kind(kind)
    delta = clean_delta(delta)
    sign = MANUAL_KINDS[kind]
    if sign and (delta > 0) != (sign > 0):
        raise ValidationFailed(
            {"delta": "positive for purchases and donations, negative for damage"}
        )
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed({"note": "at most 200 characters"})
    funding = clean_funding(funding)
    if funding is not None and kind != MovementKind.PURCHASE:
        funding = None
    item = lock_items(session, village_id, [item_id]).get(item_id)
    if item is None:
        raise NotFound("item")
    movement = apply(session, item, delta, kind, by_id=by_id, note=note, funding=funding)
    audit.record(
        session,
        action="stock.move",
        object_type="item",
        object_id=item.id,
        by_id=by_id,
        village_id=village_id,
        after={
            "item": item.name,
            "kind": kind.value,
            "delta": delta,
            "stock": item.stock,
            "funding": funding.value if funding is not None else None,
        },
    )
    return movement


def stocktake(
    session: Session,
    *,
    village_id: int,
    counts: dict[int, Any],
    note: str = "",
    by_id: int | None,
) -> list[StockMovement]:
    """盘点: the counted quantity of each item; the differences are posted as ``count`` moves."""
    errors: dict[str, str] = {}
    clean: dict[int, int] = {}
    for item_id, counted in counts.items():
        if isinstance(counted, bool) or not isinstance(counted, int):
            errors[f"count_{item_id}"] = "must be a whole number"
        elif not 0 <= counted <= MAX_DELTA:
            errors[f"count_{item_id}"] = "out of range"
        else:
            clean[int(item_id)] = counted
    if errors:
        raise ValidationFailed(errors)
    items = lock_items(session, village_id, clean)
    if len(items) != len(clean):
        raise NotFound("item")
    moves = []
    for item_id in sorted(clean):
        item = items[item_id]
        diff = clean[item_id] - item.stock
        if diff:
            moves.append(
                apply(
                    session,
                    item,
                    diff,
                    MovementKind.COUNT,
                    by_id=by_id,
                    note=(note or "").strip()[:200],
                )
            )
    audit.record(
        session,
        action="stock.count",
        object_type="stocktake",
        by_id=by_id,
        village_id=village_id,
        after={
            "counted": len(clean),
            "differences": {items[m.item_id].name: m.delta for m in moves},
        },
    )
    return moves


def movements(
    session: Session,
    village_id: int,
    *,
    item_id: int | None = None,
    kind: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[StockMovement]:
    """The village's stock movements, newest first. Every change is one: a stocktake's
    differences are ``count`` movements with who and when, so a donation or a purchase that
    a later count cancels stays on the record for the supervisors."""
    stmt = select(StockMovement).where(StockMovement.village_id == village_id)
    if kind not in (None, ""):
        try:
            kind = MovementKind(kind)
        except ValueError:
            raise ValidationFailed({"kind": "not a kind of stock movement"}) from None
        stmt = stmt.where(StockMovement.kind == kind)
    if item_id is not None:
        stmt = stmt.where(StockMovement.item_id == item_id)
    if since is not None:
        stmt = stmt.where(StockMovement.created_at >= since)
    if until is not None:
        stmt = stmt.where(StockMovement.created_at < until)
    return list(session.scalars(stmt.order_by(StockMovement.id.desc()).limit(limit)))
