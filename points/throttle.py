"""Counters of failed logins in the database, shared by every application process.

A counter is a key (a hash: no username or address is stored) and a fixed window. Adding a
failure is one ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count``:
on PostgreSQL two processes adding to the same counter at once both count (the conflicting
insert waits on the row's lock, then updates the row the other committed); on SQLite every
write transaction holds the database's write lock (``BEGIN IMMEDIATE``), so they run one
after the other. Neither reads a count and writes it back, which would lose failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from points.db import Base, UTCDateTime


class LoginFailureCount(Base):
    """Failed logins counted per key (a hash of the account, the client or the device) and
    per fixed time window, where every application process sees them."""

    __tablename__ = "login_failure_counts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The window's start, in seconds since 1970 (UTC).
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # When the window is over and the row may be deleted.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<LoginFailureCount {self.key[:8]} {self.window_start} {self.count}>"


@dataclass(frozen=True)
class Counter:
    """One key's counter in the window of ``seconds`` that holds ``at``."""

    key: str
    seconds: int
    at: datetime

    @property
    def window(self) -> int:
        stamp = int(self.at.timestamp())
        return stamp - stamp % self.seconds

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.window + self.seconds, UTC)


_TABLE = LoginFailureCount.__table__


def counts(session: Session, counters: Sequence[Counter]) -> list[int]:
    """The failures counted so far in each counter's window (0 for none)."""
    if not counters:
        return []
    wanted = [(c.key, c.window) for c in counters]
    rows = session.execute(
        select(_TABLE.c.key, _TABLE.c.window_start, _TABLE.c.count).where(
            tuple_(_TABLE.c.key, _TABLE.c.window_start).in_(wanted)
        )
    )
    found = {(key, window): count for key, window, count in rows}
    return [found.get(pair, 0) for pair in wanted]


def add_failure(session: Session, counters: Iterable[Counter]) -> list[int]:
    """Count one failure in each counter; the counts after it. Flushes, never commits."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    after = []
    opened = False
    for c in counters:
        stmt = insert(_TABLE).values(
            key=c.key, window_start=c.window, count=1, expires_at=c.expires_at
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_TABLE.c.key, _TABLE.c.window_start],
            set_={"count": _TABLE.c.count + 1},
        ).returning(_TABLE.c.count)
        count = session.execute(stmt).scalar_one()
        opened = opened or count == 1
        after.append(count)
    if opened:  # a new window began: clear away the windows that are over
        purge(session, min(c.at for c in counters) - timedelta(seconds=1))
    return after


def purge(session: Session, before: datetime) -> int:
    """Delete the counters of windows over by ``before``."""
    result = session.execute(delete(_TABLE).where(_TABLE.c.expires_at < before))
    return result.rowcount or 0
