"""Photo evidence of awards and claims: type checked by magic bytes, size limited.

Files live under ``<instance>/uploads/evidence/`` with random names; the web layer serves
them only to the village's staff and the resident concerned.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from points.errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
SUBDIR = "evidence"


def sniff(data: bytes) -> str | None:
    """The file extension for a JPEG, PNG or WebP image, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def store(uploads_dir: Path, data: bytes) -> str:
    """Write a checked photo; returns its path relative to ``uploads_dir``."""
    if not data:
        raise ValidationFailed({"photo": "empty file"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"photo": "at most 5 MB"})
    ext = sniff(data)
    if ext is None:
        raise ValidationFailed({"photo": "a JPEG, PNG or WebP photo"})
    folder = uploads_dir / SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder / name).write_bytes(data)
    return f"{SUBDIR}/{name}"


def resolve(uploads_dir: Path, relative: str) -> Path | None:
    """The file of a stored relative path, refusing anything outside the evidence folder."""
    base = (uploads_dir / SUBDIR).resolve()
    path = (uploads_dir / relative).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
