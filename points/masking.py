"""Names as the public board shows them: 张建国 → 张*国, 王明 → 王*."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.models import Resident


def mask_name(name: str | None) -> str:
    """The first character, a ``*`` for each character but the last, then the last; a
    two-character name is the first character and ``*``; one character stays ``*``."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def masked_heads(session: Session, village_id: int) -> dict[int, str]:
    """Each household's head (or, without one, its first resident), masked: id → name."""
    out: dict[int, str] = {}
    stmt = (
        select(Resident.household_id, Resident.name)
        .where(Resident.village_id == village_id)
        .order_by(Resident.is_head.desc(), Resident.id)
    )
    for hid, name in session.execute(stmt):
        if hid not in out:
            out[hid] = mask_name(name)
    return out
