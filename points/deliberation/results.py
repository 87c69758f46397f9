"""协商议事 and 公开结果: the meeting and its outcome per topic, the small route, and the
publication on the board with its objection window.

A meeting is an :class:`Event` of the check-in work (kind ``meeting``), made by
:func:`points.events.create_event`; its agenda is a row per topic (:class:`AgendaItem`),
which keeps that topic's minutes, result and whether it passed. Attendance is the same QR
check-in and earns the event rule's points.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit, events
from points.awards import AlreadyObjected, NotInObjectionWindow, ObjectionClosed
from points.clock import now
from points.deliberation.body_models import Chain, Meeting
from points.deliberation.models import (
    AgendaItem,
    Topic,
    TopicObjection,
    TopicObjectionStatus,
    TopicSize,
    TopicStatus,
)
from points.deliberation.settings import get_settings
from points.deliberation.topics import InvalidTransition, clean_text, get_topic, move
from points.errors import DomainError, Forbidden, NotFound, ValidationFailed
from points.event_models import Event, EventKind
from points.models import Role, User, UserRole, Village

S = TopicStatus


class VoteRequired(DomainError):
    code = "vote_required"


# Topics that can be put on a meeting's agenda.
AGENDA_STATUSES = (S.ACCEPTED, S.RESEARCHED)


def create_meeting(
    session: Session,
    *,
    village: Village,
    by: User,
    topic_ids: list[int],
    title: str | None,
    starts_at,
    ends_at,
    rule_id: int | None,
    location: str = "",
) -> Event:
    """A meeting (an event with QR check-in) with these topics as its agenda, in order."""
    ids = list(dict.fromkeys(topic_ids or []))
    if not ids:
        raise ValidationFailed({"topic_ids": "required"})
    agenda = [get_topic(session, village.id, tid) for tid in ids]
    for topic in agenda:
        if topic.status not in AGENDA_STATUSES:
            raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
    title = (title or "").strip() or "议事协商会：" + "、".join(t.title for t in agenda)[:180]
    event = events.create_event(
        session,
        village_id=village.id,
        title=title[:200],
        kind=EventKind.MEETING.value,
        starts_at=starts_at,
        ends_at=ends_at,
        rule_id=rule_id,
        location=location,
        topic_id=agenda[0].id,
        by_id=by.id,
    )
    for position, topic in enumerate(agenda, start=1):
        session.add(AgendaItem(event_id=event.id, topic_id=topic.id, position=position))
    session.flush()
    return event


def agenda(session: Session, event_id: int) -> list[AgendaItem]:
    stmt = select(AgendaItem).where(AgendaItem.event_id == event_id).order_by(AgendaItem.position)
    return list(session.scalars(stmt))


def meetings_of(session: Session, topic_id: int) -> list[tuple[AgendaItem, Event]]:
    stmt = (
        select(AgendaItem, Event)
        .join(Event, Event.id == AgendaItem.event_id)
        .where(AgendaItem.topic_id == topic_id)
        .order_by(Event.starts_at)
    )
    return [(a, e) for a, e in session.execute(stmt)]


def _agenda_item(session: Session, topic: Topic, event_id: int) -> AgendaItem:
    item = session.scalar(
        select(AgendaItem).where(AgendaItem.event_id == event_id, AgendaItem.topic_id == topic.id)
    )
    if item is None:
        raise ValidationFailed({"event_id": "a meeting with this topic on its agenda"})
    if session.scalar(select(Meeting.id).where(Meeting.event_id == event_id)) is not None:
        # A meeting of a kind decides by its vote (votes.py); its outcome is not typed.
        raise VoteRequired(event_id=event_id)
    return item


def _is_committee(session: Session, user_id: int, village_id: int) -> bool:
    return (
        session.scalar(
            select(UserRole.id).where(
                UserRole.user_id == user_id,
                UserRole.village_id == village_id,
                UserRole.role == Role.ADMIN,
            )
        )
        is not None
    )


def committee_members(session: Session, village_id: int) -> list[User]:
    """The village's committee (村两委, the admins): who may decide a small matter together."""
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.village_id == village_id, UserRole.role == Role.ADMIN, User.active)
        .order_by(User.id)
    )
    return list(session.scalars(stmt))


def decide_result(
    session: Session,
    topic: Topic,
    *,
    by: User,
    result: str | None,
    note: str | None = "",
    event_id: int | None = None,
    minutes: str | None = "",
    cosigner_id: int | None = None,
) -> Topic:
    """The topic is deliberated: its result. From ``researched`` (with the meeting that
    decided it, if any); a small matter also straight from ``accepted`` by two committee
    members (the acting one and a cosigner) with a note (小事简商)."""
    if session.scalar(select(Chain.id).where(Chain.topic_id == topic.id)) is not None:
        # A major matter on 四议两公开 is decided only by its chain's decision stage.
        raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
    small_route = topic.status == S.ACCEPTED
    if small_route and topic.size != TopicSize.SMALL:
        raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
    if topic.status not in AGENDA_STATUSES:
        raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
    result = clean_text(result, "result", required=True)
    note = clean_text(note, "note", limit=500)
    minutes = clean_text(minutes, "minutes")
    if small_route:
        if not _is_committee(session, by.id, topic.village_id):
            raise Forbidden("two committee members decide a small matter")
        errors = {}
        if not note:
            errors["note"] = "required"
        if (
            not isinstance(cosigner_id, int)
            or cosigner_id == by.id
            or not _is_committee(session, cosigner_id, topic.village_id)
        ):
            errors["cosigner_id"] = "another committee member"
        if errors:
            raise ValidationFailed(errors)
    item = _agenda_item(session, topic, event_id) if event_id is not None else None
    at = now()
    if item is not None:
        item.minutes, item.result, item.passed, item.decided_at = minutes, result, True, at
    move(
        session,
        topic,
        S.DELIBERATED,
        by=by,
        note=note,
        cosigner_id=cosigner_id if small_route else None,
        at=at,
    )
    topic.result = result
    session.flush()
    return topic


def record_not_passed(
    session: Session, topic: Topic, *, by: User, event_id: int, minutes: str | None, result: str
) -> AgendaItem:
    """A meeting heard the topic and did not pass it: the minutes are kept, the topic stays
    where it was (for another meeting)."""
    if topic.status not in AGENDA_STATUSES:
        raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
    item = _agenda_item(session, topic, event_id)
    item.minutes = clean_text(minutes, "minutes")
    item.result = clean_text(result, "result", required=True)
    item.passed = False
    item.decided_at = now()
    session.flush()
    audit.record(
        session, action="topic.not_passed", obj=topic, by_id=by.id, village_id=topic.village_id
    )
    return item


def publish(session: Session, topic: Topic, *, by: User, note: str = "") -> Topic:
    """Post the result on the board for the village's window (objections as for awards)."""
    days = get_settings(session, topic.village_id).publication_days
    at = now()
    move(session, topic, S.PUBLISHED, by=by, note=note, at=at)
    topic.published_at = at
    topic.objection_deadline = at + timedelta(days=days)
    session.flush()
    return topic


def posted(session: Session, village_id: int) -> list[Topic]:
    """公开结果: the village's results on the board inside their objection window."""
    stmt = select(Topic).where(
        Topic.village_id == village_id,
        Topic.status == S.PUBLISHED,
        Topic.objection_deadline > now(),
    )
    return list(session.scalars(stmt.order_by(Topic.objection_deadline, Topic.id)))


def in_window(topic: Topic) -> bool:
    return (
        topic.status == S.PUBLISHED
        and topic.objection_deadline is not None
        and now() < topic.objection_deadline
    )


def open_objections(session: Session, topic_id: int) -> list[TopicObjection]:
    stmt = select(TopicObjection).where(
        TopicObjection.topic_id == topic_id, TopicObjection.status == TopicObjectionStatus.OPEN
    )
    return list(session.scalars(stmt.order_by(TopicObjection.id)))


def objections(session: Session, topic_id: int) -> list[TopicObjection]:
    stmt = select(TopicObjection).where(TopicObjection.topic_id == topic_id)
    return list(session.scalars(stmt.order_by(TopicObjection.id)))


def object_to(session: Session, topic: Topic, *, by: User, reason: str | None) -> TopicObjection:
    """A resident of the village objects to a published result inside its window."""
    reason = clean_text(reason, "reason", required=True, limit=500)
    if by.resident is None or by.resident.village_id != topic.village_id:
        raise Forbidden("only residents of the village may object")
    if not in_window(topic):
        raise NotInObjectionWindow(topic_status=topic.status.value)
    row = TopicObjection(
        topic_id=topic.id, user_id=by.id, resident_id=by.resident_id, reason=reason
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AlreadyObjected() from None
    audit.record(
        session, action="topic.objection", obj=row, by_id=by.id, village_id=topic.village_id
    )
    return row


def get_objection(session: Session, village_id: int, objection_id: int) -> TopicObjection:
    row = session.get(TopicObjection, objection_id)
    if row is None or session.get(Topic, row.topic_id).village_id != village_id:
        raise NotFound("objection")
    return row


def decide_objection(
    session: Session, objection: TopicObjection, *, by: User, uphold: bool, reason: str | None
) -> TopicObjection:
    """Uphold: the publication stops and the topic goes back to be deliberated again (every
    open objection to it is upheld). Dismiss: the objector gets the written explanation,
    which is kept with the topic."""
    reason = clean_text(reason, "reason", required=True, limit=1000)
    if objection.status != TopicObjectionStatus.OPEN:
        raise ObjectionClosed(objection_status=objection.status.value)
    topic = get_topic(
        session, session.get(Topic, objection.topic_id).village_id, objection.topic_id, lock=True
    )
    at = now()
    targets = open_objections(session, topic.id) if uphold else [objection]
    for o in targets:
        o.status = TopicObjectionStatus.UPHELD if uphold else TopicObjectionStatus.DISMISSED
        o.decided_by_id, o.decided_at, o.decision_reason = by.id, at, reason
    if uphold and topic.status == S.PUBLISHED:
        researched = any(t.to_status == S.RESEARCHED.value for t in topic.history)
        back = S.RESEARCHED if researched else S.ACCEPTED
        move(session, topic, back, by=by, note=f"异议成立，停止公示：{reason}", at=at)
        topic.published_at = topic.objection_deadline = None
    elif not uphold:
        line = f"{objection.resident.name}：{reason}"
        topic.explanation = f"{topic.explanation}\n{line}".strip()
    session.flush()
    audit.record(
        session,
        action="topic.objection.uphold" if uphold else "topic.objection.dismiss",
        obj=objection,
        by_id=by.id,
        village_id=topic.village_id,
        after={"reason": reason},
    )
    return objection


def set_explanation(session: Session, topic: Topic, *, by: User, text: str | None) -> Topic:
    """The written explanation to residents who disagreed (丰库), kept with the topic."""
    topic.explanation = clean_text(text, "explanation", required=True)
    session.flush()
    audit.record(
        session, action="topic.explanation", obj=topic, by_id=by.id, village_id=topic.village_id
    )
    return topic
