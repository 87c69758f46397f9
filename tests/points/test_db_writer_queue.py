"""SQLite's single write lock: taken at the first lock or write, held to the end, queued.

A write session's reads before its first lock must not hold the database's write lock (a
scan's token, event and resident lookups would otherwise serialize every scan); what a write
depends on is read after ``begin_write``; writers from several threads and processes take
turns without "database is locked" errors and without losing an update.
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from sqlalchemy import text

from points.db import Database, begin_write

pytestmark = pytest.mark.concurrency


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
