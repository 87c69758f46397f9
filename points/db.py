"""Database plumbing every reader needs: the declarative base, engines and sessions, and
:func:`begin_write`.

The engine room lives beside it, behind this door: the SQLite writer queue and its connection
class in :mod:`points.db_writer`, the direct statements with their cursor reuse (and
:func:`attach_inserted`) in :mod:`points.db_direct`. They earn their keep (``make bench
SCALE=village``, one run each, same machine, same hour): with :class:`DirectStatement`
replaced by plain ``Connection.execute``, SQLite check-ins fell from 0.41 to 0.35 of the bare
endpoint and redemptions from 0.47 to 0.35; with the writer queue also gone, p99 at 16
connections went from 44-58 ms to 390-590 ms. Throughput work is frozen: bench/README.md.
Their names are re-exported here, so ``from points.db import DirectStatement`` works.

SQLite gets WAL, foreign keys and a generous busy timeout on every connection. A deferred
SQLite transaction that reads a balance and then writes could fail to upgrade from reader to
writer, and a plain read-then-write could overspend; so a *write* session's transaction is
``BEGIN IMMEDIATE`` (one writer at a time), started by :func:`begin_write` — which every
lock in the domain packages calls before it reads what a write depends on — or by the first
write. Reads before that see the latest commits, as on PostgreSQL, and do not hold the
single write lock, so writers queue for the short part that needs it. The *read* engine
starts plain deferred transactions. On PostgreSQL services lock rows with
``SELECT ... FOR UPDATE`` and :func:`begin_write` does nothing.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from points.db_direct import DirectStatement, attach_inserted, insert_values
from points.db_writer import (
    SQLITE_BUSY_TIMEOUT_MS,
    STARTS_WRITE,
    QueuedConnection,
    WriterQueue,
    begin_immediate,
    writer_queue_for,
)

__all__ = [
    "READ_ONLY",
    "SQLITE_BUSY_TIMEOUT_MS",
    "Base",
    "Database",
    "DirectStatement",
    "UTCDateTime",
    "WriterQueue",
    "attach_inserted",
    "begin_write",
    "insert_values",
    "is_sqlite",
    "lock_row",
    "make_engine",
    "writer_queue_for",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY = "cunyue_read_only"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Cunyue's connection settings for the database at ``url``."""
    if is_sqlite(url):
        database = make_url(url).database
        queue = writer_queue_for(database) if database and database != ":memory:" else None
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
                "factory": QueuedConnection,
            },
            **kwargs,
        )
        _install_sqlite_hooks(engine, queue)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _install_sqlite_hooks(engine: Engine, queue: WriterQueue | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_queue = queue
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a commit is on disk (WAL fsynced) before the client hears 2xx; NORMAL could
        # lose the last acknowledged redemptions and awards to a power cut. ~0.7 ms a commit.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read session reads one consistent snapshot. A write session does not take the
        # write lock here: its reads before the first lock see the latest commits (as on
        # PostgreSQL), and begin_write() or its first write starts BEGIN IMMEDIATE.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The safety net: a write outside a transaction starts one first, so every write of
        # a request is atomic and a savepoint never opens a deferred transaction.
        if STARTS_WRITE.match(statement) and not conn.get_execution_options().get(READ_ONLY):
            dbapi_connection = conn.connection.dbapi_connection
            if not dbapi_connection.in_transaction:
                try:
                    begin_immediate(dbapi_connection)
                except sqlite3.Error as exc:  # as SQLAlchemy reports the driver's own errors
                    raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def begin_write(session_or_connection: Session | Connection) -> None:
    """Hold the database's write lock from here to the end of the transaction (SQLite).

    Call it before reading anything a write depends on (a balance, a stock level, an event's
    state). On PostgreSQL this does nothing: services lock the rows they read with
    ``SELECT ... FOR UPDATE``.
    """
    conn = (
        session_or_connection.connection()
        if isinstance(session_or_connection, Session)
        else session_or_connection
    )
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get(READ_ONLY):
        raise RuntimeError("writes need a write session, not a read session")
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        begin_immediate(dbapi_connection)


def lock_row(session: Session, model: type, row_id: int) -> Any:
    """Hold the lock that serializes changes to one row, and read the row after it (None
    when there is no such row): the database's write lock on SQLite, the row ``FOR UPDATE``
    on PostgreSQL. What the caller reads next is read under the lock."""
    begin_write(session)
    stmt = select(model).where(model.id == row_id)
    if session.connection().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=model)
    return session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


class Database:
    """An engine pair (write, read) and their session factories."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.ReadSession = sessionmaker(bind=self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool = True) -> Session:
        return self.Session() if write else self.ReadSession()

    def dispose(self) -> None:
        self.engine.dispose()
