"""Tallies under real concurrent commits: batches across many households and single writes
in one village never deadlock on the shared tally rows, and no count is lost."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import ledger, residents, tallies, villages
from points.models import EntryKind, Household, LedgerEntry, Village
from points.tally_models import VillageMonthTally

pytestmark = pytest.mark.concurrency


def test_batches_and_single_writes_in_one_village(real_db):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-tally", name="并发村")
        ids = [residents.create_household(s, village_id=v.id, number=str(n)).id for n in range(24)]
        village_id = v.id

    def single(i):
        with real_db.session() as s, s.begin():
            ledger.post(s, household_id=ids[i % len(ids)], amount=2, kind=EntryKind.AWARD)

    def batch(seed):
        # many households in one transaction, as closing an event or confirming awards does
        order = sorted(random.Random(seed).sample(ids, 12))
        with real_db.session() as s, s.begin():
            for hid in order:
                ledger.post(s, household_id=hid, amount=1, kind=EntryKind.AWARD)

    with ThreadPoolExecutor(max_workers=12) as pool:
        jobs = [pool.submit(single, i) for i in range(96)]
        jobs += [pool.submit(batch, seed) for seed in range(16)]
        for job in jobs:
            job.result()  # a deadlock would raise here

    with real_db.session(write=False) as s:
        tallied = s.scalar(
            select(func.sum(VillageMonthTally.net)).where(
                VillageMonthTally.village_id == village_id
            )
        )
        books = s.scalar(
            select(func.sum(LedgerEntry.amount))
            .join(Household, Household.id == LedgerEntry.household_id)
            .where(Household.village_id == village_id)
        )
        assert tallied == books == 96 * 2 + 16 * 12
        village = s.get(Village, village_id)
        assert (
            tallies.month_figures(
                s, [village], tallies.local_month(village.timezone, village.created_at)
            )[village_id].held
            == books
        )
