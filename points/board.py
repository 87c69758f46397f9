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
from points.villages import village_today

BOARD_TOPICS = 20  # the newest decided topics shown


def decided_topics(session: Session, village: Village) -> list[dict]:
    """The village's decided topics (议题): the result published, being carried out or done,
    newest first, with the objection deadline while it is open, the implementation's
    deadline and progress, and the satisfaction rate once rated. Titles and results are the
    committee's public words; no proposer, owner's phone or rater is named."""
    from points.deliberation import implementation, ratings
    from points.deliberation.models import Topic, TopicStatus

    shown = (TopicStatus.PUBLISHED, TopicStatus.IMPLEMENTING, TopicStatus.DONE)
    topics = session.scalars(
        select(Topic)
        .where(Topic.village_id == village.id, Topic.status.in_(shown))
        .order_by(Topic.status_changed_at.desc(), Topic.id.desc())
        .limit(BOARD_TOPICS)
    )
    at, out = now(), []
    for t in topics:
        notes = implementation.progress(session, t.id)
        tally = ratings.tally(session, t) if t.status == TopicStatus.DONE else None
        in_window = t.objection_deadline is not None and at < t.objection_deadline
        out.append(
            {
                "title": t.title,
                "status": t.status.value,
                "result": t.result,
                "published_at": _iso(t.published_at),
                "objection_deadline": _iso(t.objection_deadline) if in_window else None,
                "deadline": t.deadline.isoformat() if t.deadline else None,
                "overdue": t.status == TopicStatus.IMPLEMENTING
                and t.deadline is not None
                and t.deadline < village_today(village),
                "progress_notes": len(notes),
                "last_progress_at": _iso(notes[-1].at) if notes else None,
                "ratings": tally.as_dict() if tally is not None else None,
            }
        )
    return out


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
