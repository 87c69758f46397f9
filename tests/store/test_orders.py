"""Worked examples of the shop's books: redeem, limits, void; balance, stock and chain exact."""

from contextlib import contextmanager
from dataclasses import astuple
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from points import ledger
from points.errors import InsufficientPoints, NotFound, ValidationFailed
from points.models import EntryKind, LedgerEntry, Role
from store import catalogue, orders, stock, voids
from store.errors import (
    AlreadyVoided,
    ItemInactive,
    LimitReached,
    NegativeStock,
    OutOfStock,
    VoidNeedsSupervisor,
)
from store.models import MovementKind, Order, OrderLine, OrderStatus, StockMovement


@pytest.fixture
def shop(session, village, make_household, make_resident, make_user, fixed_clock):
    household = make_household(village, "1001")
    resident = make_resident(village, household, name="张建国")
    clerk = make_user(village, roles=[Role.CLERK])
    admin = make_user(village, roles=[Role.ADMIN])
    oil = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "食用油", "unit": "桶", "price": 30, "monthly_limit": 2},
        stock=5,
        by_id=admin.id,
    )
    soap = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "肥皂", "unit": "块", "price": 4},
        stock=10,
        by_id=admin.id,
    )
    ledger.post(session, household_id=household.id, amount=100, kind=EntryKind.AWARD)
    session.commit()

    class Shop:
        pass

    s = Shop()
    s.village, s.household, s.resident, s.clerk, s.admin = (
        village,
        household,
        resident,
        clerk,
        admin,
    )
    s.oil, s.soap, s.clock = oil, soap, fixed_clock
    return s


def _redeem(session, shop, lines, **kw):
    return orders.redeem(
        session,
        village_id=shop.village.id,
        household_id=shop.household.id,
        lines=[{"item_id": i.id, "quantity": q} for i, q in lines],
        clerk_id=shop.clerk.id,
        **kw,
    )


def test_redeem_then_void_keeps_books_exact(session, shop):
    shop.clock.advance(minutes=5)  # the order's time is not the items'
    order = _redeem(session, shop, [(shop.oil, 2), (shop.soap, 3)], resident_id=shop.resident.id)
    session.commit()
    # 100 points; 2 x 30 + 3 x 4 = 72 spent: 28 left; oil 5 -> 3, soap 10 -> 7.
    assert order.total == 72 and order.balance_after == 28
    assert order.number.startswith("20261102-")
    assert [(ln.item_name, ln.quantity, ln.amount) for ln in order.lines] == [
        ("食用油", 2, 60),
        ("肥皂", 3, 12),
    ]
    stored = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.item_id)
    ).all()  # the lines as written: on PostgreSQL in the order's own statement
    assert [
        (ln.item_id, ln.item_name, ln.unit, ln.quantity, ln.price, ln.amount) for ln in stored
    ] == [astuple(ln) for ln in order.lines]
    assert shop.household.balance == 28
    assert (shop.oil.stock, shop.soap.stock) == (3, 7)
    paid = session.scalars(select(LedgerEntry).where(LedgerEntry.source_type == "order")).all()
    assert [(e.kind, e.amount, e.source_id) for e in paid] == [
        (EntryKind.REDEMPTION, -72, order.id)
    ]
    moves = session.scalars(
        select(StockMovement).where(StockMovement.order_id == order.id).order_by(StockMovement.id)
    ).all()
    assert [(m.item_id, m.delta, m.kind, m.stock_after) for m in moves] == [
        (shop.oil.id, -2, MovementKind.REDEMPTION, 3),
        (shop.soap.id, -3, MovementKind.REDEMPTION, 7),
    ]
    assert {(m.village_id, m.created_by_id, m.created_at, m.note, m.funding) for m in moves} == {
        (shop.village.id, shop.clerk.id, shop.clock.now, "", None)
    }
    made = shop.oil.created_at
    session.refresh(shop.oil)  # the redemption changed the item's stock and nothing else
    assert (shop.oil.village_id, shop.oil.created_at, shop.oil.stock) == (shop.village.id, made, 3)

    voided = voids.void(
        session, village=shop.village, order_id=order.id, reason="拿错了", by=shop.admin
    )
    session.commit()
    assert voided.status == OrderStatus.VOIDED and voided.void_reason == "拿错了"
    assert voided.refund_balance_after == 100 and shop.household.balance == 100
    assert (shop.oil.stock, shop.soap.stock) == (5, 10)
    refund = session.scalar(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REFUND))
    assert refund.amount == 72 and refund.reverses_id == paid[0].id
    report = ledger.verify(session, village_id=shop.village.id)
    assert report.ok and report.entries == 3
    with pytest.raises(AlreadyVoided):
        voids.void(session, village=shop.village, order_id=order.id, reason="x", by=shop.admin)


def test_refusals_change_nothing(session, shop):
    with pytest.raises(OutOfStock) as exc:
        _redeem(session, shop, [(shop.soap, 11)])
    assert exc.value.details["item_id"] == shop.soap.id
    with pytest.raises(LimitReached) as exc:
        _redeem(session, shop, [(shop.oil, 3)])
    assert exc.value.details == {
        "item_id": shop.oil.id,
        "item_name": "食用油",
        "limit": 2,
        "used": 0,
        "remaining": 2,
    }
    expensive = catalogue.create_item(
        session,
        village_id=shop.village.id,
        data={"name": "电饭煲", "price": 101},
        stock=1,
        by_id=None,
    )
    with pytest.raises(InsufficientPoints) as exc:
        _redeem(session, shop, [(expensive, 1)])
    assert exc.value.details == {"balance": 100, "needed": 101}
    catalogue.update_item(session, expensive, data={"active": False}, by_id=None)
    with pytest.raises(ItemInactive):
        _redeem(session, shop, [(expensive, 1)])
    for bad in (
        [],
        [{"item_id": shop.oil.id, "quantity": 0}],
        [{"item_id": "x", "quantity": 1}],
        "oil",
        [{"item_id": shop.oil.id, "quantity": 100}],
    ):
        with pytest.raises(ValidationFailed):
            orders.redeem(
                session,
                village_id=shop.village.id,
                household_id=shop.household.id,
                lines=bad,
                clerk_id=None,
            )
    with pytest.raises(NotFound):
        orders.redeem(
            session,
            village_id=shop.village.id,
            household_id=shop.household.id,
            lines=[{"item_id": 999999, "quantity": 1}],
            clerk_id=None,
        )
    assert shop.household.balance == 100 and shop.soap.stock == 10
    assert session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_monthly_limit_counts_this_month_and_ignores_voids(session, shop):
    first = _redeem(session, shop, [(shop.oil, 1)])
    _redeem(session, shop, [(shop.oil, 1)])
    with pytest.raises(LimitReached):
        _redeem(session, shop, [(shop.oil, 1)])
    voids.void(session, village=shop.village, order_id=first.id, reason="退货", by=shop.admin)
    _redeem(session, shop, [(shop.oil, 1)])  # the voided unit no longer counts
    assert orders.month_limits(session, shop.village, shop.household.id, [shop.oil]) == {
        shop.oil.id: 0
    }
    shop.clock.advance(days=30)  # 2 December, a new month
    ledger.post(session, household_id=shop.household.id, amount=100, kind=EntryKind.AWARD)
    _redeem(session, shop, [(shop.oil, 2)])
    assert shop.household.balance == 200 - 30 * 4 and shop.oil.stock == 1


def test_counter_token_redeems_once(session, shop):
    a = _redeem(session, shop, [(shop.soap, 1)], counter_token="tok-1")
    b = _redeem(session, shop, [(shop.soap, 1)], counter_token="tok-1")
    assert a.id == b.id and shop.household.balance == 96 and shop.soap.stock == 9


@contextmanager
def _next_order_id(session, shop, order_id):
    """The next order takes ``order_id``: on SQLite (max + 1) a row just below it, rolled back
    with the test; on PostgreSQL the sequence, set back afterwards (setval is not rolled back)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.execute(
            insert(Order.__table__),
            {
                "id": order_id - 1,
                "village_id": shop.village.id,
                "number": "placeholder",
                "household_id": shop.household.id,
                "total": 1,
                "balance_after": 0,
                "status": OrderStatus.VOIDED,
                "created_at": shop.clock.now,
                "void_reason": "",
            },
        )
        yield
        return
    seq = conn.scalar(text("SELECT pg_get_serial_sequence('store_orders', 'id')"))
    last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
    conn.execute(text("SELECT setval(:seq, :n)"), {"seq": seq, "n": order_id - 1})
    try:
        yield
    finally:
        conn.execute(text("SELECT setval(:seq, :n, :c)"), {"seq": seq, "n": last, "c": called})


def test_order_number_is_the_village_day_and_the_whole_id(session, shop):
    first = _redeem(session, shop, [(shop.soap, 1)])
    assert first.number == f"20261102-{first.id:05d}"
    shop.clock.advance(hours=14)  # 16:00 UTC: already 3 November in Asia/Shanghai
    with _next_order_id(session, shop, 123_456):
        big = _redeem(session, shop, [(shop.soap, 1)])
    assert (big.id, big.number) == (123_456, "20261103-123456")
    stored = session.scalars(select(Order.number).where(Order.id.in_([first.id, big.id])))
    assert sorted(stored) == sorted([first.number, big.number])


def test_void_of_an_earlier_day_needs_the_supervisor(session, shop, make_user):
    order = _redeem(session, shop, [(shop.soap, 1)])
    shop.clock.advance(hours=15)  # 01:00 the next day in Asia/Shanghai
    with pytest.raises(VoidNeedsSupervisor):
        voids.void(session, village=shop.village, order_id=order.id, reason="x", by=shop.admin)
    with pytest.raises(ValidationFailed):
        voids.void(session, village=shop.village, order_id=order.id, reason=" ", by=shop.admin)
    supervisor = make_user(shop.village, roles=[Role.SUPERVISOR])
    voids.void(session, village=shop.village, order_id=order.id, reason="补录", by=supervisor)
    assert shop.household.balance == 100


def test_stock_movements_and_stocktake(session, shop):
    m = stock.move(
        session,
        village_id=shop.village.id,
        item_id=shop.soap.id,
        delta=20,
        kind="purchase",
        funding="budget",
        note="镇里采购",
        by_id=shop.clerk.id,
    )
    assert (m.stock_after, shop.soap.stock, m.funding.value) == (30, 30, "budget")
    with pytest.raises(NegativeStock):
        stock.move(
            session,
            village_id=shop.village.id,
            item_id=shop.soap.id,
            delta=-31,
            kind="damage",
            by_id=None,
        )
    with pytest.raises(ValidationFailed):
        stock.move(
            session,
            village_id=shop.village.id,
            item_id=shop.soap.id,
            delta=5,
            kind="damage",
            by_id=None,
        )
    with pytest.raises(ValidationFailed):
        stock.move(
            session,
            village_id=shop.village.id,
            item_id=shop.soap.id,
            delta=1,
            kind="redemption",
            by_id=None,
        )
    moves = stock.stocktake(
        session,
        village_id=shop.village.id,
        counts={shop.soap.id: 28, shop.oil.id: 5},
        note="月底盘点",
        by_id=None,
    )
    assert [(mv.item_id, mv.delta, mv.kind) for mv in moves] == [
        (shop.soap.id, -2, MovementKind.COUNT)
    ]
    assert shop.soap.stock == 28
    assert catalogue.low_stock(session, shop.village.id) == []
    catalogue.update_item(session, shop.oil, data={"low_stock_threshold": 5}, by_id=None)
    assert catalogue.low_stock(session, shop.village.id) == [shop.oil]


def test_other_village_cannot_reach_items_or_orders(session, shop, other_village, make_household):
    order = _redeem(session, shop, [(shop.soap, 1)])
    foreign = make_household(other_village, "1")
    with pytest.raises(NotFound):
        orders.get_order(session, other_village.id, order.id)
    with pytest.raises(NotFound):
        orders.redeem(
            session,
            village_id=other_village.id,
            household_id=shop.household.id,
            lines=[{"item_id": shop.soap.id, "quantity": 1}],
            clerk_id=None,
        )
    with pytest.raises(NotFound):
        orders.redeem(
            session,
            village_id=other_village.id,
            household_id=foreign.id,
            lines=[{"item_id": shop.soap.id, "quantity": 1}],
            clerk_id=None,
        )
    with pytest.raises(NotFound):
        stock.move(
            session,
            village_id=other_village.id,
            item_id=shop.soap.id,
            delta=1,
            kind="purchase",
            by_id=None,
        )


def test_day_report(session, shop):
    a = _redeem(session, shop, [(shop.oil, 1), (shop.soap, 2)])
    _redeem(session, shop, [(shop.soap, 1)])
    voids.void(session, village=shop.village, order_id=a.id, reason="x", by=shop.admin)
    report = orders.day_report(session, shop.village, shop.clock.now.date())
    assert (report.completed, report.voided, report.points) == (1, 1, 4)
    assert report.stock_out == [("肥皂", "块", 1)]
    shop.clock.advance(days=1)
    assert (
        orders.day_report(session, shop.village, (shop.clock.now - timedelta(days=2)).date()).orders
        == []
    )
