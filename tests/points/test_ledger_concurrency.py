"""Many writers against one household: the lock keeps balance == sum(entries) and chains valid."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import ledger, residents, villages
from points.errors import InsufficientPoints
from points.models import EntryKind, Household, LedgerEntry

pytestmark = pytest.mark.concurrency


def _village_with_household(real_db, code):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发村")
        h = residents.create_household(s, village_id=v.id, number="1")
        return v.id, h.id


def test_parallel_awards_and_corrections(real_db):
    village_id, hid = _village_with_household(real_db, "conc-ledger")

    def award(i):
        with real_db.session() as s, s.begin():
            e = ledger.post(s, household_id=hid, amount=3, kind=EntryKind.AWARD, note=f"w{i}")
            return e.id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(award, range(48)))

    def correct(entry_id):
        with real_db.session() as s, s.begin():
            ledger.correct(s, entry_id=entry_id, reason="test", created_by_id=None)

    def spend(_):
        try:
            with real_db.session() as s, s.begin():
                ledger.post(s, household_id=hid, amount=-5, kind=EntryKind.REDEMPTION)
                return True
        except InsufficientPoints:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(correct, ids[:12]))
        spent = list(pool.map(spend, range(40)))

    with real_db.session(write=False) as s:
        h = s.get(Household, hid)
        total = s.scalar(
            select(func.sum(LedgerEntry.amount)).where(LedgerEntry.household_id == hid)
        )
        assert h.balance == total >= 0
        # 48 awards of 3, 12 reversed: 108 points; at most 21 spends of 5 fit.
        assert sum(spent) == 21 and h.balance == 108 - 105
        report = ledger.verify(s, village_id=village_id)
        assert report.ok, report.problems
        assert report.entries == 48 + 12 + 21
