"""Photo evidence of awards and claims: type checked by magic bytes, size limited, counted
against the upload quotas (:mod:`points.uploads`), and removed once a rejected claim's
objection window has passed.

Files live under ``<instance>/uploads/evidence/`` with random names; the web layer serves
them only to the village's staff and the resident concerned.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from points import uploads
from points.clock import now
from points.errors import ValidationFailed
from points.models import Award, AwardStatus, Village
from points.upload_models import Upload
from points.uploads import UploadLimits

MAX_BYTES = 5 * 1024 * 1024
SUBDIR = "evidence"
KIND = "evidence"


def sniff(data: bytes) -> str | None:
    """The file extension for a JPEG, PNG or WebP image, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _checked_type(data: bytes) -> str:
    if not data:
        raise ValidationFailed({"photo": "empty file"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"photo": "at most 5 MB"})
    ext = sniff(data)
    if ext is None:
        raise ValidationFailed({"photo": "a JPEG, PNG or WebP photo"})
    return ext


def store(uploads_dir: Path, data: bytes) -> str:
    """Write a checked photo whole; returns its path relative to ``uploads_dir``.

    Counts against no quota: what people upload goes through :func:`save`."""
    ext = _checked_type(data)
    name = f"{secrets.token_hex(16)}.{ext}"
    uploads.write_file(uploads_dir / SUBDIR, name, data)
    return f"{SUBDIR}/{name}"


def save(
    session: Session,
    *,
    uploads_dir: Path,
    data: bytes,
    village: Village,
    user_id: int | None,
    limits: UploadLimits | None = None,
) -> str:
    """A user's photo: checked, admitted under the quotas, written whole and recorded in the
    session's transaction (a rollback deletes the file again)."""
    _checked_type(data)
    limits = limits or UploadLimits()
    # Photos whose time is up make room first (deleted when this transaction commits);
    # this also holds the village's uploads until the transaction ends.
    remove_rejected_photos(session, village, uploads_dir=uploads_dir)
    uploads.admit(
        session, village=village, user_id=user_id, size=len(data), folder=uploads_dir, limits=limits
    )
    relative = store(uploads_dir, data)
    uploads.record(
        session,
        village_id=village.id,
        user_id=user_id,
        kind=KIND,
        folder=uploads_dir,
        path=relative,
        size=len(data),
    )
    return relative


def resolve(uploads_dir: Path, relative: str) -> Path | None:
    """The file of a stored relative path, refusing anything outside the evidence folder."""
    base = (uploads_dir / SUBDIR).resolve()
    path = (uploads_dir / relative).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


def remove_rejected_photos(session: Session, village: Village, *, uploads_dir: Path) -> int:
    """Delete the photos of the village's rejected claims whose objection window has passed.

    The window is the village's ``objection_days`` after the review (for a claim rejected
    by an upheld objection, also its objection deadline). The award keeps its row, with
    ``evidence_path`` cleared and ``evidence_removed_at`` set; the upload's row is marked
    removed; the files go once the transaction commits. Cheap when nothing is due and
    idempotent, like :func:`points.awards.confirm_due`.
    """
    uploads.lock_village(session, village.id)
    at = now()
    due = list(
        session.scalars(
            select(Award).where(
                Award.village_id == village.id,
                Award.status == AwardStatus.REJECTED,
                Award.is_claim.is_(True),
                Award.evidence_path.is_not(None),
                Award.reviewed_at <= at - timedelta(days=village.objection_days),
                or_(Award.objection_deadline.is_(None), Award.objection_deadline <= at),
            )
        )
    )
    if not due:
        return 0
    paths = [award.evidence_path for award in due]
    for award in due:
        award.evidence_path = None
        award.evidence_removed_at = at
    session.execute(
        update(Upload)
        .where(Upload.village_id == village.id, Upload.path.in_(paths), Upload.removed_at.is_(None))
        .values(removed_at=at)
    )
    session.flush()
    uploads.delete_after_commit(session, uploads_dir, paths)
    return len(due)


MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
