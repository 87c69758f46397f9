"""Idempotency keys: a repeated request with the same key replays the first response.

The record is claimed (inserted) at the start of the request's transaction, so a concurrent
duplicate waits on the unique index (PostgreSQL) or the write lock (SQLite) and then sees
the first response instead of doing the work twice.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.errors import IdempotencyMismatch, ValidationFailed
from points.models import IdempotencyRecord

MAX_KEY = 64


def request_fingerprint(method: str, path: str, body: Any) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{text}".encode()).hexdigest()


def clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed({"Idempotency-Key": "1 to 64 printable characters"})
    return key


def find(session: Session, user_id: int, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The stored record for this key, or None; a different request under it is refused."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.request_hash != fingerprint:
        raise IdempotencyMismatch()
    return record


def claim(session: Session, user_id: int, key: str, fingerprint: str) -> IdempotencyRecord:
    """Insert the key's record now (status 0 = in progress) inside the caller's transaction."""
    record = IdempotencyRecord(
        user_id=user_id, key=key, request_hash=fingerprint, status_code=0, response={}
    )
    session.add(record)
    session.flush()
    return record


def complete(record: IdempotencyRecord, status_code: int, response: dict[str, Any]) -> None:
    record.status_code = status_code
    record.response = response
