"""The catalogue (商品): create, edit, deactivate; items are never deleted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, JSON, Integer, Row, any_, bindparam, func, select
from sqlalchemy.orm import Session

from points import audit
from points.db import DirectStatement
from points.errors import NotFound, ValidationFailed
from points.inputs import whole_number
from store import stock as stock_service
from store.errors import DuplicateItemName
from store.locks import lock_items  # noqa: F401  (callers take it from here too)
from store.models import Item

ITEM_FIELDS = [
    "name",
    "category",
    "unit",
    "price",
    "active",
    "monthly_limit",
    "low_stock_threshold",
]
MAX_PRICE = 100_000


def _int(value: Any, field: str, errors: dict[str, str], *, low: int, high: int, optional=False):
    if value is None or value == "":
        if optional:
            return None
        errors[field] = "required"
        return None
    if isinstance(value, bool):
        errors[field] = "must be a whole number"
        return None
    if isinstance(value, str):
        value = whole_number(value)
    if not isinstance(value, int):
        errors[field] = "must be a whole number"
        return None
    if not low <= value <= high:
        errors[field] = "out of range"
        return None
    return value


def clean_item(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checked item fields; ``partial`` for an edit (only the fields given)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if not partial or "name" in data:
        name = (data.get("name") or "").strip()
        if not name or len(name) > 100:
            errors["name"] = "required, at most 100 characters"
        out["name"] = name
    if "category" in data:
        category = (data.get("category") or "").strip()
        if len(category) > 32:
            errors["category"] = "at most 32 characters"
        out["category"] = category
    if not partial or "unit" in data:
        unit = (data.get("unit") or "").strip() or "件"
        if len(unit) > 16:
            errors["unit"] = "at most 16 characters"
        out["unit"] = unit
    if not partial or "price" in data:
        out["price"] = _int(data.get("price"), "price", errors, low=1, high=MAX_PRICE)
    if "monthly_limit" in data:
        out["monthly_limit"] = _int(
            data.get("monthly_limit"), "monthly_limit", errors, low=1, high=10_000, optional=True
        )
    if "low_stock_threshold" in data:
        value = _int(
            data.get("low_stock_threshold"),
            "low_stock_threshold",
            errors,
            low=0,
            high=100_000,
            optional=True,
        )
        out["low_stock_threshold"] = value or 0
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "true or false"
        out["active"] = data["active"]
    if errors:
        raise ValidationFailed(errors)
    return out


def _check_name_free(session: Session, village_id: int, name: str, item_id: int | None) -> None:
    other = session.scalar(select(Item.id).where(Item.village_id == village_id, Item.name == name))
    if other is not None and other != item_id:
        raise DuplicateItemName(name=name)


def create_item(
    session: Session,
    *,
    village_id: int,
    data: dict[str, Any],
    stock: int = 0,
    by_id: int | None,
) -> Item:
    """A new item; an opening ``stock`` is posted as a purchase movement."""
    fields = clean_item(data)
    errors: dict[str, str] = {}
    opening = _int(stock, "stock", errors, low=0, high=100_000, optional=True) or 0
    if errors:
        raise ValidationFailed(errors)
    _check_name_free(session, village_id, fields["name"], None)
    item = Item(village_id=village_id, stock=0, **fields)
    session.add(item)
    session.flush()
    audit.record(
        session,
        action="item.create",
        obj=item,
        by_id=by_id,
        village_id=village_id,
        after=audit.snapshot(item, ITEM_FIELDS),
    )
    if opening:
        stock_service.move(
            session,
            village_id=village_id,
            item_id=item.id,
            delta=opening,
            kind="purchase",
            note="opening stock",
            by_id=by_id,
        )
    return item


def update_item(session: Session, item: Item, *, data: dict[str, Any], by_id: int | None) -> Item:
    fields = clean_item(data, partial=True)
    if "name" in fields:
        _check_name_free(session, item.village_id, fields["name"], item.id)
    before = audit.snapshot(item, ITEM_FIELDS)
    for key, value in fields.items():
        setattr(item, key, value)
    session.flush()
    audit.record(
        session,
        action="item.update",
        obj=item,
        by_id=by_id,
        village_id=item.village_id,
        before=before,
        after=audit.snapshot(item, ITEM_FIELDS),
    )
    return item


def get_item(session: Session, village_id: int, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None or item.village_id != village_id:
        raise NotFound("item")
    return item


def list_items(session: Session, village_id: int, *, active_only: bool = False) -> list[Item]:
    stmt = select(Item).where(Item.village_id == village_id)
    if active_only:
        stmt = stmt.where(Item.active.is_(True))
    return list(session.scalars(stmt.order_by(Item.category, Item.name)))


def low_stock(session: Session, village_id: int) -> list[Item]:
    """Active items at or below their low-stock threshold."""
    stmt = select(Item).where(
        Item.village_id == village_id,
        Item.active.is_(True),
        Item.stock <= Item.low_stock_threshold,
    )
    return list(session.scalars(stmt.order_by(Item.stock, Item.name)))


_ITEMS = Item.__table__
_ITEM_ROWS = select(
    _ITEMS.c.id,
    _ITEMS.c.name,
    _ITEMS.c.unit,
    _ITEMS.c.price,
    _ITEMS.c.active,
    _ITEMS.c.monthly_limit,
    _ITEMS.c.stock,
).where(_ITEMS.c.village_id == bindparam("v"))
# The ids as one parameter (a direct statement takes no expanding IN): an array on
# PostgreSQL, a JSON list on SQLite.
_ITEM_ROWS_BY_DIALECT = {
    "postgresql": DirectStatement(
        _ITEM_ROWS.where(_ITEMS.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))
    ),
    "sqlite": DirectStatement(
        _ITEM_ROWS.where(
            _ITEMS.c.id.in_(
                select(func.json_each(bindparam("ids", type_=JSON)).table_valued("value"))
            )
        )
    ),
}


def read_items(session: Session, village_id: int, item_ids: Iterable[int]) -> dict[int, Row]:
    """What a redemption needs of the village's items, as they are now: plain rows, unlocked
    (its stock changes are conditional updates, see :func:`store.stock.take_for_order`)."""
    conn = session.connection()
    rows = _ITEM_ROWS_BY_DIALECT[conn.dialect.name].all(
        conn, {"ids": sorted(set(item_ids)), "v": village_id}
    )
    return {row.id: row for row in rows}
