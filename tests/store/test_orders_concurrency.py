"""Parallel redemptions against real commits: no overspend, no oversell, books exact."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import ledger, residents, villages
from points.errors import InsufficientPoints
from points.models import EntryKind, Household, LedgerEntry
from store import catalogue, orders
from store.errors import OutOfStock
from store.models import Item, Order

pytestmark = pytest.mark.concurrency


def _setup(real_db, code, *, households, points, stock, price):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发超市村")
        ids = []
        for n in range(households):
            h = residents.create_household(s, village_id=v.id, number=str(n + 1))
            ledger.post(s, household_id=h.id, amount=points, kind=EntryKind.AWARD)
            ids.append(h.id)
        item = catalogue.create_item(
            s, village_id=v.id, data={"name": "大米", "price": price}, stock=stock, by_id=None
        )
        return v.id, ids, item.id


def _redeem(real_db, village_id, household_id, item_id):
    try:
        with real_db.session() as s, s.begin():
            orders.redeem(
                s,
                village_id=village_id,
                household_id=household_id,
                lines=[{"item_id": item_id, "quantity": 1}],
                clerk_id=None,
            )
            return "ok"
    except InsufficientPoints:
        return "insufficient_points"
    except OutOfStock:
        return "out_of_stock"


def test_forty_parallel_redemptions_spend_exactly_the_balance(real_db):
    # 7 redemptions of 10 points fit into 75 points; 40 try at once.
    vid, (hid,), item_id = _setup(
        real_db, "conc-store-40", households=1, points=75, stock=100, price=10
    )
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: _redeem(real_db, vid, hid, item_id), range(40)))
    assert results.count("ok") == 7
    assert results.count("insufficient_points") == 33
    with real_db.session(write=False) as s:
        assert s.get(Household, hid).balance == 5
        assert s.get(Item, item_id).stock == 93
        assert s.scalar(select(func.count(Order.id)).where(Order.household_id == hid)) == 7
        assert (
            s.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.household_id == hid))
            == 5
        )
        assert ledger.verify(s, village_id=vid).ok


def test_two_households_race_for_the_last_unit(real_db):
    for round_ in range(5):
        vid, hids, item_id = _setup(
            real_db, f"conc-store-last-{round_}", households=2, points=50, stock=1, price=20
        )
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(_redeem, [real_db] * 2, [vid] * 2, hids, [item_id] * 2))
        assert sorted(results) == ["ok", "out_of_stock"]
        with real_db.session(write=False) as s:
            assert s.get(Item, item_id).stock == 0
            balances = sorted(s.get(Household, h).balance for h in hids)
            assert balances == [30, 50]
            assert ledger.verify(s, village_id=vid).ok
