"""The SQLite writer queue across processes: a writer waits for another process's turn, gives
up at its timeout with SQLite's own error, and a turn granted after it gave up is not lost
to the next writer (it really holds the lock)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from points.db import WriterQueue

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
