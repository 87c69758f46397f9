"""Crash test: gunicorn SIGKILLed while it makes its daily backup leaves the last good
backup intact, the database whole, and nothing a later backup trips over.

The backup is written to a hidden ``.partial`` name, fsynced, verified and only then
renamed, so a kill at any moment leaves either the old set of backups or the old set plus
a complete new one. The database is made large (an audit log of about 40 MB) so that the
copy takes long enough to be caught: the test kills the server as soon as the partial file
is there, and then checks it is still there (the kill came mid-backup).

Run it with ``pytest -m crash tests/ops/test_crash_backup.py``.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from sqlalchemy import insert

from points import backup, users
from points.models import AuditLog, Role
from tests.dbutil import database_url_for_tests
from tests.ops.opsutil import figures, ops_app, seeded
from tests.test_crash import Server, free_port

pytestmark = pytest.mark.crash

AUDIT_ROWS = 30_000  # about 1.3 kB each


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sigkill_during_the_daily_backup_leaves_the_last_good_backup_intact(tmp_path, fixed_clock):
    url = database_url_for_tests("_crash_backup")
    if backup.sqlite_file(url) is None:
        pytest.skip("the server backs up a SQLite database itself; PostgreSQL has a timer")
    db = seeded(url)
    with db.session() as s, s.begin():
        v_id = s.scalar(AuditLog.__table__.select().with_only_columns(AuditLog.village_id))
        user = users.create_user(
            s, username="crash-admin", password="crash-pass-1", village_id=v_id,
            roles=(Role.ADMIN,),
        )  # fmt: skip
        token, _row = users.issue_token(s, user, lifetime=timedelta(days=36500))
        filler = {"note": "村务记录" * 100}
        s.execute(
            insert(AuditLog),
            [
                dict(village_id=v_id, user_id=user.id, action="test.filler",
                     object_type="village", object_id=v_id, before=filler, after=filler)
                for _ in range(AUDIT_ROWS)
            ],
        )  # fmt: skip
    entries, balances = figures(db)
    folder = tmp_path / "backups"

    # the last good backup, a month old (the clock is pinned at 2026-11-02 in this process;
    # the server runs on the real clock, so its daily backup is due)
    app = ops_app(url, folder)
    result = app.test_cli_runner().invoke(args=["backup"])
    app.extensions["cunyue_db"].dispose()
    assert result.exit_code == 0, result.output
    good = backup.last_backup(folder)
    assert good.verified and good.size > 30_000_000
    good_digest, meta_text = _digest(good.path), good.meta_path.read_text()

    server = Server(url, free_port(), tmp_path, token)
    server.env["CUNYUE_BACKUP_DIR"] = str(folder)
    server.env.pop("CUNYUE_AUTO_BACKUP", None)
    try:
        server.start(deadline=time.monotonic() + 30)  # its first request starts the backup
        deadline = time.monotonic() + 30
        partial = []
        while not partial and time.monotonic() < deadline:
            partial = [p for p in folder.glob(".cunyue-*.db.partial") if p.stat().st_size]
        assert partial, "the server started no backup:\n" + server.log_tail()
        server.kill()
        server.wait_gone()
    finally:
        server.kill_all()

    # killed mid-backup: the partial is there, and no new backup was named
    assert all(p.exists() for p in partial)
    assert [i.path for i in backup.list_backups(folder)] == [good.path]
    assert sorted(p.name for p in folder.glob("cunyue-*")) == [
        good.path.name,
        good.meta_path.name,
    ]
    # the last good backup is byte for byte what it was, and still verifies
    assert _digest(good.path) == good_digest and good.meta_path.read_text() == meta_text
    schema, report = backup.verify_sqlite_file(good.path)
    assert report.ok and [list(h) for h in report.heads] == good.heads
    assert schema == good.schema
    # the database is whole
    assert figures(db) == (entries, balances)

    # the next backup clears the partial and succeeds; the good one restores
    fixed_clock.advance(days=1)
    app = ops_app(url, folder)
    result = app.test_cli_runner().invoke(args=["backup"])
    app.extensions["cunyue_db"].dispose()
    assert result.exit_code == 0, result.output
    assert not list(folder.glob(".*partial"))
    target = tmp_path / "restored.db"
    restored = ops_app(f"sqlite:///{target}", tmp_path / "other")
    result = restored.test_cli_runner().invoke(args=["restore", str(good.path)])
    restored.extensions["cunyue_db"].dispose()
    assert result.exit_code == 0 and "chain heads match the backup's record" in result.output
    db.dispose()
