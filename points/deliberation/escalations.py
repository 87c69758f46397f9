"""Escalation: a topic the body cannot settle goes to a 村民(代表)会议 vote; a topic beyond the
village (across villages, or needing money from above) goes to the town or county, whose
officer sees it in a queue and writes the answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.deliberation.body_models import Escalation
from points.deliberation.models import Topic
from points.deliberation.topics import clean_text
from points.errors import DomainError, Forbidden, NotFound, ValidationFailed
from points.models import User, Village

LEVELS = {"village_meeting": "提交村民（代表）会议表决", "town": "报送乡镇", "county": "报送县级"}


class AlreadyAnswered(DomainError):
    code = "already_answered"


def escalate(session: Session, topic: Topic, *, by: User, level: str | None, reason) -> Escalation:
    if level not in LEVELS:
        raise ValidationFailed({"level": "not a valid value"})
    reason = clean_text(reason, "reason", required=True, limit=2000)
    row = Escalation(
        village_id=topic.village_id,
        topic_id=topic.id,
        level=level,
        reason=reason,
        created_by_id=by.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, action="topic.escalate", obj=row, by_id=by.id, village_id=topic.village_id
    )
    return row


def of_topic(session: Session, topic_id: int) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.topic_id == topic_id).order_by(Escalation.id)
    return list(session.scalars(stmt))


def county_queue(session: Session, county_id: int, *, open_only: bool = False) -> list[tuple]:
    """What the villages of the county sent up: (escalation, topic, village), oldest open first."""
    stmt = (
        select(Escalation, Topic, Village)
        .join(Topic, Topic.id == Escalation.topic_id)
        .join(Village, Village.id == Escalation.village_id)
        .where(Village.county_id == county_id, Escalation.level.in_(("town", "county")))
    )
    if open_only:
        stmt = stmt.where(Escalation.status == "open")
    stmt = stmt.order_by(Escalation.status.desc(), Escalation.created_at, Escalation.id)
    return [tuple(r) for r in session.execute(stmt)]


def get_for_county(session: Session, county_id: int, escalation_id: int) -> Escalation:
    row = session.get(Escalation, escalation_id)
    village = session.get(Village, row.village_id) if row else None
    if row is None or village.county_id != county_id or row.level == "village_meeting":
        raise NotFound("escalation")
    return row


def answer(session: Session, row: Escalation, *, by: User, text) -> Escalation:
    """The county (or town) officer's answer; once."""
    if by.county_id is None:
        raise Forbidden("a county officer answers")
    text = clean_text(text, "answer", required=True, limit=4000)
    if row.status != "open":
        raise AlreadyAnswered(escalation_id=row.id)
    row.status, row.answer, row.answered_by_id, row.answered_at = "answered", text, by.id, now()
    session.flush()
    audit.record(
        session, action="topic.escalation.answer", obj=row, by_id=by.id, village_id=row.village_id
    )
    return row
