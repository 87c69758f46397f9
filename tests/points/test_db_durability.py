"""SQLite settings that decide whether an acknowledged write survives a crash or power cut."""

from sqlalchemy import text

from points.db import Database


def test_sqlite_commits_are_synced_before_they_are_acknowledged(tmp_path):
    # WAL with synchronous=NORMAL survives a killed process but may lose the last commits
    # to a power cut; a 2xx for a redemption must mean it is on disk, so FULL (2).
    db = Database(f"sqlite:///{tmp_path / 'durable.db'}")
    try:
        for write in (True, False):
            with db.session(write=write) as s:
                assert s.scalar(text("PRAGMA journal_mode")) == "wal"
                assert s.scalar(text("PRAGMA synchronous")) == 2
    finally:
        db.dispose()
