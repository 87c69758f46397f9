"""Parallel awards, corrections and confirmations against one household on a real database:
the monthly cap is never exceeded, balance == sum(entries), every chain verifies."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from points import awards, ledger, residents, rules, users, villages
from points.caps import MonthlyCapReached
from points.models import (
    Award,
    AwardStatus,
    Household,
    LedgerEntry,
    Resident,
    Role,
    Rule,
    User,
    Village,
)

pytestmark = pytest.mark.concurrency


def _setup(real_db, code):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发村", objection_days=0)
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="王建国")
        host = users.create_user(
            s, username=f"{code}-host", password="secret-pass-1", village_id=v.id, roles=[Role.HOST]
        )
        sup = users.create_user(
            s,
            username=f"{code}-sup",
            password="secret-pass-1",
            village_id=v.id,
            roles=[Role.SUPERVISOR],
        )

        def rule(c, points, **kw):
            terms = rules.clean_terms({"title": c, "category": "志愿服务", "points": points, **kw})
            return rules.create_rule(
                s, village_id=v.id, code=c, terms=terms, effective_from=date(2026, 1, 1), by_id=None
            ).id

        return {
            "village": v.id,
            "resident": r.id,
            "household": r.household_id,
            "host": host.id,
            "sup": sup.id,
            "capped": rule("CAP", 5, monthly_cap=40),
            "reviewed": rule("REV", 5, monthly_cap=40, needs_review=True),
            "free": rule("FREE", 3),
        }


def _award(real_db, ids, rule_key):
    try:
        with real_db.session() as s, s.begin():
            a = awards.create_award(
                s,
                village=s.get(Village, ids["village"]),
                rule=s.get(Rule, ids[rule_key]),
                resident=s.get(Resident, ids["resident"]),
                by=s.get(User, ids["host"]),
            )
            return a.id
    except MonthlyCapReached:
        return None


def test_parallel_awards_never_pass_the_cap(real_db):
    ids = _setup(real_db, "conc-cap")
    with ThreadPoolExecutor(max_workers=16) as pool:
        made = list(
            pool.map(lambda i: _award(real_db, ids, "capped" if i % 2 else "reviewed"), range(48))
        )
    capped = [m for i, m in enumerate(made) if i % 2 and m]
    reviewed = [m for i, m in enumerate(made) if not i % 2 and m]
    assert len(capped) == 8 and len(reviewed) == 8  # 40 / 5 each, whatever the interleaving

    def approve(award_id):
        with real_db.session() as s, s.begin():
            awards.approve(s, s.get(Award, award_id), by=s.get(User, ids["sup"]))

    def confirm(_):
        with real_db.session() as s, s.begin():
            return awards.confirm_due(s, ids["village"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(approve, reviewed))  # objection_days 0: confirmed at approval
        confirmed_late = sum(pool.map(confirm, range(8)))
    assert confirmed_late == 0

    with real_db.session(write=False) as s:
        h = s.get(Household, ids["household"])
        total = s.scalar(
            select(func.sum(LedgerEntry.amount)).where(LedgerEntry.household_id == h.id)
        )
        assert h.balance == total == 80 and h.pending == 0 and h.honour_score == 80
        statuses = set(s.scalars(select(Award.status).where(Award.village_id == ids["village"])))
        assert statuses == {AwardStatus.CONFIRMED}
        assert ledger.verify(s, village_id=ids["village"]).ok


def test_parallel_awards_and_corrections(real_db):
    ids = _setup(real_db, "conc-awcorr")
    with ThreadPoolExecutor(max_workers=16) as pool:
        made = list(pool.map(lambda _: _award(real_db, ids, "free"), range(40)))

    with real_db.session(write=False) as s:
        entry_ids = list(s.scalars(select(Award.entry_id).where(Award.id.in_(made[:15]))))

    def correct(entry_id):
        with real_db.session() as s, s.begin():
            awards.correct_entry(
                s,
                village_id=ids["village"],
                entry_id=entry_id,
                reason="重复",
                by=s.get(User, ids["host"]),
            )

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(correct, entry_ids))
        list(pool.map(lambda _: _award(real_db, ids, "free"), range(20)))

    with real_db.session(write=False) as s:
        h = s.get(Household, ids["household"])
        total = s.scalar(
            select(func.sum(LedgerEntry.amount)).where(LedgerEntry.household_id == h.id)
        )
        assert h.balance == total == (60 - 15) * 3
        assert h.honour_score == (60 - 15) * 3
        report = ledger.verify(s, village_id=ids["village"])
        assert report.ok, report.problems
        assert report.entries == 60 + 15
