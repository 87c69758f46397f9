"""Daily backups without cron, their pruning, and the admin's page about them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.ops import autobackup
from points import backup
from points.models import Role
from tests.dbutil import database_url_for_tests
from tests.ops.opsutil import ops_app, seeded


def fake_backup(folder: Path, at: datetime, *, verified: bool = True) -> backup.BackupInfo:
    """A finished backup's file and JSON, as :func:`points.backup.backup_sqlite` leaves them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"cunyue-{at:%Y%m%d-%H%M%S}.db"
    path.write_bytes(b"x" * 3 * 1024 * 1024)
    info = backup.BackupInfo(path, at, path.stat().st_size, verified, schema="x")
    backup._write_json(info)
    return info


def test_prune_keeps_the_newest_of_each_recent_day_and_month(tmp_path):
    start = datetime(2026, 8, 1, 18, 0, tzinfo=UTC)
    for day in range(75):  # two a day, 1 August to 14 October
        fake_backup(tmp_path, start + timedelta(days=day))
        fake_backup(tmp_path, start + timedelta(days=day, hours=3))
    removed = backup.prune(tmp_path, keep_days=3, keep_months=2)
    kept = [i.created_at for i in backup.list_backups(tmp_path)]
    assert kept == [
        datetime(2026, 9, 30, 21, 0, tzinfo=UTC),  # September's newest
        datetime(2026, 10, 12, 21, 0, tzinfo=UTC),
        datetime(2026, 10, 13, 21, 0, tzinfo=UTC),
        datetime(2026, 10, 14, 21, 0, tzinfo=UTC),  # also October's newest
    ]
    assert len(removed) == 150 - 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for i in backup.list_backups(tmp_path) for n in (i.path.name, i.meta_path.name)
    )


def test_a_backup_is_made_on_the_first_request_of_a_new_day_and_pruned(tmp_path, fixed_clock):
    url = database_url_for_tests("_auto")
    if backup.sqlite_file(url) is None:
        pytest.skip("automatic backups are SQLite's; PostgreSQL has a timer")
    db = seeded(url)
    folder = tmp_path / "usb"
    app = ops_app(url, folder, BACKUP_AUTO=True, BACKUP_KEEP_DAYS=2, BACKUP_KEEP_MONTHS=1)
    auto = app.extensions["cunyue_autobackup"]
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    auto.thread.join(timeout=60)
    first = backup.last_backup(folder)
    assert first is not None and first.verified and first.created_at == fixed_clock.now
    assert first.entries == 18 and len(first.heads) == 6

    assert autobackup.run_if_due(app) is None  # not a day old yet
    fixed_clock.advance(days=1)
    with backup.folder_lock(folder, wait=False) as taken:  # another process is backing up
        assert taken
        assert autobackup.run_if_due(app) is None
    fixed_clock.advance(days=-1)
    for _ in range(3):
        fixed_clock.advance(days=1)
        auto.next_look = 0.0  # the process looks again at once (it waits ten minutes)
        client.get("/healthz")
        auto.thread.join(timeout=60)
    found = backup.list_backups(folder)
    assert [i.created_at - first.created_at for i in found] == [
        timedelta(days=2),
        timedelta(days=3),
    ]
    assert all(i.verified for i in found)
    assert not list(folder.glob(".*partial"))
    db.dispose()
    app.extensions["cunyue_db"].dispose()


def test_the_admins_page_shows_the_last_backup_and_warns_after_two_days(
    app, client, login, make_user, village, tmp_path, fixed_clock
):
    folder = tmp_path / "backups"
    app.config["BACKUP_DIR"] = str(folder)
    admin = make_user(village, roles=(Role.ADMIN,))
    login(admin)
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "已超过两天没有校验通过的备份" in page

    fake_backup(folder, fixed_clock.now - timedelta(hours=30))
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "最近一次备份：2026-11-01 04:00，3.0 MB" in page
    assert "备份中的台账已校验无误" in page
    assert "已超过两天" not in page

    fixed_clock.advance(days=1)
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "最近一次备份：2026-11-01 04:00" in page and "已超过两天" in page

    clerk = make_user(village, roles=(Role.CLERK,))
    other = app.test_client()
    login(clerk, other)
    assert "备份" not in other.get("/admin/dashboard").get_data(as_text=True)
