"""A scan's locks, and the one place where SQLite and PostgreSQL differ in the events code.

A scan takes the event's lock *shared* (a close waits for the scans in progress, and a scan
after a close sees it closed), then the household's; :func:`points.events.life.close_event`
takes the event's lock for update, then the households', in the same order. On SQLite every
lock is the one write lock (:func:`points.db.begin_write`), so each operation below has a
SQLite statement and a PostgreSQL statement, chosen by one named function:

- :func:`scan_state_statement`: the event's state under its shared lock;
- :func:`scan_locks_statement`: the event's state and the household's figures under both locks;
- :func:`event_for_update`: an event query that takes the event's lock for update.

The statements are :class:`points.db.DirectStatement`: they run inside the write lock at
every scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, bindparam, select, text, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from points import ledger
from points.db import DirectStatement, begin_write
from points.errors import NotFound
from points.event_models import Event
from points.models import Household

if TYPE_CHECKING:
    from points.events.subjects import ScanEvent


_EVENTS = Event.__table__
_SCAN_STATE = ("status", "opened_at", "closed_at")
_SCAN_STATE_SELECT = select(*(_EVENTS.c[name] for name in _SCAN_STATE)).where(
    _EVENTS.c.id == bindparam("event_id")
)
_SCAN_STATE_SQLITE = DirectStatement(_SCAN_STATE_SELECT)
_SCAN_STATE_FOR_SHARE = DirectStatement(_SCAN_STATE_SELECT.with_for_update(read=True))


def scan_state_statement(dialect: str) -> DirectStatement:
    """The event's state under its shared lock: on SQLite a plain select (the write lock,
    taken by :func:`points.db.begin_write`, is the lock); on PostgreSQL ``FOR SHARE``."""
    return _SCAN_STATE_SQLITE if dialect == "sqlite" else _SCAN_STATE_FOR_SHARE


def hold_scan_state(session: Session, event_id: int):
    """Take the event's shared lock for a scan and read its state (status, opened_at,
    closed_at) under it: a close waits for the scans in progress, and a scan after a close
    sees it closed. One small query, as it runs inside the write lock at every scan."""
    session.flush()  # as the session would before a query of its own
    begin_write(session)
    conn = session.connection()
    state = scan_state_statement(conn.dialect.name).first(conn, {"event_id": event_id})
    if state is None:
        raise NotFound("event")
    return state


# A scan's two locks and what it reads under them (the event's state, the household's
# figures) in one statement. On SQLite both locks are the one write lock. On PostgreSQL the
# row locks are taken in the order of the locking clauses, the event's (shared) before the
# household's, the order close_event takes them in.
_SCAN_LOCKED_COLUMNS = (*(_EVENTS.c[name] for name in _SCAN_STATE), *ledger.FIGURE_COLUMNS)
_SCAN_LOCKS_SQLITE = DirectStatement(
    select(*_SCAN_LOCKED_COLUMNS)
    .select_from(_EVENTS.join(Household.__table__, true()))  # one row of each
    .where(_EVENTS.c.id == bindparam("event_id"))
    .where(Household.__table__.c.id == bindparam("household_id"))
)
# SQLAlchemy writes one locking clause per statement; this one needs two.
_SCAN_LOCKS_POSTGRES = DirectStatement(
    text(
        f"SELECT {', '.join(f'{c.table.name}.{c.name}' for c in _SCAN_LOCKED_COLUMNS)} "
        f"FROM {_EVENTS.name}, {Household.__table__.name} "
        f"WHERE {_EVENTS.name}.id = :event_id AND {Household.__table__.name}.id = :household_id "
        f"FOR SHARE OF {_EVENTS.name} FOR UPDATE OF {Household.__table__.name}"
    )
    .bindparams(
        bindparam("event_id", type_=_EVENTS.c.id.type),
        bindparam("household_id", type_=Household.__table__.c.id.type),
    )
    .columns(*_SCAN_LOCKED_COLUMNS)
)


def scan_locks_statement(dialect: str) -> DirectStatement:
    """The event's state and the household's figures under a scan's two locks: on SQLite a
    plain select (the write lock is both); on PostgreSQL ``FOR SHARE OF`` the event and
    ``FOR UPDATE OF`` the household, in that order."""
    return _SCAN_LOCKS_SQLITE if dialect == "sqlite" else _SCAN_LOCKS_POSTGRES


def event_for_update(stmt: Select, dialect: str) -> Select:
    """An event query that takes the event's lock for update (a state change): on SQLite
    the write lock the caller took with :func:`points.db.begin_write`; on PostgreSQL
    ``FOR UPDATE OF`` the event (not the rule and versions loaded with it)."""
    return stmt if dialect == "sqlite" else stmt.with_for_update(of=Event)


def hold_scan(session: Session, event: Event | ScanEvent, household_id: int):
    """A scan's two locks, in :func:`points.events.life.close_event`'s order: the event (shared), then the
    household. Returns the event's state and the household's figures (for
    ``ledger.append``); a loaded :class:`Event` is brought up to date with the state."""
    session.flush()  # as the session would before a query of its own
    begin_write(session)
    conn = session.connection()
    params = {"event_id": event.id, "household_id": household_id}
    row = scan_locks_statement(conn.dialect.name).first(conn, params)
    if row is not None:
        state = figures = row
    else:  # a missing row: the two locks, each with its own not_found
        state = hold_scan_state(session, event.id)
        figures = ledger.lock_figures(session, household_id)
    if isinstance(event, Event):
        _refresh_state(event, state)
    return state, figures


def _refresh_state(event: Event, state) -> None:
    """Bring a loaded event up to date with the state read under its lock."""
    for name in _SCAN_STATE:
        set_committed_value(event, name, getattr(state, name))


def hold_for_scan(session: Session, event: Event) -> Event:
    """:func:`hold_scan_state` for a loaded event, brought up to date with the state read."""
    _refresh_state(event, hold_scan_state(session, event.id))
    return event
