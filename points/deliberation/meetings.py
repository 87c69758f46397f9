"""Meetings of a kind (村民会议, 村民代表会议, 议事协商会议, 两委会, 党员大会, 监委会会议,
党组织会议): who is called, and the quorum computed live from the QR check-ins.

A meeting is an :class:`Event` (its check-in, its rule's points) with a :class:`Meeting`
row naming its kind. Those called come from the body of that kind (its members sitting on
the meeting's day, and the X of the topics on its agenda), from the representatives of the
term current that day, or, for a 村民会议, from every resident (the register keeps no birth
dates: the village's active residents stand for its adults) with the households beside.
Members from outside the village are listed but have no card to check in with, so the
quorum counts residents only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points import audit, events
from points.deliberation import bodies, meeting_settings, representatives, results
from points.deliberation.body_models import BODY_OF_MEETING, MEETING_KINDS, BodyMember, Meeting
from points.deliberation.topics import clean_text
from points.errors import NotFound, ValidationFailed
from points.event_models import Attendance, Event, EventKind
from points.models import Household, Resident, ResidentStatus, User, Village
from points.villages import zone_of


def create(
    session: Session,
    *,
    village: Village,
    by: User,
    kind: str | None,
    topic_ids: list[int] | None,
    title: str | None,
    starts_at,
    ends_at,
    rule_id: int | None,
    location: str = "",
    notice: str | None = "",
) -> Meeting:
    """A meeting of ``kind`` with these topics on its agenda (none: a meeting without one)."""
    if kind not in MEETING_KINDS:
        raise ValidationFailed({"kind": "not a valid value"})
    notice = clean_text(notice, "notice")
    body = None
    if kind in BODY_OF_MEETING:
        body = bodies.body_of_kind(session, village.id, BODY_OF_MEETING[kind])
        if body is None:
            raise ValidationFailed({"kind": "the village has no body of this kind"})
    label = MEETING_KINDS[kind]
    if topic_ids:
        event = results.create_meeting(
            session,
            village=village,
            by=by,
            topic_ids=topic_ids,
            title=title or None,
            starts_at=starts_at,
            ends_at=ends_at,
            rule_id=rule_id,
            location=location,
        )
        if not (title or "").strip():
            event.title = (label + "：" + event.title.split("：", 1)[-1])[:200]
    else:
        event = events.create_event(
            session,
            village_id=village.id,
            title=(title or "").strip() or label,
            kind=EventKind.MEETING.value,
            starts_at=starts_at,
            ends_at=ends_at,
            rule_id=rule_id,
            location=location,
            by_id=by.id,
        )
    meeting = Meeting(
        event_id=event.id,
        village_id=village.id,
        kind=kind,
        body_id=body.id if body else None,
        notice=notice,
        noticed_at=event.created_at if notice else None,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        action="meeting.create",
        obj=meeting,
        by_id=by.id,
        village_id=village.id,
        after={"kind": kind, "event_id": event.id},
    )
    return meeting


def get(session: Session, village_id: int, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.village_id != village_id:
        raise NotFound("meeting")
    return meeting


def of_event(session: Session, event_id: int) -> Meeting | None:
    return session.scalar(select(Meeting).where(Meeting.event_id == event_id))


def event_of(session: Session, meeting: Meeting) -> Event:
    return events.get_event(session, meeting.village_id, meeting.event_id)


def listing(session: Session, village_id: int, limit: int = 100) -> list[tuple[Meeting, Event]]:
    stmt = (
        select(Meeting, Event)
        .join(Event, Event.id == Meeting.event_id)
        .where(Meeting.village_id == village_id)
        .order_by(Event.starts_at.desc())
        .limit(limit)
    )
    return [(m, e) for m, e in session.execute(stmt)]


def meeting_day(session: Session, event: Event):
    return event.starts_at.astimezone(zone_of(session, event.village_id)).date()


@dataclass
class Called:
    resident_ids: list[int]
    outside: list[BodyMember] = field(default_factory=list)  # members without a card
    members: list[BodyMember] = field(default_factory=list)


def called(session: Session, meeting: Meeting, event: Event | None = None) -> Called:
    """Who the meeting calls, read now (a term ended since retires its representatives)."""
    event = event or event_of(session, meeting)
    day = meeting_day(session, event)
    if meeting.kind == "representatives":
        return Called(representatives.current_representatives(session, meeting.village_id, day))
    if meeting.kind == "village_assembly":
        ids = session.scalars(
            select(Resident.id).where(
                Resident.village_id == meeting.village_id,
                Resident.status == ResidentStatus.ACTIVE,
            )
        )
        return Called(list(ids))
    body = bodies.body_of_kind(session, meeting.village_id, BODY_OF_MEETING[meeting.kind])
    if body is None:
        return Called([])
    topic_ids = [a.topic_id for a in results.agenda(session, event.id)]
    members = bodies.current_members(session, body, day, topic_ids)
    ids = list(dict.fromkeys(m.resident_id for m in members if m.resident_id))
    return Called(ids, [m for m in members if not m.resident_id], members)


def present_ids(session: Session, event_id: int) -> set[int]:
    stmt = select(Attendance.resident_id).where(
        Attendance.event_id == event_id, Attendance.undone_at.is_(None)
    )
    return set(session.scalars(stmt))


@dataclass
class Quorum:
    kind: str
    called: int
    present: int
    num: int
    den: int
    households_called: int = 0
    households_present: int = 0

    @property
    def needed(self) -> int:
        """The fewest present that reach the quorum (more than num/den of those called)."""
        return self.called * self.num // self.den + 1

    @property
    def by_households(self) -> bool:
        # 村民会议: two thirds of the households is the law's other way to hold it.
        return (
            self.kind == "village_assembly"
            and self.households_called > 0
            and self.households_present * 3 >= self.households_called * 2
        )

    @property
    def reached(self) -> bool:
        if self.called == 0:
            return False
        return self.present * self.den > self.called * self.num or self.by_households

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "called": self.called,
            "present": self.present,
            "needed": self.needed,
            "rule": [self.num, self.den],
            "households_called": self.households_called,
            "households_present": self.households_present,
            "reached": self.reached,
        }


def quorum(session: Session, meeting: Meeting, event: Event | None = None) -> Quorum:
    """The quorum now, from the check-ins of those called."""
    event = event or event_of(session, meeting)
    who = called(session, meeting, event)
    came = present_ids(session, event.id) & set(who.resident_ids)
    num, den = meeting_settings.quorum_of(
        meeting_settings.current(session, meeting.village_id), meeting.kind
    )
    q = Quorum(meeting.kind, len(who.resident_ids), len(came), num, den)
    if meeting.kind == "village_assembly":
        q.households_called = (
            session.scalar(
                select(func.count(func.distinct(Resident.household_id))).where(
                    Resident.village_id == meeting.village_id,
                    Resident.status == ResidentStatus.ACTIVE,
                )
            )
            or 0
        )
        q.households_present = (
            session.scalar(
                select(func.count(func.distinct(Attendance.household_id))).where(
                    Attendance.event_id == event.id, Attendance.undone_at.is_(None)
                )
            )
            or 0
        )
    return q


def called_names(session: Session, meeting: Meeting, event: Event | None = None) -> list[dict]:
    """Those called with whether each has checked in (the meeting page's list)."""
    event = event or event_of(session, meeting)
    who = called(session, meeting, event)
    came = present_ids(session, event.id)
    rows = (
        session.execute(
            select(Resident.id, Resident.name, Household.number)
            .join(Household, Household.id == Resident.household_id)
            .where(Resident.id.in_(who.resident_ids))
            .order_by(Household.number, Resident.id)
        ).all()
        if who.resident_ids
        else []
    )
    out = [
        {"resident_id": rid, "name": name, "household": number, "present": rid in came}
        for rid, name, number in rows
    ]
    out += [
        {"resident_id": None, "name": m.name, "household": m.organisation, "present": None}
        for m in who.outside
    ]
    return out
