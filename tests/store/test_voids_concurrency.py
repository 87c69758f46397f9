"""Void requests racing each other and the void itself, against real commits: one open
request an order, and never an open request left on a voided order (store/voids.py takes
the household's lock for each)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import ledger, residents, users, villages
from points.models import EntryKind, Household, LedgerEntry, Role, User, Village
from store import catalogue, orders, voids
from store.errors import AlreadyVoided, VoidAlreadyRequested
from store.models import Order, OrderStatus, VoidRequest

pytestmark = pytest.mark.concurrency


def _sold(real_db, code):
    """A village with a clerk and an admin, and one order of 2 × 10 points out of 50."""
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="作废并发村")
        h = residents.create_household(s, village_id=v.id, number="1")
        ledger.post(s, household_id=h.id, amount=50, kind=EntryKind.AWARD)
        item = catalogue.create_item(
            s, village_id=v.id, data={"name": "肥皂", "price": 10}, stock=9, by_id=None
        )
        clerk, admin = (
            users.create_user(
                s, username=f"{code}-{role.value}", password="long-enough-1",
                village_id=v.id, roles=[role],
            )
            for role in (Role.CLERK, Role.ADMIN)
        )  # fmt: skip
        order = orders.redeem(
            s,
            village_id=v.id,
            household_id=h.id,
            lines=[{"item_id": item.id, "quantity": 2}],
            clerk_id=clerk.id,
        )
        return v.id, h.id, order.id, clerk.id, admin.id


def _request(real_db, village_id, order_id, user_id):
    try:
        with real_db.session() as s, s.begin():
            voids.request_void(
                s,
                village=s.get(Village, village_id),
                order_id=order_id,
                reason="多扫了",
                by=s.get(User, user_id),
            )
            return "requested"
    except VoidAlreadyRequested:
        return "void_already_requested"
    except AlreadyVoided:
        return "already_voided"


def _void(real_db, village_id, order_id, user_id):
    with real_db.session() as s, s.begin():
        voids.void(
            s,
            village=s.get(Village, village_id),
            order_id=order_id,
            reason="收错",
            by=s.get(User, user_id),
        )
        return "voided"


def _requests(s, order_id):
    return s.scalars(select(VoidRequest.status).where(VoidRequest.order_id == order_id)).all()


def test_ten_clerks_asking_at_once_file_one_request(real_db):
    vid, _hid, order_id, clerk_id, _admin_id = _sold(real_db, "conc-void-ask")
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: _request(real_db, vid, order_id, clerk_id), range(10)))
    assert sorted(results) == ["requested"] + ["void_already_requested"] * 9
    with real_db.session(write=False) as s:
        assert _requests(s, order_id) == ["open"]


def test_a_request_racing_the_void_never_stays_open_on_a_voided_order(real_db):
    outcomes = set()
    for round_ in range(6):
        vid, hid, order_id, clerk_id, admin_id = _sold(real_db, f"conc-void-race-{round_}")
        with ThreadPoolExecutor(max_workers=2) as pool:
            asked = pool.submit(_request, real_db, vid, order_id, clerk_id)
            voided = pool.submit(_void, real_db, vid, order_id, admin_id)
            results = (asked.result(), voided.result())
        with real_db.session(write=False) as s:
            statuses = _requests(s, order_id)
            # The request came first and the void closed it, or the void came first and the
            # request was refused: no third way.
            assert (results, statuses) in (
                (("requested", "voided"), ["voided"]),
                (("already_voided", "voided"), []),
            ), (results, statuses)
            outcomes.add(results[0])
            assert s.get(Order, order_id).status == OrderStatus.VOIDED
            assert s.get(Household, hid).balance == 50  # refunded once
            refunds = select(func.count(LedgerEntry.id)).where(
                LedgerEntry.household_id == hid, LedgerEntry.kind == EntryKind.REFUND
            )
            assert s.scalar(refunds) == 1
            assert ledger.verify(s, village_id=vid).ok
    print("request outcomes seen:", sorted(outcomes))
