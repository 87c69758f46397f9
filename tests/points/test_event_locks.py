"""The events code's one place where SQLite and PostgreSQL differ (points.events.locks): each
operation's statement, what it reads under its locks, and its refusals, on either database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from points import events
from points.errors import NotFound
from points.event_models import Event, EventStatus
from points.events import locks
from tests.eventutil import make_event, make_rule


def _sql(stmt, conn) -> str:
    return " ".join(str(stmt.compile(dialect=conn.dialect)).split())


def test_each_operation_has_its_dialects_statement(session):
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    state = _sql(locks.scan_state_statement(conn.dialect.name).statement, conn)
    both = _sql(locks.scan_locks_statement(conn.dialect.name).statement, conn)
    update = _sql(locks.event_for_update(select(Event), conn.dialect.name), conn)
    if sqlite:  # the write lock is every lock: no locking clause at all
        assert "FOR " not in state and "FOR " not in both and "FOR " not in update
    else:
        assert state.endswith("FOR SHARE")
        assert both.endswith("FOR SHARE OF events FOR UPDATE OF households")
        assert update.endswith("FOR UPDATE OF events")


def test_a_scans_locks_read_the_events_state_and_the_households_figures(
    session, village, make_household
):
    household = make_household(village, number="A-07")
    event = make_event(session, village, make_rule(session, village))
    events.open_event(session, event, by_id=None)
    session.commit()

    state, figures = locks.hold_scan(session, event, household.id)

    assert state.status == EventStatus.OPEN and state.opened_at == event.opened_at
    assert state.closed_at is None
    assert figures.number == "A-07" and figures.balance == 0
    assert figures.village_id == village.id
    session.rollback()


def test_a_missing_event_or_household_is_not_found(session, village, make_household):
    household = make_household(village)
    event = make_event(session, village, make_rule(session, village))
    session.commit()

    with pytest.raises(NotFound, match="^event$"):
        locks.hold_scan(session, SimpleNamespace(id=event.id + 1000), household.id)
    session.rollback()
    with pytest.raises(NotFound, match="^household$"):
        locks.hold_scan(session, event, household.id + 1000)
    session.rollback()
    with pytest.raises(NotFound, match="^event$"):
        locks.hold_scan_state(session, event.id + 1000)
    session.rollback()


def test_a_loaded_event_is_brought_up_to_date_under_the_lock(session, village):
    event = make_event(session, village, make_rule(session, village))
    session.commit()
    session.execute(Event.__table__.update().values(status=EventStatus.OPEN))
    assert event.status == EventStatus.SCHEDULED  # loaded before the update

    events.hold_for_scan(session, event)

    assert event.status == EventStatus.OPEN
    session.rollback()
