"""24 phones scan one card at once: exactly one attendance and one award; an event closes
while queued scans arrive."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier, Event

import pytest
from sqlalchemy import func, select, text

from points import cards, events, ledger, residents, users, villages
from points.clock import now
from points.event_models import Attendance
from points.models import Household, LedgerEntry, RuleUnit
from points.tally_models import VillageMonthTally
from tests.eventutil import make_event, make_rule

pytestmark = pytest.mark.concurrency

SECRET = "concurrency-secret"


def test_24_parallel_scans_of_one_card_award_once(real_db):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-checkin", name="并发签到村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="张建国")
        rule = make_rule(s, v, points=5)
        start = now() - timedelta(minutes=5)
        event = events.create_event(
            s,
            village_id=v.id,
            title="并发议事会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        payload = cards.payload_for(SECRET, r)
        village_id, event_id, household_id = v.id, event.id, r.household_id

    barrier = Barrier(24)

    def scan(i):
        barrier.wait()
        with real_db.session() as s, s.begin():
            ev = events.get_event(s, village_id, event_id)
            result = events.check_in_card(
                s,
                SECRET,
                event=ev,
                payload=payload,
                client_id=f"phone-{i}",
                by_id=None,
                offline=i % 2 == 0,
                scanned_at=now() if i % 2 == 0 else None,
            )
            return result.created, result.attendance.checked_in_at

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(scan, range(24)))

    assert sum(created for created, _ in results) == 1
    assert len({t for _, t in results}) == 1  # every repeat answers the first time
    with real_db.session(write=False) as s:
        assert (
            s.scalar(select(func.count(Attendance.id)).where(Attendance.event_id == event_id)) == 1
        )
        entries = s.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.household_id == household_id)
        )
        assert entries == 1
        assert s.get(Household, household_id).balance == 5
        assert ledger.verify(s, village_id=village_id).ok


def test_24_parallel_http_scans_of_one_card(live_server):
    import requests

    secret = live_server.app.config["SECRET_KEY"]
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-http-checkin", name="并发扫码村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="李四")
        host = users.create_user(
            s, username="conc-http-host", password="long-enough-1", village_id=v.id, roles=["host"]
        )
        token, _ = users.issue_token(s, host)
        rule = make_rule(s, v, points=7)
        start = now() - timedelta(minutes=5)
        event = events.create_event(
            s,
            village_id=v.id,
            title="并发议事会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        payload, event_id, household_id = cards.payload_for(secret, r), event.id, r.household_id

    barrier = Barrier(24)
    url = f"{live_server.url}/api/v1/events/{event_id}/checkins"

    def scan(i):
        barrier.wait()
        resp = requests.post(
            url,
            json={"card": payload, "client_id": f"phone-{i}"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"phone-{i}:1"},
            timeout=30,
        )
        return resp.status_code, resp.json()

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(scan, range(24)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 23 + [201], results
    first = next(body for status, body in results if status == 201)
    assert first["points_awarded"] == 7
    assert {b["checked_in_at"] for s_, b in results if s_ == 200} == {first["checked_in_at"]}
    with live_server.db.session(write=False) as s:
        assert s.get(Household, household_id).balance == 7


def _volunteer_event_under_way(s, village, title):
    """A three-hour volunteer event (4 points an hour) that started and opened two hours ago."""
    rule = make_rule(s, village, code="ZY01", points=4, unit=RuleUnit.PER_HOUR)
    event = make_event(
        s, village, rule, kind="volunteer", start=now() - timedelta(hours=2), hours=3, title=title
    )
    events.open_event(s, event, by_id=None)
    event.opened_at = event.starts_at  # opened when it started
    return event


def test_closing_a_volunteer_event_while_queued_scans_arrive(real_db, fixed_clock):
    """A close settles the volunteers checked in, while 40 queued scans (made an hour and
    55 minutes before the close) arrive: a scan takes the event's lock (shared) and then its
    household's, the close the event's and then each household's. No scan waits on the close
    in a circle; each is settled once, by the close or on arrival after it, for the same
    three half hours. The clock is pinned: the event starts two hours before now, and
    just after a month's end (village time) its check-ins and its awards would fall in two
    months, each counting its participants."""
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-close", name="并发收工村")
        people = [
            residents.create_resident(
                s, village_id=v.id, household_number=str(i // 2 + 1), name=f"志愿者{i}"
            )
            for i in range(40)
        ]
        event = _volunteer_event_under_way(s, v, "清扫河道")
        start = event.starts_at
        payloads = [cards.payload_for(SECRET, r) for r in people]
        village_id, event_id = v.id, event.id
        scanned_at = start + timedelta(minutes=5)

    barrier = Barrier(41)

    def scan(i):
        barrier.wait()
        with real_db.session() as s, s.begin():
            result = events.scan(
                s,
                SECRET,
                village_id=village_id,
                event_id=event_id,
                card=payloads[i],
                scanned_at=scanned_at,
                client_id=f"queue-{i}",
                by_id=None,
            )
            return result.created

    def close():
        barrier.wait()
        time.sleep(0.02)  # some scans before the close, some after
        with real_db.session() as s, s.begin():
            events.close_event(s, events.get_event(s, village_id, event_id), by_id=None)

    with ThreadPoolExecutor(max_workers=41) as pool:
        closing = pool.submit(close)
        created = list(pool.map(scan, range(40)))
        closing.result()

    assert created == [True] * 40
    with real_db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == event_id)).all()
        assert len(rows) == 40
        assert {(a.half_hours, a.points_awarded) for a in rows} == {(3, 6)}
        entries = {e.id: e for e in s.scalars(select(LedgerEntry)).all()}
        for a in rows:  # each attendance points at its own award
            assert entries[a.entry_id].source_id == a.id
            assert entries[a.entry_id].amount == 6
        households = s.scalars(select(Household).where(Household.village_id == village_id)).all()
        assert sorted(h.balance for h in households) == [12] * 20
        assert ledger.verify(s, village_id=village_id).ok
        month = s.execute(
            select(
                func.sum(VillageMonthTally.checkins),
                func.sum(VillageMonthTally.participants),
                func.sum(VillageMonthTally.awarded),
            ).where(VillageMonthTally.village_id == village_id)
        ).one()
        assert tuple(month) == (40, 40, 240)


def _wait_for_a_lock_waiter(database, timeout: float = 10.0) -> None:
    """Return once another transaction waits on a row lock (PostgreSQL: seen in
    ``pg_stat_activity``); on SQLite, whose writers queue for one lock in this process,
    after a pause long enough for the waiter to get there."""
    if database.is_sqlite:
        time.sleep(0.3)
        return
    deadline = time.monotonic() + timeout
    with database.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("no transaction came to wait on a lock")


def test_a_scan_waits_for_a_close_in_progress_before_locking_its_household(real_db):
    """The close holds the event and is about to settle a household whose second member's
    scan arrives: the scan must wait on the event before it locks the household, or the two
    would wait on each other (PostgreSQL would end one after its deadlock timeout)."""
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-order", name="锁序村")
        first = residents.create_resident(s, village_id=v.id, household_number="1", name="甲")
        second = residents.create_resident(s, village_id=v.id, household_number="1", name="乙")
        event = _volunteer_event_under_way(s, v, "修桥")
        start = event.starts_at
        events.scan(
            s,
            SECRET,
            village_id=v.id,
            event_id=event.id,
            card=cards.payload_for(SECRET, first),
            scanned_at=start + timedelta(minutes=5),
            by_id=None,
        )
        payload, village_id, event_id = cards.payload_for(SECRET, second), v.id, event.id
        household_id = first.household_id
    scan_started = Event()

    def late_scan():
        with real_db.session() as s, s.begin():
            scan_started.set()
            return events.scan(
                s,
                SECRET,
                village_id=village_id,
                event_id=event_id,
                card=payload,
                scanned_at=start + timedelta(minutes=5),
                by_id=None,
            ).points_awarded

    with real_db.session() as s, s.begin():
        ev = events.get_event(s, village_id, event_id, lock=True)  # the close's first lock
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanned = pool.submit(late_scan)
            scan_started.wait()
            _wait_for_a_lock_waiter(real_db)  # the scan is now waiting on its first lock
            ledger.lock_household(s, household_id)  # the close's second
            events.close_event(s, ev, by_id=None)
            s.commit()
            assert scanned.result(timeout=30) == 6  # settled on arrival, after the close
    with real_db.session(write=False) as s:
        assert s.get(Household, household_id).balance == 12
        assert ledger.verify(s, village_id=village_id).ok
