"""Residents' QR cards (积分卡): a signed, versioned token and a short typeable code.

The QR payload is ``CY1`` + base32 of (village id, resident id, card version) and a
truncated HMAC-SHA256 under a key derived from the application's secret. It names no
person in clear, fits a small QR code at error-correction level M (alphanumeric mode), and
stops working when the card is reissued (the version is bumped). The short code
``<resident id>-<5 digits>`` is for typing when a camera fails; its digits also depend on the
version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

from sqlalchemy.orm import Session

from points import audit
from points.errors import DomainError
from points.models import Resident, ResidentStatus

PREFIX = "CY1"
_MAC_BYTES = 10
_BODY = struct.Struct(">IIH")  # village id, resident id, card version
SHORT_CODE_RE = re.compile(r"^\s*(\d{1,9})\s*[- ]?\s*(\d{5})\s*$")


class InvalidCard(DomainError):
    code = "invalid_card"
    status = 400


def _key(secret: str | bytes, purpose: bytes) -> bytes:
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret_bytes, b"cunyue-card:" + purpose, hashlib.sha256).digest()


def _mac(secret: str | bytes, body: bytes) -> bytes:
    return hmac.new(_key(secret, b"qr"), body, hashlib.sha256).digest()[:_MAC_BYTES]


def payload_for(secret: str | bytes, resident: Resident) -> str:
    body = _BODY.pack(resident.village_id, resident.id, resident.card_version)
    token = base64.b32encode(body + _mac(secret, body)).decode().rstrip("=")
    return PREFIX + token


def short_code_for(secret: str | bytes, resident: Resident) -> str:
    body = _BODY.pack(resident.village_id, resident.id, resident.card_version)
    digest = hmac.new(_key(secret, b"short"), body, hashlib.sha256).digest()
    return f"{resident.id}-{int.from_bytes(digest[:4], 'big') % 100000:05d}"


def _decode(payload: str) -> tuple[int, int, int, bytes, bytes]:
    text = (payload or "").strip().upper()
    if not text.startswith(PREFIX) or len(text) > 80:
        raise InvalidCard()
    token = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (ValueError, base64.binascii.Error):
        raise InvalidCard() from None
    if len(raw) != _BODY.size + _MAC_BYTES:
        raise InvalidCard()
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    village_id, resident_id, version = _BODY.unpack(body)
    return village_id, resident_id, version, body, mac


@dataclass(frozen=True, slots=True)
class CardClaim:
    """What a card's QR payload or short code says, before the resident is read."""

    payload: str
    resident_id: int
    village_id: int | None = None  # the QR payload's; a short code names no village
    version: int | None = None


def read_card(secret: str | bytes, payload: str) -> CardClaim:
    """Parse a QR payload (its MAC checked) or a short code; :class:`InvalidCard` otherwise."""
    match = SHORT_CODE_RE.match(payload or "")
    if match:
        return CardClaim(payload, int(match.group(1)))
    card_village, resident_id, version, body, mac = _decode(payload)
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidCard()
    return CardClaim(payload, resident_id, card_village, version)


def check_card(secret: str | bytes, claim: CardClaim, resident, village_id: int) -> None:
    """The claim names ``resident`` (a :class:`Resident` or a row with its id, village_id,
    card_version and status, or None when there is none) with their current card, and the
    resident is an active resident of ``village_id``. Forged, foreign, outdated (reissued)
    cards and cards of residents who moved out all raise :class:`InvalidCard`."""
    if resident is None or resident.id != claim.resident_id:
        raise InvalidCard()
    if claim.version is None:
        match = SHORT_CODE_RE.match(claim.payload)
        if not hmac.compare_digest(
            short_code_for(secret, resident), f"{match.group(1)}-{match.group(2)}"
        ):
            raise InvalidCard()
    elif resident.card_version != claim.version or resident.village_id != claim.village_id:
        raise InvalidCard()
    if resident.village_id != village_id or resident.status != ResidentStatus.ACTIVE:
        raise InvalidCard()


def resolve(session: Session, secret: str | bytes, village_id: int, payload: str) -> Resident:
    """The active resident of ``village_id`` whose current card carries ``payload`` (the QR
    payload or the short code); :class:`InvalidCard` otherwise (see :func:`check_card`)."""
    claim = read_card(secret, payload)
    resident = session.get(Resident, claim.resident_id)
    check_card(secret, claim, resident, village_id)
    return resident


def reissue(session: Session, resident: Resident, *, by_id: int | None) -> Resident:
    """A new card: the version goes up and every earlier card stops working."""
    from points.residents import lock_resident  # noqa: PLC0415 (residents imports cards' users)

    resident = lock_resident(session, resident)
    before = resident.card_version
    resident.card_version = before + 1
    session.flush()
    audit.record(
        session,
        action="card.reissue",
        obj=resident,
        by_id=by_id,
        village_id=resident.village_id,
        before={"card_version": before},
        after={"card_version": resident.card_version},
    )
    return resident
