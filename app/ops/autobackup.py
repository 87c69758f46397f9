"""Daily backups of a SQLite database without cron: the first request after a backup is a
day old starts one in a background thread. Processes agree through a lock file in the backup
folder, so one of gunicorn's workers makes it; afterwards the folder keeps the newest backup
of each of the last ``BACKUP_KEEP_DAYS`` days and ``BACKUP_KEEP_MONTHS`` months.

A PostgreSQL server is backed up by its own timer (docs/deployment.md), not from requests."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from app.ops.backups import backup_folder, backup_locked, database_url
from points import backup
from points.clock import now

log = logging.getLogger("cunyue.backup")
EVERY = timedelta(days=1)
WARN_AFTER = timedelta(days=2)  # the admin's page warns when the last backup is older
CHECK_EVERY_S = 600  # a process looks at the folder at most this often


def is_due(app: Flask) -> bool:
    last = backup.last_backup(backup_folder(app))
    return last is None or now() - last.created_at >= EVERY


@dataclass
class Status:
    last: backup.BackupInfo | None
    stale: bool  # none, or none for more than two days: the admin's page warns
    folder: str


def status(app: Flask) -> Status:
    folder = backup_folder(app)
    last = backup.last_backup(folder)
    stale = last is None or not last.verified or now() - last.created_at > WARN_AFTER
    return Status(last, stale, str(folder))


def run_if_due(app: Flask) -> backup.BackupInfo | None:
    """Back up and prune when the last backup is a day old, unless another process is at it."""
    folder = backup_folder(app)
    with backup.folder_lock(folder, wait=False) as taken:
        if not taken or not is_due(app):
            return None
        info = backup_locked(app, folder, prune=True)
    if info.verified:
        log.info("automatic backup %s verified (%d bytes)", info.path.name, info.size)
    else:
        log.error("automatic backup %s does not verify", info.path.name)
    return info


class AutoBackup:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.next_look = 0.0
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            run_if_due(self.app)
        except Exception:  # a failed backup must not take the server down  # noqa: BLE001
            log.exception("automatic backup failed")

    def on_request(self) -> None:
        t = time.monotonic()
        if t < self.next_look:
            return
        with self.lock:
            if t < self.next_look or (self.thread and self.thread.is_alive()):
                return
            self.next_look = t + CHECK_EVERY_S
            if not is_due(self.app):
                return
            self.thread = threading.Thread(target=self._run, name="cunyue-backup", daemon=True)
            self.thread.start()


def enabled(app: Flask) -> bool:
    """On for a SQLite file configured by DATABASE_URL (not for a database handed in)."""
    return (
        app.config["BACKUP_AUTO"]
        and app.config.get("CUNYUE_DATABASE") is None
        and backup.sqlite_file(database_url(app)) is not None
    )


def init_app(app: Flask) -> None:
    if not enabled(app):
        return
    auto = app.extensions["cunyue_autobackup"] = AutoBackup(app)
    app.before_request(auto.on_request)
