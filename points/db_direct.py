"""Direct statements: prebuilt statements run on the driver's cursor, past SQLAlchemy's
execution layer, with one cursor reused per connection; and :func:`attach_inserted`, which
makes a row written by such an INSERT a mapped object without another query.

Only the hot paths use them (a check-in, a redemption, the token look-up); everything else
goes through the session. Why they exist: with :class:`DirectStatement` replaced by plain
``Connection.execute``, SQLite check-ins fell from 0.41 to 0.35 of the bare endpoint and
redemptions from 0.47 to 0.35 in ``make bench SCALE=village`` (see bench/README.md).
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, event, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.expression import Executable

from points.db_writer import STARTS_WRITE

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
        self.writes = bool(STARTS_WRITE.match(self.sql))
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
