"""Two committee acts that must not happen twice or see half a ledger, with real commits:
a household move submitted twice at once, and a month posted while an entry is in flight."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import household_changes, ledger, postings, residents, villages
from points.household_models import HouseholdChange
from points.models import EntryKind, Household, Village

pytestmark = pytest.mark.concurrency


def _two_households(real_db):
    """Household 1 (张一, 张二; 100 points) and household 2 (李三), in a village of their own."""
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=f"oc-{uuid.uuid4().hex[:8]}", name="并发村")
        a = residents.create_resident(s, village_id=v.id, household_number="1", name="张一")
        b = residents.create_resident(s, village_id=v.id, household_number="1", name="张二")
        c = residents.create_resident(s, village_id=v.id, household_number="2", name="李三")
        ledger.post(s, household_id=a.household_id, amount=100, kind=EntryKind.AWARD)
        return v.id, a.household_id, b.id, c.household_id


def test_a_move_submitted_twice_at_once_moves_the_person_and_the_points_once(real_db):
    village_id, h1, moving, h2 = _two_households(real_db)
    barrier = threading.Barrier(2)

    def submit(_):
        with real_db.session() as s:
            source, target = s.get(Household, h1), s.get(Household, h2)
            list(source.members)  # what the page has read before it calls the service
            barrier.wait()
            try:
                household_changes.move_members(
                    s, source, target, resident_ids=[moving], points=40, reason="迁入", by_id=None
                )
                s.commit()
                return "moved"
            except Exception as exc:  # the second submit is refused
                s.rollback()
                return type(exc).__name__

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(submit, range(2)))
    assert outcomes == ["ValidationFailed", "moved"]
    with real_db.session() as s:
        assert (s.get(Household, h1).balance, s.get(Household, h2).balance) == (60, 40)
        changes = select(func.count()).select_from(HouseholdChange)
        assert s.scalar(changes.where(HouseholdChange.from_household_id == h1)) == 1
        assert ledger.verify(s, village_id=village_id).ok


def test_a_month_posted_while_an_entry_is_in_flight_still_verifies(real_db):
    if real_db.is_sqlite:
        pytest.skip("SQLite writes one at a time: no entry is in flight while another commits")
    village_id, h1, _, h2 = _two_households(real_db)
    in_flight = real_db.session()
    ledger.post(in_flight, household_id=h1, amount=5, kind=EntryKind.AWARD)  # not committed
    with real_db.session() as s, s.begin():  # a later entry (a higher id) commits first
        ledger.post(s, household_id=h2, amount=7, kind=EntryKind.AWARD)
    posted: dict = {}

    def post_the_month():
        with real_db.session() as s, s.begin():
            village = s.get(Village, village_id)
            month = postings.local_month(village.timezone, postings.now()).strftime("%Y-%m")
            posted["code"] = postings.create_posting(
                s, village=village, month_text=month, by_id=None
            ).code

    poster = threading.Thread(target=post_the_month)
    poster.start()
    poster.join(timeout=1.0)  # it waits for the entry in flight
    assert poster.is_alive()
    in_flight.commit()
    in_flight.close()
    poster.join(timeout=30)
    assert not poster.is_alive() and posted
    with real_db.session() as s:
        village = s.get(Village, village_id)
        assert postings.verify_code(s, village=village, code=posted["code"]).matches
        assert postings.check_postings(s, village_id=village_id) == []
