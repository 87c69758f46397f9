"""Redemption (兑换) at the counter and its void (作废).

One transaction: read the items, lock the household (points.ledger), check stock, monthly
limits and balance, write the order, its lines and one ledger entry, and take the stock last
with conditional updates in item id order (store.stock). On SQLite everything from the lock
to the commit holds the database's single write lock, so that part is a few plain
statements and no ORM loads. A void writes a refund entry and returns the stock; the order
stays, voided.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Insert, Row, String, bindparam, case, cast, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from points import audit, ledger
from points.caps import zone_month_bounds
from points.clock import now
from points.db import DirectStatement, insert_values
from points.errors import InsufficientPoints, NotFound, ValidationFailed
from points.inputs import check_date
from points.models import (
    EntryKind,
    Household,
    Resident,
    User,
    Village,
    user_display_name,
)
from points.villages import remember_zone, village_zone
from store import stock
from store.catalogue import read_items
from store.errors import (
    ItemInactive,
    LimitReached,
    NegativeStock,
    OutOfStock,
)
from store.models import Item, Order, OrderLine, OrderStatus, StockMovement

MAX_LINES = 30
MAX_QUANTITY = 99


def clean_lines(lines: Any) -> dict[int, int]:
    """``[{"item_id", "quantity"}, ...]`` as {item id: quantity}; repeated items add up."""
    if not isinstance(lines, list) or not lines:
        raise ValidationFailed({"lines": "at least one item"})
    if len(lines) > MAX_LINES:
        raise ValidationFailed({"lines": "at most 30 lines"})
    basket: dict[int, int] = {}
    for line in lines:
        if not isinstance(line, dict):
            raise ValidationFailed({"lines": "not a valid value"})
        item_id, qty = line.get("item_id"), line.get("quantity")
        for value in (item_id, qty):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationFailed({"lines": "must be a whole number"})
        if item_id <= 0 or not 1 <= qty <= MAX_QUANTITY:
            raise ValidationFailed({"lines": "quantity 1 to 99"})
        basket[item_id] = basket.get(item_id, 0) + qty
        if basket[item_id] > MAX_QUANTITY:
            raise ValidationFailed({"lines": "quantity 1 to 99"})
    return basket


_LINES = OrderLine.__table__
_ORDERS = Order.__table__
# Built once: a redemption of a limited item runs it inside the write lock on SQLite.
_USED = (
    select(_LINES.c.item_id, func.sum(_LINES.c.quantity))
    .join(_ORDERS, _ORDERS.c.id == _LINES.c.order_id)
    .where(
        _ORDERS.c.household_id == bindparam("household_id"),
        _ORDERS.c.status == OrderStatus.COMPLETED,
        _ORDERS.c.created_at >= bindparam("start"),
        _ORDERS.c.created_at < bindparam("end"),
        _LINES.c.item_id.in_(bindparam("item_ids", expanding=True)),
    )
    .group_by(_LINES.c.item_id)
)


def used_this_month(
    session: Session, zone: ZoneInfo, household_id: int, item_ids, at: datetime
) -> dict[int, int]:
    """Units of each item the household took this village-local month (voided orders excluded);
    ``zone`` is the village's."""
    start, end = zone_month_bounds(zone, at)
    rows = session.connection().execute(
        _USED,
        {"household_id": household_id, "start": start, "end": end, "item_ids": list(item_ids)},
    )
    return {item_id: int(total) for item_id, total in rows}


# Built once: every counter-page redemption runs it inside the write lock on SQLite.
_BY_TOKEN = select(_ORDERS.c.id, _ORDERS.c.household_id, _ORDERS.c.village_id).where(
    _ORDERS.c.counter_token == bindparam("token")
)


def find_by_token(session: Session, counter_token: str) -> Row | None:
    """The order (id, household_id, village_id) a counter token has made, if any."""
    return session.connection().execute(_BY_TOKEN, {"token": counter_token}).one_or_none()


@dataclass(frozen=True)
class ReceiptLine:
    item_id: int
    item_name: str
    unit: str
    quantity: int
    price: int
    amount: int


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows of an order, as plain values. A redemption answers with one
    without loading the order, its household or its clerk as objects."""

    id: int
    number: str
    household_id: int
    household_number: str
    resident_id: int | None
    status: OrderStatus
    total: int
    balance_after: int
    created_at: datetime
    clerk_name: str | None
    lines: tuple[ReceiptLine, ...]
    voided_at: datetime | None = None
    void_reason: str = ""
    refund_balance_after: int | None = None

    @classmethod
    def of(cls, order: Order) -> Receipt:
        return cls(
            id=order.id,
            number=order.number,
            household_id=order.household_id,
            household_number=order.household.number,
            resident_id=order.resident_id,
            status=order.status,
            total=order.total,
            balance_after=order.balance_after,
            created_at=order.created_at,
            clerk_name=order.clerk.display_name if order.clerk else None,
            lines=tuple(
                ReceiptLine(ln.item_id, ln.item_name, ln.unit, ln.quantity, ln.price, ln.amount)
                for ln in order.lines
            ),
            voided_at=order.voided_at,
            void_reason=order.void_reason,
            refund_balance_after=order.refund_balance_after,
        )


_VILLAGES = Village.__table__
_USERS = User.__table__
_RESIDENTS = Resident.__table__
# The receipt's heading, in one plain read: the village's time zone (the order number shows
# the village's day) and what the clerk is called (:attr:`User.display_name`).
_HEADING = DirectStatement(
    select(_VILLAGES.c.timezone, _USERS.c.full_name, _RESIDENTS.c.name, _USERS.c.username)
    .select_from(
        _VILLAGES.outerjoin(_USERS, _USERS.c.id == bindparam("clerk_id")).outerjoin(
            _RESIDENTS, _RESIDENTS.c.id == _USERS.c.resident_id
        )
    )
    .where(_VILLAGES.c.id == bindparam("village_id"))
)


# PostgreSQL: the heading and the household's lock (its figures, as ledger.lock_figures
# reads them) in one round trip. No row: the village or the household is missing.
_HEADING_AND_FIGURES = DirectStatement(
    _HEADING.statement.add_columns(*ledger.FIGURE_COLUMNS)
    .where(Household.__table__.c.id == bindparam("household_id"))
    .with_for_update(of=Household.__table__)
)


def _heading(
    session: Session, village_id: int, clerk_id: int | None, row: Row | None = None
) -> tuple[ZoneInfo, str | None]:
    """The village's zone (kept for :func:`points.villages.zone_of`) and the clerk's name,
    from ``row`` when it has been read with them."""
    if row is None:
        params = {"village_id": village_id, "clerk_id": clerk_id}
        row = _HEADING.first(session.connection(), params)
        if row is None:
            raise NotFound("village")
    remember_zone(session, village_id, row.timezone)
    clerk = user_display_name(row.full_name, row.name, row.username) if row.username else None
    return ZoneInfo(row.timezone), clerk


def _read_and_lock(
    session: Session, village_id: int, household_id: int, clerk_id: int | None, basket: dict
) -> tuple[ZoneInfo, str | None, dict[int, Row], Row]:
    """A redemption's reads and its lock: the heading, the items and the household's figures
    under its lock. On SQLite the reads come first, outside the single write lock; on
    PostgreSQL the heading and the household's lock are one statement."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        params = {"village_id": village_id, "clerk_id": clerk_id, "household_id": household_id}
        row = _HEADING_AND_FIGURES.first(conn, params)
        if row is not None:
            zone, clerk = _heading(session, village_id, clerk_id, row)
            return zone, clerk, read_items(session, village_id, basket), row
    zone, clerk = _heading(session, village_id, clerk_id)
    items = read_items(session, village_id, basket)
    return zone, clerk, items, ledger.lock_figures(session, household_id)


def redeem(
    session: Session,
    *,
    village_id: int,
    household_id: int,
    lines: Any,
    clerk_id: int | None,
    resident_id: int | None = None,
    counter_token: str | None = None,
) -> Receipt:
    """Redeem a basket for a household. Raises OutOfStock, LimitReached, InsufficientPoints.

    With ``counter_token`` (the counter page's one-time form token) a repeat returns the
    first order instead of redeeming again.
    """
    basket = clean_lines(lines)
    # In plain reads, before the lock on SQLite (its single write lock): what does not depend
    # on the household's figures. The items' stock is taken at the end by conditional updates,
    # right whatever was read here (the items are not locked for this read on either).
    zone, shown_clerk, items, household = _read_and_lock(
        session, village_id, household_id, clerk_id, basket
    )
    if household.village_id != village_id:
        raise NotFound("household")
    if counter_token is not None:
        first = find_by_token(session, counter_token)
        if first is not None:
            if first.household_id != household_id or first.village_id != village_id:
                raise ValidationFailed({"token": "not a valid value"})
            return Receipt.of(session.get(Order, first.id))
    at = now()
    for item_id in sorted(basket):
        item = items.get(item_id)
        if item is None:
            raise NotFound("item", item_id=item_id)
        if not item.active:
            raise ItemInactive(item_id=item.id, item_name=item.name)
        if item.stock < basket[item_id]:
            raise OutOfStock(item_id=item.id, item_name=item.name, stock=item.stock)
    limited = [i for i in basket if items[i].monthly_limit is not None]
    if limited:
        used = used_this_month(session, zone, household_id, limited, at)
        for item_id in limited:
            item, taken = items[item_id], used.get(item_id, 0)
            if taken + basket[item_id] > item.monthly_limit:
                raise LimitReached(
                    item_id=item.id,
                    item_name=item.name,
                    limit=item.monthly_limit,
                    used=taken,
                    remaining=max(item.monthly_limit - taken, 0),
                )
    total = sum(items[i].price * q for i, q in basket.items())
    if total > household.balance:
        raise InsufficientPoints(balance=household.balance, needed=total)
    balance_after = household.balance - total  # the household is locked: post agrees
    shown_lines = tuple(
        ReceiptLine(i, items[i].name, items[i].unit, q, items[i].price, items[i].price * q)
        for i, q in sorted(basket.items())
    )
    order_id, number = _insert_order(
        session.connection(),
        {
            "day": at.astimezone(zone).strftime("%Y%m%d"),  # the village's day
            "village_id": village_id,
            "household_id": household_id,
            "resident_id": resident_id,
            "total": total,
            "balance_after": balance_after,
            "status": OrderStatus.COMPLETED,
            "clerk_id": clerk_id,
            "counter_token": counter_token,
            "created_at": at,
            "void_reason": "",
        },
        shown_lines,
    )
    ledger.append(
        session,
        household_id=household_id,
        amount=-total,
        kind=EntryKind.REDEMPTION,
        resident_id=resident_id,
        source=("order", order_id),
        note=number,
        created_by_id=clerk_id,
        at=at,
        figures=household,  # locked above, no entry written since: no second lock
    )
    # The stock last, in item id order: on PostgreSQL each item's row is held from its
    # conditional update to the commit only, so redemptions of one item do not queue on it.
    try:
        stock.take_for_order(
            session,
            village_id=village_id,
            quantities=basket,
            order_id=order_id,
            by_id=clerk_id,
            at=at,
        )
    except NegativeStock as exc:  # taken by another counter since it was read
        item = items[exc.details["item_id"]]
        raise OutOfStock(item_id=item.id, item_name=item.name, stock=exc.details["stock"]) from None
    audit.record_direct(
        session, action="order.redeem", object_type="order", object_id=order_id, by_id=clerk_id,
        village_id=village_id, after={"number": number, "household": household.number, "total": total},
    )  # fmt: skip
    return Receipt(
        id=order_id,
        number=number,
        household_id=household_id,
        household_number=household.number,
        resident_id=resident_id,
        status=OrderStatus.COMPLETED,
        total=total,
        balance_after=balance_after,
        created_at=at,
        clerk_name=shown_clerk,
        lines=shown_lines,
    )


_INSERT_LINES = DirectStatement(insert_values(_LINES))
# The columns a new order is written with; the others stay NULL until a void.
_NEW_ORDER = (
    "village_id",
    "household_id",
    "resident_id",
    "total",
    "balance_after",
    "status",
    "clerk_id",
    "counter_token",
    "created_at",
    "void_reason",
)


def _insert_order_statement(dialect: str) -> Insert:
    """INSERT ... SELECT that takes the new order's id and writes its number, which shows the
    id ("<day>-" and the id, zero-padded to five digits, never cut), in one statement. On
    SQLite the id is max + 1 under the write lock the caller holds; on PostgreSQL it is the
    sequence's next value."""
    c = _ORDERS.c
    if dialect == "sqlite":
        new = select((func.coalesce(func.max(c.id), 0) + 1).label("id")).subquery("new")
        padded = func.printf("%05d", new.c.id)
    else:
        seq = func.pg_get_serial_sequence(_ORDERS.name, "id")
        new = select(func.nextval(seq).label("id")).subquery("new")
        digits = cast(new.c.id, String)
        padded = case((new.c.id < 100_000, func.lpad(digits, 5, "0")), else_=digits)
    row = select(
        new.c.id,
        bindparam("day", type_=String).concat("-").concat(padded),
        *(bindparam(name, type_=c[name].type) for name in _NEW_ORDER),
    )
    return (
        insert(_ORDERS)
        .from_select(["id", "number", *_NEW_ORDER], row, include_defaults=False)
        .returning(c.id, c.number)
    )


_LINE_COLUMNS = tuple(f.name for f in fields(ReceiptLine))


def _array_element(column_type: Any) -> Any:
    """An array parameter's element type for a column: text without the column's length,
    which a cast of the array would cut values to without an error (the insert checks it)."""
    return String() if isinstance(column_type, String) else column_type


def _order_and_lines_statement():
    """PostgreSQL: the order and its lines in one round trip, the lines given as one array
    per column."""
    order = _insert_order_statement("postgresql").cte("new_order")
    lines = (
        func.unnest(
            *(
                bindparam(f"lines_{n}", type_=ARRAY(_array_element(_LINES.c[n].type)))
                for n in _LINE_COLUMNS
            )
        )
        .table_valued(*_LINE_COLUMNS)
        .render_derived("line")
    )
    insert_lines = insert(_LINES).from_select(
        ["order_id", *_LINE_COLUMNS], select(order.c.id, *(lines.c[n] for n in _LINE_COLUMNS))
    )
    return select(order.c.id, order.c.number).add_cte(insert_lines.cte("new_lines"))


# Built once: a redemption runs these inside the write lock.
_INSERT_ORDER_SQLITE = DirectStatement(_insert_order_statement("sqlite"))
_ORDER_AND_LINES_POSTGRES = DirectStatement(_order_and_lines_statement())


def _insert_order(
    conn: Connection, values: dict[str, Any], lines: tuple[ReceiptLine, ...]
) -> tuple[int, str]:
    """Write a new order and its lines: its id and number."""
    if conn.dialect.name == "postgresql":
        columns = {f"lines_{n}": [getattr(line, n) for line in lines] for n in _LINE_COLUMNS}
        return tuple(_ORDER_AND_LINES_POSTGRES.first(conn, {**values, **columns}))
    order_id, number = _INSERT_ORDER_SQLITE.first(conn, values)
    _INSERT_LINES.executemany(conn, [{"order_id": order_id, **vars(line)} for line in lines])
    return order_id, number


def get_order(session: Session, village_id: int, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.village_id != village_id:
        raise NotFound("order")
    return order


def local_day(village: Village, at: datetime) -> date:
    return at.astimezone(village_zone(village)).date()


def household_orders(session: Session, household_id: int, *, limit: int = 30) -> list[Order]:
    stmt = (
        select(Order)
        .where(Order.household_id == household_id)
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def day_bounds(village: Village, day: date) -> tuple[datetime, datetime]:
    zone = village_zone(village)
    start = datetime.combine(day, time(), zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@dataclass
class DayReport:
    day: date
    orders: list[Order]
    completed: int
    voided: int
    points: int  # redeemed by orders that still stand
    stock_out: list[tuple[str, str, int]]  # item name, unit, units out net of voids


def day_report(session: Session, village: Village, day: date) -> DayReport:
    """日结: the day's orders, points redeemed and stock out by item (village time)."""
    check_date(day, "day")
    start, end = day_bounds(village, day)
    orders = list(
        session.scalars(
            select(Order)
            .where(
                Order.village_id == village.id, Order.created_at >= start, Order.created_at < end
            )
            .order_by(Order.id)
        )
    )
    standing = [o for o in orders if o.status == OrderStatus.COMPLETED]
    out: dict[int, list] = {}
    for o in standing:
        for line in o.lines:
            row = out.setdefault(line.item_id, [line.item_name, line.unit, 0])
            row[2] += line.quantity
    return DayReport(
        day=day,
        orders=orders,
        completed=len(standing),
        voided=len(orders) - len(standing),
        points=sum(o.total for o in standing),
        stock_out=sorted((tuple(r) for r in out.values()), key=lambda r: r[0]),
    )


def affordable(household: Household, items: list[Item]) -> dict[int, bool]:
    """Which items the household can afford now (one unit, in stock)."""
    return {i.id: i.active and i.stock > 0 and i.price <= household.balance for i in items}


def month_limits(
    session: Session, village: Village, household_id: int, items: list[Item]
) -> dict[int, int]:
    """Units still allowed this month for each limited item."""
    limited = [i for i in items if i.monthly_limit is not None]
    if not limited:
        return {}
    used = used_this_month(
        session, village_zone(village), household_id, [i.id for i in limited], now()
    )
    return {i.id: max(i.monthly_limit - used.get(i.id, 0), 0) for i in limited}


__all__ = ["StockMovement", "redeem", "day_report"]
