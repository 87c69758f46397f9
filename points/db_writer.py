"""The SQLite writer queue: writers to one database file take turns in order, instead of
sleeping and retrying in SQLite's busy handler.

:func:`points.db.make_engine` gives every SQLite connection the :class:`QueuedConnection`
class and this process's :class:`WriterQueue` for the file; :func:`begin_immediate` (called
by :func:`points.db.begin_write` and by the engine's safety net for a write outside a
transaction) takes the turn, and the connection lets it go when it commits, rolls back or
closes. PostgreSQL needs none of this.

Why it exists: without it, p99 at 16 connections went from 44-58 ms to 390-590 ms in
``make bench SCALE=village`` (see bench/README.md).
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from typing import Any

SQLITE_BUSY_TIMEOUT_MS = 30_000

# A statement that writes (or opens a savepoint): on SQLite it needs the write transaction.
STARTS_WRITE = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE
)


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


class QueuedConnection(sqlite3.Connection):
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


def begin_immediate(dbapi_connection: Any) -> None:
    queue = dbapi_connection.writer_queue
    if queue is not None and not dbapi_connection.holds_turn:
        queue.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000)
        dbapi_connection.holds_turn = True
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection._end_turn()
        raise
