"""Backups and restores of the configured database, for the commands and the automatic run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from points import backup, ledger
from points.clock import now
from points.db import make_engine
from points.models import Household, Village


def database_url(app: Flask) -> str:
    """The URL of the database the app uses (a database handed in may differ from the
    configured DATABASE_URL)."""
    database = app.extensions["cunyue_db"]
    url = getattr(database, "url", None)
    if url is None and getattr(database, "engine", None) is not None:
        url = database.engine.url.render_as_string(hide_password=False)
    return url or app.config["DATABASE_URL"]


def backup_folder(app: Flask) -> Path:
    return Path(app.config["BACKUP_DIR"])


def run_backup(app: Flask, folder: Path | None = None) -> backup.BackupInfo:
    """A verified copy of the database in ``folder`` (default: the configured one). Waits
    while another backup runs there. Only the automatic backups prune the folder: a copy
    made by hand (or by make run before an upgrade) stays until someone removes it."""
    target = Path(folder) if folder else backup_folder(app)
    with backup.folder_lock(target, wait=True):
        return backup_locked(app, target, prune=False)


def backup_locked(app: Flask, folder: Path, *, prune: bool) -> backup.BackupInfo:
    """:func:`run_backup` for a caller holding the folder's lock."""
    url = database_url(app)
    source = backup.sqlite_file(url)
    if source is not None:
        info = backup.backup_sqlite(source, folder, step_pages=app.config["BACKUP_STEP_PAGES"])
    else:
        engine = app.extensions["cunyue_db"].engine
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin(), Session(bind=conn) as session:
                info = backup.backup_postgres(url, folder, session)
    if prune and info.verified:
        backup.prune(
            folder,
            keep_days=app.config["BACKUP_KEEP_DAYS"],
            keep_months=app.config["BACKUP_KEEP_MONTHS"],
        )
    return info


def migrate_to_head(url: str) -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def holds_data(url: str) -> int:
    """How many villages the database at ``url`` holds (0 when empty or not yet made)."""
    path = backup.sqlite_file(url)
    if path is not None and not path.exists():
        return 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("villages"):
                return 0
            villages = conn.scalar(select(func.count(Village.id))) or 0
            return villages or int(bool(conn.scalar(select(func.count(Household.id)))))
    finally:
        engine.dispose()


@dataclass
class Restored:
    kept: Path | None  # the replaced database, kept
    report: ledger.VerifyReport
    schema: str | None
    heads_match: bool | None  # against the JSON beside the backup; None without one


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (and of its WAL, if any) by the backup API."""
    temp = target.with_name("." + target.name + backup.PARTIAL)
    temp.unlink(missing_ok=True)
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT, 0o600))  # the service's user only
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, target)


def _check_sqlite(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise backup.BackupError(detail=f"{file} is not a SQLite database ({exc})") from exc
    if result != "ok":
        raise backup.BackupError(detail=f"{file} fails SQLite's check: {result}")


def restore(app: Flask, file: Path) -> Restored:
    """Put ``file`` in place of the configured database (the caller has checked --force),
    keep what it replaces, migrate it to the current schema and verify the ledger."""
    url = database_url(app)
    stamp = now().strftime(backup.STAMP)
    app.extensions["cunyue_db"].dispose()
    target = backup.sqlite_file(url)
    kept = None
    if target is not None:
        _check_sqlite(file)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            kept = target.with_name(f"{target.name}.replaced-{stamp}")
            _copy_sqlite(target, kept)
            for p in (Path(f"{target}-wal"), Path(f"{target}-shm"), target):
                p.unlink(missing_ok=True)
        _copy_sqlite(file, target)
    else:
        if holds_data(url):
            info = run_backup(app)  # pg_dump of what is replaced (refuses without pg_dump)
            kept = info.path
        pg_url = make_url(url).set(drivername="postgresql").render_as_string(False)
        done = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", pg_url, str(file)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise backup.BackupError(detail=done.stderr.strip()[-500:])
    migrate_to_head(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            report = ledger.verify(session)
            schema = backup.schema_version(session)
    finally:
        engine.dispose()
    heads_match = None
    meta = backup.meta_path_for(file)
    if meta.exists():
        recorded = backup.BackupInfo.from_meta(meta)
        heads_match = sorted(map(tuple, recorded.heads)) == sorted(map(tuple, report.heads))
    return Restored(kept, report, schema, heads_match)
