"""Item photos: checked by their first bytes (not their name) and size, stored by content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from points import audit, uploads
from points.errors import ValidationFailed
from points.models import Village
from points.uploads import UploadLimits
from store.models import Item

MAX_BYTES = 2 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
)


def photo_type(data: bytes) -> str | None:
    """The file extension for JPEG, PNG or WebP data, else None."""
    for magic, ext in SIGNATURES:
        if data.startswith(magic):
            return ext
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def set_photo(
    session: Session,
    item: Item,
    data: bytes,
    directory: Path,
    *,
    by_id: int | None,
    limits: UploadLimits | None = None,
) -> Item:
    """Store ``data`` as the item's photo under ``directory`` (e.g. instance/uploads).

    A picture not yet on disk counts against the upload quotas and is written whole
    (:mod:`points.uploads`); one already there (the same bytes) is only referred to."""
    if not data:
        raise ValidationFailed({"photo": "required"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"photo": "at most 2 MB"})
    ext = photo_type(data)
    if ext is None:
        raise ValidationFailed({"photo": "a JPEG, PNG or WebP picture"})
    name = hashlib.sha256(data).hexdigest() + ext
    if not (directory / name).exists():
        village = session.get(Village, item.village_id)
        uploads.admit(
            session,
            village=village,
            user_id=by_id,
            size=len(data),
            folder=directory,
            limits=limits or UploadLimits(),
        )
        uploads.write_file(directory, name, data)
        uploads.record(
            session,
            village_id=item.village_id,
            user_id=by_id,
            kind="item_photo",
            folder=directory,
            path=name,
            size=len(data),
        )
    before = item.photo
    item.photo = name
    session.flush()
    audit.record(
        session,
        action="item.photo",
        obj=item,
        by_id=by_id,
        village_id=item.village_id,
        before={"photo": before},
        after={"photo": name},
    )
    return item
