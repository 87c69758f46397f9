"""The rotating event code shown on a projector: an HMAC over the event and a 30-second
window. The previous window is accepted too, so a photo shared later does not work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime

from sqlalchemy.orm import Session

from points.clock import now
from points.event_models import Event
from points.events.errors import ExpiredCode, InvalidEventCode
from points.events.life import get_event

WINDOW_SECONDS = 30
EVENT_PREFIX = "CE1"
_EVENT_BODY = struct.Struct(">II")  # event id, window number
_EVENT_MAC = 8


def _event_key(secret: str | bytes) -> bytes:
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret_bytes, b"cunyue-event:rotating", hashlib.sha256).digest()


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def rotating_payload(secret: str | bytes, event: Event, at: datetime | None = None):
    """The event's code for the current window and the seconds until the next one."""
    at = at or now()
    body = _EVENT_BODY.pack(event.id, _window(at))
    mac = hmac.new(_event_key(secret), body, hashlib.sha256).digest()[:_EVENT_MAC]
    token = base64.b32encode(body + mac).decode().rstrip("=")
    expires_in = WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS
    return EVENT_PREFIX + token, expires_in


def resolve_rotating(session: Session, secret: str | bytes, village_id: int, payload: str) -> Event:
    """The event a rotating code names; ``expired_code`` once two windows have passed."""
    text = (payload or "").strip().upper()
    if not text.startswith(EVENT_PREFIX) or len(text) > 60:
        raise InvalidEventCode()
    token = text[len(EVENT_PREFIX) :]
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (ValueError, base64.binascii.Error):
        raise InvalidEventCode() from None
    if len(raw) != _EVENT_BODY.size + _EVENT_MAC:
        raise InvalidEventCode()
    body, mac = raw[: _EVENT_BODY.size], raw[_EVENT_BODY.size :]
    expected = hmac.new(_event_key(secret), body, hashlib.sha256).digest()[:_EVENT_MAC]
    if not hmac.compare_digest(mac, expected):
        raise InvalidEventCode()
    event_id, window = _EVENT_BODY.unpack(body)
    if _window(now()) - window not in (0, 1):
        raise ExpiredCode()
    return get_event(session, village_id, event_id)
