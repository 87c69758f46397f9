"""flask backup / restore: a copy taken while writes go on restores and verifies."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from points import backup, ledger
from points.db import Database
from points.models import EntryKind, Household
from tests.dbutil import database_url_for_tests, reset_database
from tests.ops.opsutil import figures, ops_app, seeded

pytestmark = pytest.mark.concurrency


class Writers:
    """Threads that each keep awarding a point to their own household, committing each."""

    def __init__(self, db: Database, household_ids: list[int]) -> None:
        self.db, self.stop = db, threading.Event()
        self.commits = 0
        self.lock = threading.Lock()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._work, args=(h,)) for h in household_ids]

    def _work(self, household_id: int) -> None:
        try:
            while not self.stop.is_set():
                with self.db.session() as s, s.begin():
                    ledger.append(s, household_id=household_id, amount=1, kind=EntryKind.AWARD)
                with self.lock:
                    self.commits += 1
        except BaseException as exc:  # noqa: BLE001
            self.errors.append(exc)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not self.errors, self.errors


def _heads(db: Database) -> list[list]:
    with db.session(write=False) as s, s.begin():
        return [list(h) for h in ledger.verify(s).heads]


def test_backup_while_writing_restores_into_a_new_database_and_verifies(tmp_path):
    url = database_url_for_tests("_backup")
    db = seeded(url)
    with db.session(write=False) as s:
        ids = list(s.scalars(select(Household.id).order_by(Household.id)))
    app = ops_app(url, tmp_path / "backups")
    with Writers(db, ids[:4]) as writers:
        while writers.commits < 20:  # the writers are under way
            time.sleep(0.01)  # (a timed wait of a threading.Event never ends under faketime)
        before = writers.commits
        result = app.test_cli_runner().invoke(args=["backup"])
        during = writers.commits - before
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("ok ")
    path = Path(first[3:])
    assert path.parent == tmp_path / "backups" and path.exists()
    assert during > 0  # the server's writes went on while the copy was taken and checked
    for p in (path, backup.meta_path_for(path)):  # personal data: the owner's only
        assert p.stat().st_mode & 0o077 == 0
    meta = json.loads(backup.meta_path_for(path).read_text())
    assert meta["verified"] is True and meta["schema"] == backup_schema(db)
    assert meta["entries"] >= 18 + 20 and len(meta["heads"]) == 6
    live_entries, _ = figures(db)
    assert meta["entries"] < live_entries  # the writers went on after the snapshot

    target = database_url_for_tests("_restored")
    if backup.sqlite_file(target) is None:
        reset_database(target)  # an empty PostgreSQL database to restore into
    else:
        backup.sqlite_file(target).unlink(missing_ok=True)
    restored_app = ops_app(target, tmp_path / "other")
    result = restored_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "chain heads match the backup's record" in result.output
    restored = Database(target)
    entries, balances = figures(restored)
    assert entries == meta["entries"]
    assert _heads(restored) == meta["heads"]
    # each chain's head is its household's last entry, and the balance its sum
    with restored.session(write=False) as s, s.begin():
        report = ledger.verify(s)
    assert report.ok and report.entries == meta["entries"]
    assert sum(balances.values()) == 6 * 12 + (meta["entries"] - 18)
    restored.dispose()
    db.dispose()
    app.extensions["cunyue_db"].dispose()
    restored_app.extensions["cunyue_db"].dispose()


def backup_schema(db: Database) -> str:
    with db.session(write=False) as s:
        return backup.schema_version(s)


def test_restore_refuses_a_database_with_data_without_force_and_keeps_it_with_force(tmp_path):
    url = database_url_for_tests("_backup")
    db = seeded(url)
    app = ops_app(url, tmp_path / "backups")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.splitlines()[0][3:])
    saved_entries, saved_balances = figures(db)
    with db.session() as s, s.begin():  # a write after the backup
        ledger.append(s, household_id=min(saved_balances), amount=7, kind=EntryKind.AWARD)

    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "holds data (1 village(s)); give --force" in result.output
    assert figures(db)[0] == saved_entries + 1  # nothing replaced

    result = app.test_cli_runner().invoke(args=["restore", str(path), "--force"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    db.dispose()
    restored = Database(url)
    assert figures(restored) == (saved_entries, saved_balances)
    restored.dispose()
    source = backup.sqlite_file(url)
    if source is not None:  # the replaced file is kept beside the database
        kept = [p for p in source.parent.glob(source.name + ".replaced-*")]
        assert len(kept) == 1
        old = Database(f"sqlite:///{kept[0]}")
        assert figures(old)[0] == saved_entries + 1
        old.dispose()
    else:  # PostgreSQL: a pg_dump of the replaced database, in the backup folder
        assert "the replaced database is kept as" in result.output
    app.extensions["cunyue_db"].dispose()


def test_postgresql_without_pg_dump_is_refused_with_the_command(tmp_path, monkeypatch):
    url = database_url_for_tests("_backup")
    if backup.sqlite_file(url) is not None:
        pytest.skip("PostgreSQL only")
    reset_database(url)
    app = ops_app(url, tmp_path / "backups")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1
    assert "pg_dump is not installed here" in result.output
    assert "pg_dump --format=custom --file=" in result.output
    assert not list((tmp_path / "backups").glob("cunyue-*"))
    app.extensions["cunyue_db"].dispose()


def test_a_restore_of_something_that_is_not_a_database_changes_nothing(tmp_path):
    url = database_url_for_tests("_backup")
    if backup.sqlite_file(url) is None:
        pytest.skip("SQLite: a file that is not a database")
    db = seeded(url)
    before = figures(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    app = ops_app(url, tmp_path / "backups")
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--force"])
    assert result.exit_code == 1 and "not a SQLite database" in result.output
    assert figures(db) == before
    db.dispose()
    app.extensions["cunyue_db"].dispose()
