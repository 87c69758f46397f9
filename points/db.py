"""Database plumbing: the declarative base, engines and sessions.

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

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
import time
from collections import namedtuple
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    bindparam,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
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


class WriterQueue:
    """Writers to one SQLite file wait on a lock instead of SQLite's sleep-and-retry.

    SQLite's own busy handler makes a writer that finds the database locked sleep and retry
    (1, 2, 5 ... up to 100 ms between tries), so under a burst of scans the lock sits idle
    while waiters sleep, and some wait for seconds. Here a writer first takes this process's
    mutex (threads queue on it), then an ``flock`` on ``<database>-writer`` (processes queue
    on it), and only then ``BEGIN IMMEDIATE``; both are let go when the transaction ends.

    A writer that finds another process holding the file lock does not poll for it: this
    process's lock-taker thread blocks in ``flock`` and hands the lock over the moment the
    kernel grants it. (Polling with a growing pause left the lock idle after each hand-over
    for up to the pause: idle 15-22% of the time with four workers under load.) The
    wait is bounded by the same timeout as SQLite's, after which the caller gets SQLite's
    own "database is locked" error; a lock granted after its writer gave up is let go.
    """

    def __init__(self, database_path: str) -> None:
        self.lock_path = database_path + "-writer"
        self._mutex = threading.Lock()  # this process's writers, one at a time
        # Guards the flags, and every flock on the descriptor but the taker's blocking one.
        self._state = threading.Condition()
        self._pid: int | None = None
        self._fd = -1
        self._wanted = False  # the writer holding the mutex waits for the taker
        self._taking = False  # the taker is after the lock: nobody else touches it
        self._held = False

    def _file(self) -> int:
        """This process's descriptor, and its taker thread (called with ``_state`` held).

        Opened per process: a descriptor inherited across gunicorn's fork would share the
        lock with the parent and every sibling, and threads do not survive a fork."""
        if self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
            self._wanted = self._taking = self._held = False
            threading.Thread(
                target=self._take, args=(self._fd,), name="cunyue-writer-lock", daemon=True
            ).start()
        return self._fd

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._mutex.acquire(timeout=timeout):
            raise sqlite3.OperationalError("database is locked")
        try:
            with self._state:
                fd = self._file()
                if not self._taking:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        self._held = True
                        return
                    except BlockingIOError:
                        self._taking = True
                self._wanted = True
                self._state.notify_all()
                if not self._state.wait_for(
                    lambda: self._held, timeout=max(deadline - time.monotonic(), 0)
                ):
                    self._wanted = False  # the taker lets the lock go when it comes
                    raise sqlite3.OperationalError("database is locked")
        except BaseException:
            self._mutex.release()
            raise

    def _take(self, fd: int) -> None:
        """The taker: block until the kernel grants this process the file lock, then hand it
        to the writer waiting for it, or let it go if that writer has given up."""
        while True:
            with self._state:
                self._state.wait_for(lambda: self._taking and self._wanted)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                time.sleep(0.01)  # not expected; the writer's timeout still applies
                continue
            with self._state:
                self._taking = False
                if self._wanted:
                    self._wanted, self._held = False, True
                    self._state.notify_all()
                else:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def release(self) -> None:
        with self._state:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()


class _QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that lets its :class:`WriterQueue` turn go when it commits,
    rolls back or closes."""

    writer_queue: WriterQueue | None = None
    holds_turn = False

    def _end_turn(self) -> None:
        if self.holds_turn:
            self.holds_turn = False
            self.writer_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()


_writer_queues: dict[str, WriterQueue] = {}
_writer_queues_lock = threading.Lock()


def writer_queue_for(database_path: str) -> WriterQueue:
    """The one queue of this process for a database file."""
    path = os.path.realpath(database_path)
    with _writer_queues_lock:
        if path not in _writer_queues:
            _writer_queues[path] = WriterQueue(path)
        return _writer_queues[path]


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
                "factory": _QueuedConnection,
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
        if _STARTS_WRITE.match(statement) and not conn.get_execution_options().get(READ_ONLY):
            dbapi_connection = conn.connection.dbapi_connection
            if not dbapi_connection.in_transaction:
                try:
                    _begin_immediate(dbapi_connection)
                except sqlite3.Error as exc:  # as SQLAlchemy reports the driver's own errors
                    raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


_STARTS_WRITE = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE
)


def _begin_immediate(dbapi_connection: Any) -> None:
    queue = dbapi_connection.writer_queue
    if queue is not None and not dbapi_connection.holds_turn:
        queue.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000)
        dbapi_connection.holds_turn = True
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection._end_turn()
        raise


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
        _begin_immediate(dbapi_connection)


_ATTACHED = "cunyue.attached"


def attach_inserted(session: Session, obj: Any) -> Any:
    """Make ``obj`` — a mapped object whose row a plain INSERT has just written, every column
    set, primary key included — a persistent object of ``session`` without another query.

    The session does not count it as new, so a rollback would leave it behind, naming a row
    that no longer exists; it is remembered with its transaction and dropped on rollback.
    """
    make_transient_to_detached(obj)
    session.add(obj)
    txn = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_ATTACHED, []).append((txn, obj))
    return obj


@event.listens_for(Session, "after_soft_rollback")
def _drop_attached(session: Session, previous: Any) -> None:
    attached = session.info.get(_ATTACHED)
    if not attached:
        return
    kept = []
    for txn, obj in attached:
        inner = txn  # rolled back: the transaction it was written in, or one around it
        while inner is not None and inner is not previous:
            inner = inner.parent
        if inner is previous or previous.parent is None:
            if obj in session:
                session.expunge(obj)
        else:
            kept.append((txn, obj))
    session.info[_ATTACHED] = kept


@event.listens_for(Session, "after_commit")
def _forget_attached(session: Session) -> None:
    session.info.pop(_ATTACHED, None)  # committed: the rows are there for good


def insert_values(table: Any) -> Any:
    """``INSERT`` into ``table`` naming a parameter for every column but the primary key the
    database numbers (a :class:`DirectStatement` takes no columns from its parameters)."""
    values = {
        c.key: bindparam(c.key, type_=c.type)
        for c in table.columns
        if c is not table.autoincrement_column
    }
    # inline: no implicit RETURNING of the new key; a caller wanting it says .returning().
    return insert(table).values(values).inline()


class DirectStatement:
    """A prebuilt statement run on the driver's cursor, past SQLAlchemy's execution layer.

    For the statements of a check-in or a redemption (about ten a request, most of them
    inside SQLite's single write lock), where ``Connection.execute`` costs more than the
    database's own work: measured here, 43 µs against 26 µs for a ledger insert, 15 against
    3 for a small one. SQLAlchemy still writes the SQL and converts every value both ways
    (the types' bind and result processors), once per dialect; what is skipped is its per-execution machinery (execution context, events, result
    objects). Rows come back as named tuples; driver errors as SQLAlchemy's
    (``IntegrityError`` ...).

    Only for statements that name every parameter they take (an INSERT its values, see
    :func:`insert_values`) and need nothing of SQLAlchemy at execution: no Python-side
    column defaults or ``onupdate`` values, no expanding ``IN`` lists (refused when first
    built). The parameters given do not add columns to an INSERT or UPDATE, as they would
    through ``Connection.execute``. On SQLite a write must run inside its write transaction (``begin_write`` or a lock): the
    engine's safety net that begins one does not see these statements.
    """

    __slots__ = ("statement", "_forms")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._forms: dict[tuple[str, str], _DirectForm] = {}  # by dialect and driver

    def _form(self, conn: Connection) -> _DirectForm:
        dialect = conn.dialect
        form = self._forms.get((dialect.name, dialect.driver))
        if form is None:
            form = self._forms[(dialect.name, dialect.driver)] = _DirectForm(
                self.statement, dialect
            )
        return form

    def _run(self, conn: Connection, params: dict[str, Any], many: Iterable | None = None):
        form = self._form(conn)
        pooled = conn.connection
        dbapi_connection = pooled.dbapi_connection
        if form.writes and form.sqlite and not dbapi_connection.in_transaction:
            raise RuntimeError("a direct write on SQLite runs inside its write transaction")
        cursor = _cursor_of(pooled, dbapi_connection)
        try:
            if many is None:
                arguments = form.arguments(params)
                cursor.execute(form.sql, arguments)
            else:
                arguments = [form.arguments(p) for p in many]
                cursor.executemany(form.sql, arguments)
            rows = cursor.fetchall() if form.row is not None else None
        except BaseException as exc:
            # A statement that failed part way may still be running on the cursor (sqlite3
            # when a row cannot be read: it would hold its snapshot and keep the WAL from
            # being checkpointed): the connection's next statement gets a new cursor.
            _drop_cursor(pooled, cursor)
            if isinstance(exc, conn.dialect.loaded_dbapi.Error):
                raise DBAPIError.instance(
                    form.sql, arguments, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
                ) from exc
            raise
        return form, rows

    def execute(self, conn: Connection, params: dict[str, Any]) -> None:
        self._run(conn, params)

    def executemany(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """The statement once per parameter set (all with the same names)."""
        if rows:
            self._run(conn, rows[0], many=rows)

    def all(self, conn: Connection, params: dict[str, Any]) -> list[tuple]:
        form, rows = self._run(conn, params)
        return [form.make(row) for row in rows]

    def first(self, conn: Connection, params: dict[str, Any]) -> tuple | None:
        form, rows = self._run(conn, params)
        return form.make(rows[0]) if rows else None

    def scalar(self, conn: Connection, params: dict[str, Any]) -> Any:
        row = self.first(conn, params)
        return None if row is None else row[0]


_CURSOR = "cunyue.cursor"


def _cursor_of(pooled: Any, dbapi_connection: Any) -> Any:
    """The driver's cursor that direct statements share on a connection, made once.

    A statement fetches all its rows before the next runs, so one cursor serves them all;
    making one per statement cost a psycopg statement about a fifth of its time (a psycopg
    cursor builds its adapters: the token look-up, alone, took 83 µs, now 65). It is kept in the pool's per-connection ``info``
    (which the pool empties at the first checkout after the driver's connection was closed
    or replaced) and is checked to belong to the driver's connection in hand. A statement
    that fails drops it (:func:`_drop_cursor`)."""
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not dbapi_connection:
        cursor = pooled.info[_CURSOR] = dbapi_connection.cursor()
    return cursor


def _drop_cursor(pooled: Any, cursor: Any) -> None:
    if pooled.info.get(_CURSOR) is cursor:
        del pooled.info[_CURSOR]
    # The connection may be gone with the statement: its error is the one to raise.
    with contextlib.suppress(Exception):
        cursor.close()


class _DirectForm:
    """A :class:`DirectStatement` compiled for one dialect."""

    def __init__(self, statement: Executable, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        if (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
        ):
            raise ValueError(f"not a statement to run directly: {compiled.string}")
        self.sql = compiled.string
        self.sqlite = dialect.name == "sqlite"
        self.writes = bool(_STARTS_WRITE.match(self.sql))
        # (name, parameter key or None for a constant, processor, constant's value)
        self._binds = []
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self._binds.append((name, bind.key, processor, None))
            else:
                value = bind.effective_value
                self._binds.append((name, None, None, processor(value) if processor else value))
        self._names = [b[0] for b in self._binds]
        by_name = {b[0]: b for b in self._binds}
        self._order = (
            [by_name[name] for name in compiled.positiontup] if compiled.positional else None
        )
        # (parameter key or None, processor, constant), in the order the driver takes them
        self._plan = [b[1:] for b in (self._binds if self._order is None else self._order)]
        columns = list(getattr(statement, "exported_columns", ()))  # none: no rows back
        if columns:
            names = [c.key for c in columns]
            if len(set(names)) != len(names):
                raise ValueError(f"result columns need distinct names: {names}")
            self.row = namedtuple("DirectRow", names)
            self._results = [
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
            ]
        else:
            self.row, self._results = None, []

    def arguments(self, params: dict[str, Any]) -> Any:
        values = [
            constant
            if key is None
            else params[key]
            if processor is None
            else (None if (raw := params[key]) is None else processor(raw))
            for key, processor, constant in self._plan
        ]
        if self._order is not None:
            return values
        return dict(zip(self._names, values, strict=True))

    def make(self, raw: Sequence[Any]) -> tuple:
        return self.row._make(
            [p(v) if p is not None else v for p, v in zip(self._results, raw, strict=True)]
        )


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
