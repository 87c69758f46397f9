"""The audit log's filters, the staff actions it now records, and the lazy expiry run
(clock pinned)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from points import audit, expiry, ledger, users
from points.models import AuditLog, EntryKind, Role
from store import catalogue, orders, stock
from tests.eventutil import make_rule


def _actions(session, village):
    return [row.action for row, _u, _n in audit.search(session, village.id, limit=200).rows]


def test_stock_moves_stocktakes_redemptions_and_logins_are_recorded(
    session, fixed_clock, village, make_household, make_resident, make_user
):
    clerk = make_user(village, roles=(Role.CLERK,))
    home = make_household(village, "001")
    li = make_resident(village, home, name="李明")
    resident_user = make_user(village, roles=(Role.RESIDENT,), resident=li)
    ledger.post(session, household_id=home.id, amount=50, kind=EntryKind.AWARD)
    soap = catalogue.create_item(
        session, village_id=village.id, data={"name": "=HYPERLINK(1)", "price": 5}, by_id=clerk.id
    )
    stock.move(
        session,
        village_id=village.id,
        item_id=soap.id,
        delta=10,
        kind="purchase",
        funding="budget",
        by_id=clerk.id,
    )
    stock.stocktake(session, village_id=village.id, counts={soap.id: 8}, by_id=clerk.id)
    orders.redeem(
        session,
        village_id=village.id,
        household_id=home.id,
        lines=[{"item_id": soap.id, "quantity": 1}],
        clerk_id=clerk.id,
    )
    users.record_login(session, clerk)
    users.record_login(session, resident_user)  # a resident's login is not logged
    session.commit()

    actions = _actions(session, village)
    assert actions.count("user.login") == 1
    assert {"stock.move", "stock.count", "order.redeem", "item.create"} <= set(actions)
    (count,) = [r for r, _u, _n in audit.search(session, village.id, kind="stock.count").rows]
    assert count.after == {"counted": 1, "differences": {"=HYPERLINK(1)": -2}}
    (redeem,) = [r for r, _u, _n in audit.search(session, village.id, kind="order").rows]
    assert redeem.after == {"number": redeem.after["number"], "household": "001", "total": 5}
    assert redeem.user_id == clerk.id


def test_filters_by_person_kind_and_date(session, fixed_clock, village, other_village, make_user):
    a = make_user(village, roles=(Role.ADMIN,), username="aaa")
    b = make_user(village, roles=(Role.CLERK,), username="bbb")
    start = fixed_clock.now
    audit.record(session, action="order.void", by_id=a.id, village_id=village.id)
    fixed_clock.advance(days=2)
    audit.record(session, action="order.redeem", by_id=b.id, village_id=village.id)
    audit.record(session, action="stock.move", by_id=b.id, village_id=village.id)
    audit.record(session, action="ordering.other", by_id=b.id, village_id=village.id)
    audit.record(session, action="order.void", by_id=None, village_id=other_village.id)
    session.commit()

    def found(**kw):
        return [r.action for r, _u, _n in audit.search(session, village.id, **kw).rows]

    assert found(user_id=b.id) == ["ordering.other", "stock.move", "order.redeem"]
    # a family is a prefix up to the dot: "order" is not "ordering"
    assert found(kind="order") == ["order.redeem", "order.void"]
    assert found(kind="order.void") == ["order.void"]  # the other village's is not here
    assert found(since=start + timedelta(days=1), user_id=b.id) == [
        "ordering.other",
        "stock.move",
        "order.redeem",
    ]
    assert found(until=start + timedelta(days=1), kind="order") == ["order.void"]
    page = audit.search(session, village.id, kind="order", limit=1, offset=1)
    assert page.total == 2 and [r.action for r, _u, _n in page.rows] == ["order.void"]
    assert audit.kinds(session, village.id) == ["order", "ordering", "stock", "user"]
    assert [name for _i, name in audit.actors(session, village.id)] == ["aaa", "bbb"]


def test_a_due_expiry_runs_once_on_the_first_request_after_its_day(
    session, fixed_clock, village, make_household, make_resident
):
    # The village clears on 1 December; the clock stands at 2 Nov 2026.
    expiry.set_expiry(session, village, mode="annual", month=12, day=1, by_id=None)
    home = make_household(village, "001")
    make_resident(village, home, name="李明")
    version = make_rule(session, village).versions[-1]
    ledger.post(
        session, household_id=home.id, amount=30, kind=EntryKind.AWARD, rule_version=version
    )
    session.commit()
    # Last year's 1 December has passed, with nothing to clear then: the run is recorded once.
    assert expiry.is_due(session, village) == date(2025, 12, 1)
    assert expiry.run_if_due(session, village) is True
    assert expiry.run_if_due(session, village) is False
    session.commit()
    assert home.balance == 30
    # 30 November 23:59 in the village: not due yet.
    fixed_clock.now = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    assert expiry.is_due(session, village) is None
    assert expiry.expiring_soon(village, home.balance) == (30, date(2026, 12, 1))
    # 1 December 00:00 in the village: the next request runs it, once.
    fixed_clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert expiry.is_due(session, village) == date(2026, 12, 1)
    assert expiry.run_if_due(session, village) is True
    assert expiry.run_if_due(session, village) is False
    expiry.expire_points(session, village)  # the command, after it: nothing more
    session.commit()
    session.refresh(home)
    assert home.balance == 0
    entries = [e for e in ledger.entries(session, home.id) if e.kind == EntryKind.EXPIRY]
    assert [e.amount for e in entries] == [-30]
    run = expiry.last_run(session, village)
    assert run.after == {"day": "2026-12-01", "households": 1, "points": 30}
    assert session.query(AuditLog).filter_by(action="expiry.run").count() == 2
