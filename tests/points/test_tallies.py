"""The county table's tallies equal the figures counted again from the books."""

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from points import events, expiry, ledger, residents, tallies
from points.event_models import Attendance, Event
from points.models import EntryKind, Household, LedgerEntry, Resident, ResidentStatus
from points.tally_models import ResidentMonth, VillageMonthTally
from store import catalogue, orders, voids
from tests.eventutil import make_event, make_rule

FLOWS = ("awarded", "redeemed", "checkins", "participants", "net")


def tallied(session, village) -> tuple[dict, Counter]:
    """Per month: the flows summed over the shards; and the stocks summed over all months."""
    tallies.apply_pending(session)
    t = VillageMonthTally
    rows = session.execute(
        select(t.month, *(func.sum(getattr(t, n)) for n in tallies.FIGURES))
        .where(t.village_id == village.id)
        .group_by(t.month)
    )
    months, stocks = {}, Counter()
    for month, *values in rows:
        figures = dict(zip(tallies.FIGURES, (int(v) for v in values), strict=True))
        flows = {n: figures[n] for n in FLOWS}
        if any(flows.values()):
            months[month] = flows
        stocks.update({n: figures[n] for n in ("net", "households", "residents")})
    return months, stocks


def recounted(session, village) -> tuple[dict, Counter]:
    """The same figures counted from the ledger, attendance and residents, in Python."""
    zone = village.timezone
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .join(Household, Household.id == LedgerEntry.household_id)
            .where(Household.village_id == village.id)
        )
    )
    corrected = {e.reverses_id for e in entries if e.kind == EntryKind.CORRECTION}
    months: dict[date, Counter] = defaultdict(Counter)
    acts: dict[date, set] = defaultdict(set)
    for e in entries:
        m = tallies.local_month(zone, e.created_at)
        months[m]["awarded"] += e.honour_delta
        months[m]["net"] += e.amount
        if e.kind in (EntryKind.REDEMPTION, EntryKind.REFUND):
            months[m]["redeemed"] -= e.amount
        if e.kind == EntryKind.AWARD and e.amount > 0 and e.resident_id and e.id not in corrected:
            acts[m].add(e.resident_id)
    for a in session.scalars(
        select(Attendance)
        .join(Event, Event.id == Attendance.event_id)
        .where(Event.village_id == village.id, Attendance.undone_at.is_(None))
    ):
        m = tallies.local_month(zone, a.event.starts_at)
        months[m]["checkins"] += 1
        acts[m].add(a.resident_id)
    for m, who in acts.items():
        months[m]["participants"] = len(who)
    flows = {m: {n: c[n] for n in FLOWS} for m, c in months.items() if any(c[n] for n in FLOWS)}
    stocks = Counter(
        net=sum(e.amount for e in entries),
        households=session.scalar(
            select(func.count(Household.id)).where(Household.village_id == village.id)
        ),
        residents=session.scalar(
            select(func.count(Resident.id)).where(
                Resident.village_id == village.id, Resident.status == ResidentStatus.ACTIVE
            )
        ),
    )
    return flows, stocks


@pytest.fixture(params=["one commit", "a commit a step"])
def books(
    request, session, village, other_village, make_household, make_resident, make_user, fixed_clock
):
    """A month and a half of a village's books: every kind of entry, check-ins, an undo.
    Written in one transaction, or committing after each step: then a step's one act and
    its tally row are one statement on PostgreSQL (the general loop runs otherwise)."""
    step = session.commit if request.param == "a commit a step" else lambda: None
    h1, h2, h3 = (make_household(village, n) for n in ("1", "2", "3"))
    a, b = make_resident(village, h1, name="甲"), make_resident(village, h1, name="甲妻")
    c, d = make_resident(village, h2, name="乙"), make_resident(village, h3, name="丙")
    make_resident(other_village, name="外村人")  # another village's books stay apart
    admin = make_user(village, roles=["admin", "supervisor"])
    last_month = fixed_clock.now - timedelta(days=20)
    # October: awards, one corrected in November; a deduction; a redemption
    old = ledger.post(
        session, household_id=h1.id, amount=30, kind=EntryKind.AWARD, resident_id=a.id,
        at=last_month,
    )  # fmt: skip
    step()
    ledger.post(
        session, household_id=h2.id, amount=12, kind=EntryKind.AWARD, resident_id=c.id,
        at=last_month,
    )  # fmt: skip
    step()
    ledger.post(
        session, household_id=h2.id, amount=-3, kind=EntryKind.DEDUCTION, resident_id=c.id,
        at=last_month,
    )  # fmt: skip
    step()
    ledger.post(session, household_id=h2.id, amount=-4, kind=EntryKind.REDEMPTION, at=last_month)
    step()
    # November: awards (one to a resident with no other act), a correction of October's award
    ledger.post(session, household_id=h1.id, amount=20, kind=EntryKind.AWARD, resident_id=b.id)
    step()
    ledger.post(session, household_id=h3.id, amount=5, kind=EntryKind.AWARD, resident_id=d.id)
    step()
    ledger.correct(session, entry_id=old.id, reason="记错了户", created_by_id=admin.id)
    step()
    # a meeting: three check-ins, one undone (its award is corrected with it)
    rule = make_rule(session, village, points=2)
    event = make_event(session, village, rule, start=fixed_clock.now)
    events.open_event(session, event, by_id=None)
    for who in (a, c, d):
        events.check_in(session, event=event, resident=who, method="manual", by_id=None)
        step()
    undone = events.find_attendance(session, event.id, d.id)
    events.undo_checkin(session, attendance=undone, reason="扫错了人", by_id=admin.id)
    step()
    # the shop: a redemption, and a voided one
    item = catalogue.create_item(
        session, village_id=village.id, data={"name": "食用油", "price": 3}, stock=9, by_id=None
    )
    line = [{"item_id": item.id, "quantity": 1}]
    orders.redeem(session, village_id=village.id, household_id=h1.id, lines=line, clerk_id=admin.id)
    step()
    bad = orders.redeem(
        session, village_id=village.id, household_id=h2.id, lines=line, clerk_id=admin.id
    )
    voids.void(session, village=village, order_id=bad.id, reason="退货", by=admin)
    step()
    # 积分清零 on 1 January (next year): every balance goes
    expiry.set_expiry(session, village, mode="annual", month=1, day=1, by_id=None)
    fixed_clock.now = fixed_clock.now.replace(year=2027, month=1, day=2)
    assert expiry.expire_points(session, village, today=date(2027, 1, 2))
    # a resident moves out: one active resident fewer
    residents.set_status(session, c, status="moved_out", by_id=None)
    session.commit()
    return {"h1": h1, "event": event}


def test_tallies_equal_the_books(session, village, other_village, books):
    months, stocks = tallied(session, village)
    assert (months, stocks) == recounted(session, village)
    # the worked example, to be sure the recount itself counts what it should
    october, november = months[date(2026, 10, 1)], months[date(2026, 11, 1)]
    assert october == {"awarded": 39, "redeemed": 4, "checkins": 0, "participants": 1, "net": 35}
    # November: 20 + 5 + 3 × 2 - 30 (correction) - 2 (undone check-in) = -1 honour point
    assert november["awarded"] == -1 and november["redeemed"] == 3
    # a and c checked in, b and d were awarded (d's check-in was undone; his award stands)
    assert (november["checkins"], november["participants"]) == (2, 4)
    assert stocks == Counter(net=0, households=3, residents=3)  # all expired; c moved out
    assert tallied(session, other_village)[1] == Counter(households=1, residents=1)


def test_rebuild_counts_the_same(session, village, other_village, books):
    before = tallied(session, village), tallied(session, other_village)
    tallies.rebuild(session)
    after = tallied(session, village), tallied(session, other_village)
    # a moved-out resident's status change is dated by its creation after a rebuild: the
    # stocks agree, the months are the same
    assert after == before


def test_a_rolled_back_savepoint_leaves_no_count(session, village, make_household, make_resident):
    h = make_household(village, "9")
    r = make_resident(village, h, name="丁")
    with pytest.raises(RuntimeError):
        with session.begin_nested():
            ledger.post(
                session, household_id=h.id, amount=50, kind=EntryKind.AWARD, resident_id=r.id
            )
            raise RuntimeError("undone")
    ledger.post(session, household_id=h.id, amount=7, kind=EntryKind.AWARD, resident_id=r.id)
    session.commit()
    months, stocks = tallied(session, village)
    assert stocks["net"] == 7 and list(months.values())[0]["participants"] == 1
    assert (months, stocks) == recounted(session, village)
    acts = session.scalar(select(ResidentMonth.acts).where(ResidentMonth.resident_id == r.id))
    assert acts == 1


def test_shards_spread_one_village(session, village, make_household):
    households = [make_household(village, str(n)) for n in range(20)]
    for h in households:
        ledger.post(session, household_id=h.id, amount=1, kind=EntryKind.AWARD)
    session.commit()
    shards = session.scalars(
        select(VillageMonthTally.shard).where(
            VillageMonthTally.village_id == village.id, VillageMonthTally.net != 0
        )
    ).all()
    assert sorted(shards) == list(range(tallies.SHARDS))
    session.execute(delete(VillageMonthTally))  # and a rebuild puts it all back
    tallies.rebuild(session)
    assert tallied(session, village)[1]["net"] == 20


def test_the_bench_loader_fills_the_tallies(session, connection):
    """The benchmark's bulk loader writes rows by COPY, so it counts them itself."""
    from bench import dataset
    from points.models import Village

    info = dataset.load(
        connection,
        village_code="b1",
        village_name="压测村",
        households=12,
        per_household=3,
        entries_per_household=15,
    )
    village = session.get(Village, info["village_id"])
    loaded = tallied(session, village)
    assert loaded == recounted(session, village) and loaded[1]["residents"] == 36
    tallies.rebuild(session)
    assert tallied(session, village) == loaded
