"""24 phones scan one card at once: exactly one attendance and one award."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy import func, select

from points import cards, events, ledger, residents, users, villages
from points.clock import now
from points.event_models import Attendance
from points.models import Household, LedgerEntry
from tests.eventutil import make_rule

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
                scanned_at=datetime.now(UTC) if i % 2 == 0 else None,
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
