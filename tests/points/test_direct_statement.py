"""DirectStatement: the same rows and values as SQLAlchemy's own execution, its errors, and
the statements it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from points import events, ledger
from points.db import DirectStatement, begin_write, make_engine
from points.db_direct import _CURSOR
from points.event_models import EventStatus
from points.events import subjects
from points.models import EntryKind, Household, LedgerEntry
from store import catalogue
from tests.eventutil import make_event, make_rule


def test_rows_and_their_types_are_the_ones_sqlalchemy_reads(
    session, village, make_household, make_resident
):
    resident = make_resident(village, make_household(village))
    event = make_event(session, village, make_rule(session, village))
    events.open_event(session, event, by_id=None)
    params = {"event_id": event.id, "resident_id": resident.id}
    conn = session.connection()

    direct = subjects._SCAN_SUBJECTS.all(conn, params)
    through_sqlalchemy = conn.execute(subjects._SCAN_SUBJECTS.statement, params).all()

    assert [tuple(r) for r in direct] == [tuple(r) for r in through_sqlalchemy]
    row = direct[0]
    assert row.status == EventStatus.OPEN  # the enum, not its stored text
    assert row.opened_at.tzinfo is not None and row.starts_at == event.starts_at
    assert row.r_id == resident.id and isinstance(row.v_effective_from, date)


def test_values_written_read_back_as_written(session, village, make_household):
    household = make_household(village)
    entry = ledger.append(session, household_id=household.id, amount=7, kind=EntryKind.AWARD)
    stored = session.scalars(select(LedgerEntry).where(LedgerEntry.id == entry.id)).one()
    assert (stored.kind, stored.amount, stored.balance_after) == (EntryKind.AWARD, 7, 7)
    assert stored.created_at == entry.created_at  # aware UTC, to the microsecond
    assert ledger.verify(session, village_id=village.id).ok  # the hash covers what was stored


def test_a_driver_error_comes_back_as_sqlalchemys(session, village, make_household):
    household = make_household(village)
    entry = ledger.append(session, household_id=household.id, amount=3, kind=EntryKind.AWARD)
    stored = session.get(LedgerEntry, entry.id)
    values = {c.key: getattr(stored, c.key) for c in LedgerEntry.__table__.columns if c.key != "id"}
    savepoint = session.begin_nested()
    with pytest.raises(IntegrityError):  # (household, seq) again
        ledger._INSERT_ENTRY.scalar(session.connection(), values)
    savepoint.rollback()
    # The shared cursor serves the next statement after the error.
    figures = ledger.lock_figures(session, household.id)
    assert (figures.balance, figures.ledger_seq) == (3, 1)


def test_statements_needing_sqlalchemy_at_execution_are_refused(session, village):
    items_table = catalogue.Item.__table__
    items = DirectStatement(
        select(items_table.c.id).where(items_table.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="not a statement to run directly"):
        # an IN list SQLAlchemy expands at execution
        items.all(session.connection(), {"ids": [1, 2], "v": village.id})


def test_parameters_named_like_columns_add_nothing_to_an_update(session, village, make_household):
    household = make_household(village)
    created = household.created_at
    # A ledger entry's parameters include "created_at", a column of households too: on
    # PostgreSQL the entry and the figures' update are one statement. The household's
    # figures change; its created_at does not.
    at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    ledger.append(session, household_id=household.id, amount=4, kind=EntryKind.AWARD, at=at)
    row = session.execute(
        select(Household.created_at, Household.balance).where(Household.id == household.id)
    ).one()
    assert row == (created, 4)


def test_a_write_on_sqlite_outside_its_write_transaction_is_refused(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with engine.connect() as conn:
        with pytest.raises(RuntimeError, match="inside its write transaction"):
            ledger._UPDATE_FIGURES.execute(conn, {"household_id": 0})
        assert conn.connection.dbapi_connection.in_transaction is False


def test_a_connection_keeps_one_cursor_and_a_replaced_connection_gets_a_new_one(engine):
    echo = DirectStatement(select(bindparam("n", type_=Integer).label("n")))
    with engine.connect() as conn:
        assert echo.scalar(conn, {"n": 1}) == 1
        cursor = conn.connection.info[_CURSOR]
        assert echo.scalar(conn, {"n": 2}) == 2
        assert conn.connection.info[_CURSOR] is cursor
        conn.invalidate()  # as after a lost connection: the pool opens a new one
        assert echo.scalar(conn, {"n": 3}) == 3
        assert conn.connection.info[_CURSOR] is not cursor


def test_a_statement_failing_part_way_leaves_nothing_running_on_the_connection(tmp_path):
    # sqlite3 fails on a row it cannot decode after the statement has started: a cursor kept
    # with that statement running would hold its snapshot, so the connection would not see
    # later commits and could not take the write lock.
    engine = make_engine(f"sqlite:///{tmp_path / 'direct.db'}")
    table = Table("words", MetaData(), Column("id", Integer, primary_key=True), Column("s", Text))
    table.create(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO words (s) VALUES ('甲'), (CAST(x'ff' AS TEXT)), ('乙')")
    words = DirectStatement(select(table.c.s).order_by(table.c.id))
    try:
        with engine.connect() as conn:
            with pytest.raises(DBAPIError):
                words.all(conn, {})
            assert _CURSOR not in conn.connection.info
            conn.rollback()
            with engine.begin() as other:  # another connection's commit
                other.exec_driver_sql("INSERT INTO words (s) VALUES ('丙')")
            # read through SQLAlchemy's own cursor, as the rest of a request would
            assert conn.exec_driver_sql("SELECT count(*) FROM words").scalar() == 4
            conn.rollback()
            with conn.begin():
                begin_write(conn)  # the write lock is free to take
    finally:
        engine.dispose()
