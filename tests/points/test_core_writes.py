"""The hot paths write with plain statements; the session must still tell the truth.

Rows written by ``ledger.post``, a redemption or a check-in are attached to the session
without the unit of work: a rollback must drop them, and the objects handed back must
carry what was written (relationships included). Changes of a resident's row (a card
reissue, a status change) take the row's lock: two at once apply one after the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from points import cards, ledger, residents, tallies, villages
from points.clock import now
from points.models import EntryKind, LedgerEntry, Resident, ResidentStatus, Village
from store import catalogue, orders
from store.models import Order


def test_a_post_rolled_back_leaves_nothing_behind_and_the_next_post_works(
    session, village, make_household
):
    h = make_household(village)
    first = ledger.post(session, household_id=h.id, amount=10, kind=EntryKind.AWARD)
    session.rollback()  # a later error in the same job
    assert first not in session
    assert not [o for o in session.identity_map.values() if isinstance(o, LedgerEntry)]
    again = ledger.post(session, household_id=h.id, amount=7, kind=EntryKind.AWARD)
    assert again.amount == 7 and again.seq == 1 and again.balance_after == 7


def test_a_savepoint_rolled_back_drops_only_its_own_rows(session, village, make_household):
    h = make_household(village)
    kept = ledger.post(session, household_id=h.id, amount=10, kind=EntryKind.AWARD)
    savepoint = session.begin_nested()
    dropped = ledger.post(session, household_id=h.id, amount=5, kind=EntryKind.AWARD)
    savepoint.rollback()
    assert kept in session and dropped not in session
    assert ledger.lock_figures(session, h.id).balance == 10


def test_a_card_redemption_names_its_resident(session, village, make_household, make_resident):
    h = make_household(village)
    r = make_resident(village, h)
    ledger.post(session, household_id=h.id, amount=100, kind=EntryKind.AWARD)
    item = catalogue.create_item(
        session, village_id=village.id, data={"name": "盐", "price": 5}, stock=10, by_id=None
    )
    order = orders.redeem(
        session,
        village_id=village.id,
        household_id=h.id,
        lines=[{"item_id": item.id, "quantity": 2}],
        clerk_id=None,
        resident_id=r.id,
    )
    assert order.resident_id == r.id and order.balance_after == 90
    stored = session.get(Order, order.id)  # the order as written
    assert stored.resident is not None and stored.resident.id == r.id
    assert [(ln.item_id, ln.quantity) for ln in stored.lines] == [(item.id, 2)]
    assert stored.household.id == h.id and stored.balance_after == 90
    assert item.stock == 8


def _six_at_once(real_db, code: str, change) -> tuple[int, int]:
    """A resident in a new village, then ``change(session, resident)`` from six threads."""
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发村")
        resident_id = residents.create_resident(
            s, village_id=v.id, household_number="1", name="王芳"
        ).id
        village_id = v.id

    def run(_):
        with real_db.session() as s, s.begin():
            change(s, s.get(Resident, resident_id))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(run, range(6)))
    return village_id, resident_id


@pytest.mark.concurrency
def test_six_card_reissues_at_once_give_six_new_versions(real_db):
    _, resident_id = _six_at_once(
        real_db, "conc-card", lambda s, r: cards.reissue(s, r, by_id=None)
    )
    with real_db.session(write=False) as s:
        assert s.get(Resident, resident_id).card_version == 1 + 6


@pytest.mark.concurrency
def test_status_changes_at_once_are_counted_once(real_db):
    village_id, resident_id = _six_at_once(
        real_db,
        "conc-status",
        lambda s, r: residents.set_status(s, r, status=ResidentStatus.MOVED_OUT, by_id=None),
    )
    with real_db.session(write=False) as s:
        village = s.get(Village, village_id)
        month = tallies.local_month(village.timezone, now())
        figures = tallies.month_figures(s, [village], month)[village_id]
        assert s.get(Resident, resident_id).status == ResidentStatus.MOVED_OUT
        assert figures.residents == 0  # counted out once, not six times
