"""The public board (村务公开栏) of a village: what anyone the village shares it with may see.

Only masked names (张*国), never phone numbers, ids, notes or other villages' data: every
line here is built from a few chosen fields, never from a whole row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import awards, events, honours
from points.board_models import DeductionDisplay
from points.clock import now
from points.event_models import Event, EventKind
from points.masking import mask_name, masked_heads
from points.models import Village
from points.tallies import local_month, month_bounds_in


def decided_topics(session: Session, village: Village) -> list[dict]:
    """The village's decided topics (议题) with their implementation progress and
    satisfaction rate. Topics are not on this branch yet: the topics work fills this in
    (each item: title, decided on, progress, satisfaction rate — no names)."""
    return []


@dataclass
class Board:
    village: Village
    month: str
    awards: list[dict] = field(default_factory=list)
    deductions: dict = field(default_factory=dict)
    meetings: list[dict] = field(default_factory=list)
    honour_roll: list[dict] = field(default_factory=list)
    honour_roll_year: list[dict] = field(default_factory=list)
    stars: list[dict] = field(default_factory=list)
    topics: list[dict] = field(default_factory=list)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _posted_awards(session: Session, village: Village, mode: DeductionDisplay):
    """Awards in their objection window; deductions as the village's setting chooses."""
    shown, count, points = [], 0, 0
    for a in awards.public_board(session, village.id):
        line = {
            "title": a.rule_version.title,
            "amount": a.amount,
            "quantity": a.quantity,
            "deadline": _iso(a.objection_deadline),
            "on_hold": a.status.value == "held",
        }
        if a.amount < 0:
            count += 1
            points += -a.amount
            if mode == DeductionDisplay.TOTALS:
                continue
            if mode == DeductionDisplay.NUMBER:
                line["household"] = a.resident.household.number
            else:
                line["name"] = mask_name(a.resident.name)
        else:
            line["name"] = mask_name(a.resident.name)
        shown.append(line)
    return shown, {"shown_as": mode.value, "count": count, "points": points}


def _meetings(session: Session, village: Village) -> list[dict]:
    """This month's meetings with their attendance rates."""
    start, end = month_bounds_in(village.timezone, local_month(village.timezone, now()))
    rows = session.scalars(
        select(Event)
        .where(
            Event.village_id == village.id,
            Event.kind == EventKind.MEETING,
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id)
    )
    out = []
    for event in rows:
        report = events.attendance_report(session, event)
        out.append(
            {
                "title": event.title,
                "starts_at": _iso(event.starts_at),
                "invited": report.invited,
                "checked_in": report.checked_in,
                "rate": report.rate,
            }
        )
    return out


def _roll(lines: list[honours.RollLine], heads: dict[int, str]) -> list[dict]:
    return [
        {"rank": x.rank, "name": heads.get(x.household_id, ""), "score": x.score} for x in lines
    ]


def build_board(session: Session, village: Village) -> Board:
    settings = honours.settings_of(session, village.id)
    heads = masked_heads(session, village.id)
    board = Board(village=village, month=local_month(village.timezone, now()).strftime("%Y-%m"))
    board.awards, board.deductions = _posted_awards(session, village, settings.deductions)
    board.meetings = _meetings(session, village)
    board.honour_roll = _roll(honours.honour_roll(session, village, period="month"), heads)
    board.honour_roll_year = _roll(honours.honour_roll(session, village, period="year"), heads)
    board.stars = [
        {
            "stars": t["stars"],
            "min": t["min"],
            "households": [heads.get(hid, "") for hid in t["household_ids"]],
        }
        for t in honours.star_tiers(session, village)
    ]
    board.topics = decided_topics(session, village)
    return board


def board_json(session: Session, village: Village) -> dict:
    b = build_board(session, village)
    return {
        "village": {"name": village.name},
        "month": b.month,
        "awards": b.awards,
        "deductions": b.deductions,
        "meetings": b.meetings,
        "honour_roll": b.honour_roll,
        "honour_roll_year": b.honour_roll_year,
        "stars": b.stars,
        "topics": b.topics,
    }
