"""跟踪落实: an owner and a deadline, dated progress notes, overdue topics, sign-off."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.clock import now
from points.deliberation.models import Topic, TopicProgress, TopicStatus
from points.deliberation.results import in_window, open_objections
from points.deliberation.topics import InvalidTransition, clean_text, move
from points.errors import DomainError, Forbidden, ValidationFailed
from points.models import Role, User
from points.villages import village_today

S = TopicStatus


class InObjectionWindow(DomainError):
    """The result is still on the board for objections (or one is undecided)."""

    code = "in_objection_window"


def start(
    session: Session,
    topic: Topic,
    *,
    by: User,
    owner: str | None,
    deadline: date | None,
    note: str | None = "",
) -> Topic:
    """After the window has passed with no upheld or open objection: who carries it out, by
    when (谁负责谁执行)."""
    if topic.status != S.PUBLISHED:
        raise InvalidTransition(status=topic.status.value, to=S.IMPLEMENTING.value)
    if in_window(topic) or open_objections(session, topic.id):
        raise InObjectionWindow(objection_deadline=topic.objection_deadline.isoformat())
    errors = {}
    try:
        owner = clean_text(owner, "owner", required=True, limit=100)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if not isinstance(deadline, date):
        errors["deadline"] = "required"
    if errors:
        raise ValidationFailed(errors)
    move(session, topic, S.IMPLEMENTING, by=by, note=clean_text(note, "note", limit=500))
    topic.owner, topic.deadline = owner, deadline
    session.flush()
    return topic


def add_progress(
    session: Session,
    topic: Topic,
    *,
    by: User,
    note: str | None,
    photo_path: str | None = None,
) -> TopicProgress:
    if topic.status != S.IMPLEMENTING:
        raise InvalidTransition(status=topic.status.value, to=S.IMPLEMENTING.value)
    row = TopicProgress(
        topic_id=topic.id,
        note=clean_text(note, "note", required=True, limit=2000),
        photo_path=photo_path,
        by_id=by.id,
        at=now(),
    )
    session.add(row)
    session.flush()
    return row


def progress(session: Session, topic_id: int) -> list[TopicProgress]:
    stmt = select(TopicProgress).where(TopicProgress.topic_id == topic_id)
    return list(session.scalars(stmt.order_by(TopicProgress.at, TopicProgress.id)))


def sign_off(session: Session, topic: Topic, *, by: User, note: str | None = "") -> Topic:
    """The supervisors (监委会) sign the implementation off as done (谁受益谁监督); the
    residents may then rate it."""
    if topic.status != S.IMPLEMENTING:
        raise InvalidTransition(status=topic.status.value, to=S.DONE.value)
    if not by.has_role(Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("the supervisors sign off")
    at = now()
    move(session, topic, S.DONE, by=by, note=clean_text(note, "note", limit=500), at=at)
    topic.done_at, topic.signed_off_by_id = at, by.id
    session.flush()
    return topic


def overdue(session: Session, village) -> list[Topic]:
    """Topics being carried out past their deadline (shown to the committee and supervisors)."""
    stmt = select(Topic).where(
        Topic.village_id == village.id,
        Topic.status == S.IMPLEMENTING,
        Topic.deadline < village_today(village),
    )
    return list(session.scalars(stmt.order_by(Topic.deadline, Topic.id)))
