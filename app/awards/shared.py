"""Helpers the award pages and the API share: lazy confirmation and photo uploads."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from flask import current_app, g, request
from sqlalchemy.orm import Session

from app.db import SAFE_METHODS, get_session, write_session
from points import awards, evidence, expiry
from points.errors import ValidationFailed
from points.models import Village
from points.uploads import MB, UploadLimits


def uploads_dir() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads"


def expire_lazily(village_id: int) -> None:
    """Run a due 积分清零 on the first request after its day begins (no cron job needed),
    in a short write transaction of its own; idempotent (points.expiry.run_if_due).
    Nothing is read when the village does not clear; otherwise one indexed query."""
    session = get_session()
    village = session.get(Village, village_id)
    if village is None or expiry.is_due(session, village) is None:
        return
    if request.method not in SAFE_METHODS:
        expiry.run_if_due(session, village)
        return
    writer = write_session()
    try:
        expiry.run_if_due(writer, writer.get(Village, village_id))
        writer.commit()
    finally:
        writer.close()
    session.commit()  # end the read snapshot (nothing was written in it)
    session.expire_all()


def confirm_lazily(village_id: int) -> None:
    """Confirm the village's due awards (and run a due expiry) before a read shows figures
    (no cron job needed).

    One indexed query when nothing is due; otherwise a short write transaction, after which
    the request's read session starts a fresh transaction so it sees the confirmations.
    """
    expire_lazily(village_id)
    session = get_session()
    if not awards.any_due(session, village_id):
        return
    if request.method not in SAFE_METHODS:
        # A write request already holds the write lock (SQLite: BEGIN IMMEDIATE): a second
        # writer would wait for it. Confirm in the request's own transaction instead.
        awards.confirm_due(session, village_id)
        return
    writer = write_session()
    try:
        awards.confirm_due(writer, village_id)
        writer.commit()
    finally:
        writer.close()
    session.commit()  # end the read snapshot (nothing was written in it)
    session.expire_all()


def upload_limits() -> UploadLimits:
    """The deployment's upload limits, from the settings (see app/config.py)."""
    c = current_app.config
    return UploadLimits(
        user_daily_bytes=c["UPLOAD_USER_DAILY_MB"] * MB,
        user_per_minute=c["UPLOAD_USER_PER_MINUTE"],
        village_bytes=c["UPLOAD_VILLAGE_MB"] * MB,
        disk_reserve_bytes=c["UPLOAD_DISK_RESERVE_MB"] * MB,
    )


def store_photo_bytes(data: bytes | None, session: Session | None = None) -> str | None:
    """The signed-in user's photo, under the upload quotas, in the request's transaction."""
    if not data:
        return None
    relative = evidence.save(
        session or get_session(),
        uploads_dir=uploads_dir(),
        data=data,
        village=g.user.village,
        user_id=g.user.id,
        limits=upload_limits(),
    )
    g.setdefault("new_photos", []).append(relative)
    return relative


def discard_unsaved_photos(response):
    """After a failed request, remove the photos it stored: no award refers to them."""
    if response.status_code >= 400:
        for relative in g.pop("new_photos", []):
            path = evidence.resolve(uploads_dir(), relative)
            if path is not None:
                path.unlink(missing_ok=True)
    return response


def store_photo_base64(text: str | None) -> str | None:
    if not text:
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({"photo": "a JPEG, PNG or WebP photo"}) from None
    return store_photo_bytes(data)
