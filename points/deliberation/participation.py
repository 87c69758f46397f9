"""Participation that counts: a member's duty points for attending a meeting of a kind, and
attendance rates per meeting kind and per representative.

A resident's voluntary attendance earns the meeting's own rule at check-in, as every
meeting's does. A member called to the meeting (a representative at a 村民代表会议, a member
of the body at its meeting) who came earns, in addition, the duty rule the village set for
that kind of meeting (``duty_rules``), once per meeting, within the rule's monthly cap.
The duty points are settled once the meeting has ended (its event closed: no more check-ins
from the room); a check-in undone afterwards takes its duty points back with it (see
:func:`points.events.undo_checkin`: the entry's source is the attendance).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import caps, events, ledger
from points.clock import now
from points.deliberation import meeting_settings, meetings, representatives
from points.deliberation.body_models import MEETING_KINDS, Meeting
from points.errors import DomainError
from points.event_models import Attendance, Event, EventStatus
from points.models import EntryKind, ResidentStatus, Rule, User, Village
from points.villages import village_today


class AlreadySettled(DomainError):
    code = "already_settled"


class MeetingNotEnded(DomainError):
    """The duty points wait for the meeting's end: until then, who came is not known."""

    code = "meeting_not_ended"


def settle_duty(session: Session, meeting: Meeting, *, by: User) -> int:
    """Post the duty points of the members who came; the number of entries made."""
    # The event's lock serializes two settlements of the same meeting, a close, and the undo
    # of a check-in (which takes it shared): the check-ins read below are settled ones.
    event = events.get_event(session, meeting.village_id, meeting.event_id, lock=True)
    session.refresh(meeting)
    if meeting.duty_settled_at is not None:
        raise AlreadySettled(meeting_id=meeting.id)
    if event.status != EventStatus.CLOSED:
        raise MeetingNotEnded(meeting_id=meeting.id, event_status=event.status.value)
    row = meeting_settings.current(session, meeting.village_id)
    rule_id = (row.duty_rules or {}).get(meeting.kind)
    rule = session.get(Rule, rule_id) if rule_id else None
    made = 0
    if rule is not None and rule.active:
        village = session.get(Village, meeting.village_id)
        version = rule.version_on(meetings.meeting_day(session, event))
        called = set(meetings.called(session, meeting, event).resident_ids)
        stmt = select(Attendance).where(
            Attendance.event_id == event.id, Attendance.undone_at.is_(None)
        )
        for att in session.scalars(stmt.order_by(Attendance.id)):
            if att.resident_id not in called or att.resident.status != ResidentStatus.ACTIVE:
                continue
            amount = version.points
            ledger.lock_household(session, att.household_id)
            try:
                caps.check_monthly_cap(
                    session,
                    village=village,
                    rule=rule,
                    version=version,
                    resident_id=att.resident_id,
                    amount=amount,
                    at=now(),
                )
            except caps.MonthlyCapReached as exc:
                amount = exc.details["remaining"]
            if amount <= 0:
                continue
            ledger.post(
                session,
                household_id=att.household_id,
                amount=amount,
                kind=EntryKind.AWARD,
                resident_id=att.resident_id,
                rule_version=version,
                source=("meeting_duty", att.id),
                note=f"{MEETING_KINDS[meeting.kind]}履职：{event.title}"[:200],
                created_by_id=by.id,
            )
            made += 1
    meeting.duty_settled_at = now()
    session.flush()
    return made


def _held(session: Session, village_id: int, start: date | None = None, end: date | None = None):
    """Meetings of a kind that were opened (held), with their events, oldest first."""
    stmt = (
        select(Meeting, Event)
        .join(Event, Event.id == Meeting.event_id)
        .where(Meeting.village_id == village_id, Event.opened_at.is_not(None))
        .order_by(Event.starts_at)
    )
    rows = []
    for m, e in session.execute(stmt):
        day = meetings.meeting_day(session, e)
        if (start is None or day >= start) and (end is None or day <= end):
            rows.append((m, e, day))
    return rows


def kind_rates(
    session: Session,
    village: Village,
    year: int | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[dict]:
    """Per meeting kind, in the year (or between two days): meetings held, those called,
    present among them, and the rate."""
    if start is None or end is None:
        year = year or village_today(village).year
        start, end = date(year, 1, 1), date(year, 12, 31)
    out: dict[str, dict] = {}
    for m, e, _day in _held(session, village.id, start, end):
        called = set(meetings.called(session, m, e).resident_ids)
        came = meetings.present_ids(session, e.id) & called
        row = out.setdefault(m.kind, {"kind": m.kind, "held": 0, "called": 0, "present": 0})
        row["held"] += 1
        row["called"] += len(called)
        row["present"] += len(came)
    for row in out.values():
        row["label"] = MEETING_KINDS[row["kind"]]
        row["rate"] = round(row["present"] / row["called"], 4) if row["called"] else 0.0
    return [out[k] for k in MEETING_KINDS if k in out]


def county_rates(session: Session, villages: list, month: date) -> list[tuple]:
    """The county's view: each village's attendance per meeting kind in the month."""
    last = (date(month.year + month.month // 12, month.month % 12 + 1, 1)) - timedelta(days=1)
    # One statement finds the villages that held a meeting around the month (a day either
    # side covers every time zone); only they are read meeting by meeting.
    around = (
        datetime.combine(month.replace(day=1) - timedelta(days=1), time(), UTC),
        datetime.combine(last + timedelta(days=2), time(), UTC),
    )
    busy = set(
        session.scalars(
            select(Meeting.village_id)
            .join(Event, Event.id == Meeting.event_id)
            .where(
                Meeting.village_id.in_([v.id for v in villages]),
                Event.opened_at.is_not(None),
                Event.starts_at >= around[0],
                Event.starts_at < around[1],
            )
            .distinct()
        )
    )
    out = []
    for v in villages:
        if v.id not in busy:
            continue
        village = session.get(Village, v.id)
        rows = kind_rates(session, village, start=month.replace(day=1), end=last)
        if rows:
            out.append((village, rows))
    return out


def representative_rates(session: Session, village: Village) -> list[dict]:
    """Per representative of the current term: its 村民代表会议 held, attended, the rate."""
    today = village_today(village)
    term = representatives.current_term(session, village.id, today)
    if term is None:
        return []
    held = [
        e
        for m, e, _day in _held(session, village.id, term.starts_on, min(term.ends_on, today))
        if m.kind == "representatives"
    ]
    came = [meetings.present_ids(session, e.id) for e in held]  # one query per meeting
    out = []
    for n in representatives.roster(session, term):
        attended = sum(1 for present in came if n.resident_id in present)
        out.append(
            {
                "resident_id": n.resident_id,
                "name": n.resident.name,
                "held": len(held),
                "attended": attended,
                "rate": round(attended / len(held), 4) if held else 0.0,
            }
        )
    return out
