"""Uploads: quotas per user and per village, a rate per user, files written whole or not at
all, and files deleted only once the database no longer refers to them.

Every stored file is one :class:`~points.upload_models.Upload` row, added in the same
transaction as the object that refers to the file. Before a file is written,
:func:`admit` holds the village's row (PostgreSQL ``SELECT ... FOR NO KEY UPDATE``, which
other writers' foreign keys do not wait for; SQLite's write lock already serializes) and
counts the rows: at most ``user_per_minute`` uploads a minute and ``user_daily_bytes`` in any
24 hours per user, at most the village's quota in total, and never so much that the disk
keeps less than ``disk_reserve_bytes`` free (the database lives on the same disk).

A file is written under a temporary name, flushed to disk and renamed into place; when the
disk is full the temporary file is removed and :class:`StorageFull` is raised, so nothing
half-written stays behind. Files written in a transaction that then rolls back are deleted
with the rollback; files given to :func:`delete_after_commit` are deleted once the
transaction that stopped referring to them has committed (never before: a crash in
between leaves a spare file, never a row pointing at a missing one).
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.db import begin_write
from points.errors import DomainError, ValidationFailed
from points.models import Village
from points.upload_models import Upload

MB = 1024 * 1024
# errnos that mean "no room": a full disk, or the owner's disk quota reached.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True)
class UploadLimits:
    """The deployment's limits (the web layer builds them from its settings)."""

    user_daily_bytes: int = 50 * MB  # per user, in any 24 hours
    user_per_minute: int = 5  # uploads per user in any 60 seconds
    village_bytes: int = 2048 * MB  # kept per village, unless the village has its own quota
    disk_reserve_bytes: int = 64 * MB  # free space an upload may never eat into


class UploadRateLimited(DomainError):
    code = "upload_rate_limited"
    status = 429


class UploadQuotaExceeded(DomainError):
    """The user's uploads of the last 24 hours would pass the daily quota."""

    code = "upload_quota_exceeded"
    status = 429


class VillageQuotaExceeded(DomainError):
    """The village's stored uploads would pass its quota."""

    code = "village_quota_exceeded"
    status = 413


class StorageFull(DomainError):
    """The disk has no room for the file; nothing was written."""

    code = "storage_full"
    status = 507


def village_quota_bytes(village: Village, limits: UploadLimits) -> int:
    if village.upload_quota_mb is not None:
        return village.upload_quota_mb * MB
    return limits.village_bytes


MAX_VILLAGE_QUOTA_MB = 10_000_000  # 10 TB: beyond any disk a village's server has


def set_village_quota(
    session: Session, village: Village, megabytes: int | None, *, by_id: int | None
) -> Village:
    """A village's own upload quota in MB (None: the deployment's default). Set from the
    command line by whoever runs the server: a village admin cannot raise their own."""
    if megabytes is not None and not 1 <= megabytes <= MAX_VILLAGE_QUOTA_MB:
        raise ValidationFailed({"megabytes": "out of range"})
    before = village.upload_quota_mb
    village.upload_quota_mb = megabytes
    session.flush()
    audit.record(
        session,
        action="village.upload_quota",
        obj=village,
        by_id=by_id,
        village_id=village.id,
        before={"upload_quota_mb": before},
        after={"upload_quota_mb": megabytes},
    )
    return village


def lock_village(session: Session, village_id: int) -> None:
    """Hold the village's row so that its uploads are counted one at a time (SQLite: the
    write lock, taken before the counts are read)."""
    begin_write(session)
    if session.connection().dialect.name != "sqlite":
        session.execute(
            select(Village.id).where(Village.id == village_id).with_for_update(key_share=True)
        )


def admit(
    session: Session,
    *,
    village: Village,
    user_id: int | None,
    size: int,
    folder: Path,
    limits: UploadLimits,
) -> None:
    """Refuse an upload of ``size`` bytes that passes a limit; hold the village's uploads
    until the transaction ends."""
    lock_village(session, village.id)
    at = now()
    if user_id is not None:
        recent = session.scalar(
            select(func.count(Upload.id)).where(
                Upload.user_id == user_id, Upload.created_at > at - timedelta(minutes=1)
            )
        )
        if recent >= limits.user_per_minute:
            raise UploadRateLimited(retry_after=60)
        today = session.scalar(
            select(func.coalesce(func.sum(Upload.size), 0)).where(
                Upload.user_id == user_id, Upload.created_at > at - timedelta(days=1)
            )
        )
        if today + size > limits.user_daily_bytes:
            raise UploadQuotaExceeded(limit_bytes=limits.user_daily_bytes, used_bytes=int(today))
    kept = session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.village_id == village.id, Upload.removed_at.is_(None)
        )
    )
    quota = village_quota_bytes(village, limits)
    if kept + size > quota:
        raise VillageQuotaExceeded(limit_bytes=quota, used_bytes=int(kept))
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free - size < limits.disk_reserve_bytes:
        raise StorageFull()


def _write_all(fd: int, data: bytes) -> None:
    """The file-writing boundary: every byte of ``data`` to ``fd``, then onto the disk."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def write_file(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` whole (a temporary file renamed into place) or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = folder / f".{name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in NO_ROOM:
            raise StorageFull() from exc
        raise
    return path


def record(
    session: Session,
    *,
    village_id: int,
    user_id: int | None,
    kind: str,
    folder: Path,
    path: str,
    size: int,
) -> Upload:
    """The row of a file just written; the file goes again if the transaction rolls back."""
    upload = Upload(
        village_id=village_id, user_id=user_id, kind=kind, path=path, size=size, created_at=now()
    )
    session.add(upload)
    session.flush()
    _watch(session)
    session.info["cunyue_new_files"].append(folder / path)
    return upload


def delete_after_commit(session: Session, folder: Path, paths: list[str]) -> None:
    """Delete these files (relative to ``folder``) once the transaction has committed."""
    _watch(session)
    session.info["cunyue_gone_files"].extend(folder / p for p in paths)


def _watch(session: Session) -> None:
    if "cunyue_new_files" in session.info:
        return
    session.info["cunyue_new_files"] = []
    session.info["cunyue_gone_files"] = []
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the outer one may yet fail
        return
    session.info["cunyue_new_files"].clear()
    for path in session.info["cunyue_gone_files"]:
        path.unlink(missing_ok=True)
    session.info["cunyue_gone_files"].clear()


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():  # only a SAVEPOINT: cannot tell its files apart
        return
    session.info["cunyue_gone_files"].clear()
    for path in session.info["cunyue_new_files"]:
        path.unlink(missing_ok=True)
    session.info["cunyue_new_files"].clear()
