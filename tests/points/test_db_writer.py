"""The SQLite writer queue (points/db_writer.py) and the write lock it serves.

Across processes: a writer waits for another process's turn, gives up at its timeout with
SQLite's own error, and a turn granted after it gave up is not lost to the next writer (it
really holds the lock). Through the engine: a write session's reads before its first lock do
not hold the database's write lock (a scan's token, event and resident lookups would
otherwise serialize every scan); what a write depends on is read after ``begin_write``;
writers from several threads and processes take turns without "database is locked" errors
and without losing an update.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from points.db import Database, WriterQueue, begin_write

pytestmark = pytest.mark.concurrency


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()  # hold until told
fcntl.flock(fd, fcntl.LOCK_UN)
print("released", flush=True)
"""

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("taken")
"""


class OtherProcess:
    """Another process holding the writer lock until :meth:`let_go`."""

    def __init__(self, lock_path: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, lock_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "held"

    def let_go(self) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "released"
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.wait(timeout=10)


def probe(lock_path: str) -> str:
    """Whether another process could take the lock now."""
    out = subprocess.run([sys.executable, "-c", PROBE, lock_path], capture_output=True, text=True)
    return out.stdout.strip()


def writer_in_thread(queue: WriterQueue) -> tuple[threading.Thread, threading.Event]:
    """A writer of this process waiting for its turn in a thread; the event is set when it
    has the lock."""
    got = threading.Event()

    def writer():
        queue.acquire(10)
        got.set()

    thread = threading.Thread(target=writer)
    thread.start()
    return thread, got


def hold_and_let_go(queue: WriterQueue, thread: threading.Thread, got: threading.Event) -> None:
    """The writer got the lock (no other process can take it) and lets it go."""
    thread.join(timeout=10)
    assert got.is_set()
    assert probe(queue.lock_path) == "taken"
    queue.release()
    assert probe(queue.lock_path) == "free"


@pytest.fixture
def queue(tmp_path):
    return WriterQueue(str(tmp_path / "cunyue.db"))


def test_a_writer_waits_for_another_process_and_gets_the_lock_when_it_is_let_go(queue):
    queue.acquire(5)
    queue.release()  # this process's lock thread is running
    other = OtherProcess(queue.lock_path)
    thread, got = writer_in_thread(queue)
    time.sleep(0.2)
    assert not got.is_set()  # still the other process's turn
    other.let_go()
    hold_and_let_go(queue, thread, got)


def test_a_writer_gives_up_at_its_timeout_and_a_late_grant_is_not_lost(queue):
    other = OtherProcess(queue.lock_path)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        queue.acquire(0.2)
    # The lock thread is still queued behind the other process; the next writer of this
    # process takes over its place in the queue.
    thread, got = writer_in_thread(queue)
    other.let_go()
    hold_and_let_go(queue, thread, got)


def test_a_grant_nobody_waits_for_any_more_is_let_go(queue):
    other = OtherProcess(queue.lock_path)
    with pytest.raises(sqlite3.OperationalError):
        queue.acquire(0.1)
    other.let_go()
    # The lock thread gets the lock with no writer waiting and lets it go at once.
    for _ in range(100):
        if probe(queue.lock_path) == "free":
            break
        time.sleep(0.05)
    assert probe(queue.lock_path) == "free"
    queue.acquire(5)  # and this process can still take its turns
    assert probe(queue.lock_path) == "taken"
    queue.release()


def test_threads_of_one_process_take_turns(queue):
    inside, overlaps = [0], []
    guard = threading.Lock()

    def writer():
        for _ in range(50):
            queue.acquire(10)
            with guard:
                inside[0] += 1
                overlaps.append(inside[0])
            time.sleep(0.0005)
            with guard:
                inside[0] -= 1
            queue.release()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(overlaps) == 200 and max(overlaps) == 1


# ---------------------------------------------------------------- through the engine


@pytest.fixture
def sqlite_db(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    with db.session() as s:
        s.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        s.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
        s.commit()
    yield db
    db.dispose()


def _increment(db: Database, pause: float = 0.0) -> None:
    with db.session() as s:
        s.execute(text("SELECT 1"))  # a read before the lock, as a request's authentication
        begin_write(s)
        n = s.scalar(text("SELECT n FROM counter WHERE id = 1"))
        if pause:
            time.sleep(pause)  # widen the read-then-write window
        s.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
        s.commit()


def test_reads_before_the_first_lock_leave_the_database_to_other_writers(sqlite_db):
    reader = sqlite_db.session()
    try:
        assert reader.scalar(text("SELECT n FROM counter WHERE id = 1")) == 0
        done = threading.Event()

        def other_writer():
            _increment(sqlite_db)
            done.set()

        t = threading.Thread(target=other_writer)
        t.start()
        # Under BEGIN IMMEDIATE at the first statement the other writer would wait here
        # until this session ended.
        assert done.wait(5), "a write session that has only read held the write lock"
        t.join()
        begin_write(reader)
        assert reader.scalar(text("SELECT n FROM counter WHERE id = 1")) == 1  # latest commit
        reader.execute(text("UPDATE counter SET n = n + 10 WHERE id = 1"))
        reader.commit()
    finally:
        reader.close()
    with sqlite_db.session(write=False) as s:
        assert s.scalar(text("SELECT n FROM counter WHERE id = 1")) == 11


def test_threads_read_then_write_after_begin_write_and_lose_nothing(sqlite_db):
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(15):
                _increment(sqlite_db, pause=0.001)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_db.session(write=False) as s:
        assert s.scalar(text("SELECT n FROM counter WHERE id = 1")) == 8 * 15


def _process_worker(url: str, rounds: int) -> None:
    db = Database(url)
    try:
        threads = [
            threading.Thread(target=lambda: [_increment(db, pause=0.001) for _ in range(rounds)])
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        db.dispose()


def test_processes_take_turns_and_lose_nothing(sqlite_db):
    # Three processes of three threads each, as gunicorn workers would be.
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_process_worker, args=(sqlite_db.url, 10)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with sqlite_db.session(write=False) as s:
        assert s.scalar(text("SELECT n FROM counter WHERE id = 1")) == 3 * 3 * 10


def test_a_failed_transaction_lets_the_next_writer_in(sqlite_db):
    s = sqlite_db.session()
    begin_write(s)
    s.execute(text("UPDATE counter SET n = 99 WHERE id = 1"))
    s.rollback()  # an error in the request: its turn ends with the rollback
    s.close()
    _increment(sqlite_db)  # would wait for the busy timeout if the turn were still held
    broken = sqlite_db.session()
    broken.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))  # the write begins it
    broken.close()  # closed without commit: rolled back, turn released
    _increment(sqlite_db)
    with sqlite_db.session(write=False) as s:
        assert s.scalar(text("SELECT n FROM counter WHERE id = 1")) == 2


def test_a_read_session_cannot_take_the_write_lock(sqlite_db):
    with sqlite_db.session(write=False) as s, pytest.raises(RuntimeError):
        begin_write(s)
