"""Backups of the whole database, and their upkeep. No Flask import.

SQLite: the online backup API copies the live database (a read snapshot: the server may go on
writing) to a hidden temporary file in the backup folder; the copy is made one self-contained
file (journal mode DELETE), fsynced, opened and verified (every ledger chain recomputed), and
only then renamed to ``cunyue-YYYYMMDD-HHMMSS.db`` with a JSON file beside it holding the
schema version, the chain heads and the verification. A process killed half way leaves a
``.partial`` file (removed by the next backup) and every earlier backup as it was.

PostgreSQL: ``pg_dump --format=custom`` to a temporary name, checked with ``pg_restore
--list``, then renamed; the chain heads come from the live database.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from points import ledger
from points.clock import now
from points.errors import DomainError

PREFIX = "cunyue-"
STAMP = "%Y%m%d-%H%M%S"
PARTIAL = ".partial"
FORMAT = 1  # of the JSON beside each backup
LOCK_FILE = ".cunyue-backup.lock"


class BackupError(DomainError):
    code = "backup_failed"


class NeedsPgDump(BackupError):
    """PostgreSQL without ``pg_dump`` on the PATH: the installer runs the command given."""

    code = "pg_dump_missing"


@dataclass
class BackupInfo:
    path: Path
    created_at: datetime
    size: int
    verified: bool
    schema: str | None = None
    entries: int = 0
    households: int = 0
    heads: list[list] = field(default_factory=list)  # [household id, seq, hash]
    problems: list[dict] = field(default_factory=list)
    kind: str = "sqlite"

    @property
    def meta_path(self) -> Path:
        return meta_path_for(self.path)

    def as_dict(self) -> dict:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "file": self.path.name,
            "created_at": self.created_at.isoformat(),
            "size": self.size,
            "verified": self.verified,
            "schema": self.schema,
            "entries": self.entries,
            "households": self.households,
            "heads": self.heads,
            "problems": self.problems,
        }

    @classmethod
    def from_meta(cls, meta: Path) -> BackupInfo:
        data = json.loads(meta.read_text(encoding="utf-8"))
        return cls(
            path=meta.with_name(data["file"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            size=int(data["size"]),
            verified=bool(data["verified"]),
            schema=data.get("schema"),
            entries=int(data.get("entries", 0)),
            households=int(data.get("households", 0)),
            heads=data.get("heads", []),
            problems=data.get("problems", []),
            kind=data.get("kind", "sqlite"),
        )


def meta_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(temp: Path, final: Path) -> None:
    """Rename a finished, fsynced file into place and make the rename itself durable."""
    os.replace(temp, final)
    _fsync(final.parent)


def _write_json(info: BackupInfo) -> None:
    temp = info.meta_path.with_name("." + info.meta_path.name + PARTIAL)
    with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
        json.dump(info.as_dict(), fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    _publish(temp, info.meta_path)


def _new_name(folder: Path, at: datetime, suffix: str) -> Path:
    base = f"{PREFIX}{at.strftime(STAMP)}"
    path, n = folder / f"{base}{suffix}", 1
    while path.exists():
        path, n = folder / f"{base}-{n}{suffix}", n + 1
    return path


@contextmanager
def folder_lock(folder: Path, *, wait: bool) -> Iterator[bool]:
    """The folder's backup lock (one backup at a time, across processes): yields whether it
    was taken; without ``wait``, False at once when another process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def remove_partials(folder: Path) -> int:
    """Remove what a backup killed half way left behind (under :func:`folder_lock`)."""
    count = 0
    for p in folder.glob(f".{PREFIX}*{PARTIAL}"):
        p.unlink(missing_ok=True)
        count += 1
    return count


def schema_version(session: Session) -> str | None:
    conn = session.connection()
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def verify_sqlite_file(path: Path) -> tuple[str | None, ledger.VerifyReport]:
    """Open a SQLite file read-only and recompute its ledger: (schema version, report)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            return schema_version(session), ledger.verify(session)
    finally:
        engine.dispose()


def _fill(info: BackupInfo, schema: str | None, report: ledger.VerifyReport) -> BackupInfo:
    info.schema = schema
    info.verified = report.ok
    info.entries, info.households = report.entries, report.households
    info.heads = [list(h) for h in report.heads]
    info.problems = [p.as_dict() for p in report.problems]
    return info


def backup_sqlite(
    source: Path,
    folder: Path,
    *,
    step_pages: int = -1,
    progress: Callable[[int, int, int], object] | None = None,
) -> BackupInfo:
    """Copy the SQLite database ``source`` into ``folder`` and verify the copy.

    ``step_pages`` -1 copies in one step, one read snapshot that a writer in WAL mode does
    not wait for; a smaller step lets writers in between, and the copy restarts after each
    write by another connection (so under steady writes it may not finish)."""
    if not source.exists():
        raise BackupError(path=str(source))
    folder.mkdir(parents=True, exist_ok=True)
    remove_partials(folder)
    at = now()
    final = _new_name(folder, at, ".db")
    temp = final.with_name("." + final.name + PARTIAL)
    # personal data: readable by the service's user only, whatever the umask
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(temp, 0o600)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst, pages=step_pages, progress=progress)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()
    _fsync(temp)
    schema, report = verify_sqlite_file(temp)
    info = _fill(BackupInfo(final, at, temp.stat().st_size, False), schema, report)
    _publish(temp, final)
    _write_json(info)
    return info


def pg_dump_command(url: str, target: Path) -> list[str]:
    u = make_url(url).set(drivername="postgresql")
    return ["pg_dump", "--format=custom", f"--file={target}", u.render_as_string(False)]


def backup_postgres(url: str, folder: Path, session: Session) -> BackupInfo:
    """pg_dump of the database at ``url``. ``session`` is in a REPEATABLE READ transaction:
    its snapshot is exported to pg_dump, so the chain heads verified here are the dump's."""
    folder.mkdir(parents=True, exist_ok=True)
    at = now()
    final = _new_name(folder, at, ".dump")
    if shutil.which("pg_dump") is None:
        shown = pg_dump_command(url, final)
        shown[-1] = make_url(url).set(drivername="postgresql").render_as_string(True)
        raise NeedsPgDump(command=" ".join(shown))
    remove_partials(folder)
    temp = final.with_name("." + final.name + PARTIAL)
    snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    report = ledger.verify(session)
    schema = schema_version(session)
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(temp, 0o600)
    dump = pg_dump_command(url, temp)
    dump.insert(-1, f"--snapshot={snapshot}")
    done = subprocess.run(dump, capture_output=True, text=True)
    if done.returncode != 0:
        temp.unlink(missing_ok=True)
        raise BackupError(detail=done.stderr.strip()[-500:])
    listed = subprocess.run(["pg_restore", "--list", str(temp)], capture_output=True, text=True)
    _fsync(temp)
    info = _fill(
        BackupInfo(final, at, temp.stat().st_size, False, kind="postgresql"), schema, report
    )
    info.verified = info.verified and listed.returncode == 0
    _publish(temp, final)
    _write_json(info)
    return info


def list_backups(folder: Path) -> list[BackupInfo]:
    """The finished backups in ``folder`` (those with their JSON), oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for meta in folder.glob(f"{PREFIX}*.json"):
        try:
            info = BackupInfo.from_meta(meta)
        except (ValueError, KeyError, OSError):
            continue
        if info.path.exists():
            found.append(info)
    return sorted(found, key=lambda i: (i.created_at, i.path.name))


def last_backup(folder: Path) -> BackupInfo | None:
    found = list_backups(folder)
    return found[-1] if found else None


def prune(folder: Path, *, keep_days: int, keep_months: int) -> list[Path]:
    """Keep the newest backup of each of the last ``keep_days`` days that have one and of
    each of the last ``keep_months`` months; remove the others (and their JSON)."""
    found = list_backups(folder)
    keep: set[Path] = set()
    days: dict[str, Path] = {}
    months: dict[str, Path] = {}
    for info in found:  # oldest first: the newest of a day or month wins
        days[info.created_at.strftime("%Y-%m-%d")] = info.path
        months[info.created_at.strftime("%Y-%m")] = info.path
    keep.update(days[d] for d in sorted(days)[-keep_days:] if keep_days > 0)
    keep.update(months[m] for m in sorted(months)[-keep_months:] if keep_months > 0)
    if found:
        keep.add(found[-1].path)  # never the last one
    removed = []
    for info in found:
        if info.path not in keep:
            info.path.unlink(missing_ok=True)
            info.meta_path.unlink(missing_ok=True)
            removed.append(info.path)
    return removed
