"""民情日志: a grid worker's visit log; a raised matter becomes a topic in one tap."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit
from points.deliberation import topics
from points.deliberation.models import Topic, TopicSource, VisitLog
from points.errors import NotFound, ValidationFailed
from points.models import Household, User, Village
from points.residents import get_household
from points.villages import village_today


def log_visit(
    session: Session,
    *,
    village: Village,
    by: User,
    household_id: int,
    raised: str | None,
    visited_on: date | None = None,
    resident_id: int | None = None,
) -> VisitLog:
    household: Household = get_household(session, village.id, household_id)
    raised = topics.clean_text(raised, "raised", required=True, limit=2000)
    day = visited_on or village_today(village)
    if day > village_today(village):
        raise ValidationFailed({"visited_on": "not in the future"})
    if resident_id is not None and resident_id not in {m.id for m in household.members}:
        raise ValidationFailed({"resident_id": "a member of the household"})
    row = VisitLog(
        village_id=village.id,
        household_id=household.id,
        resident_id=resident_id,
        visited_on=day,
        raised=raised,
        by_id=by.id,
    )
    session.add(row)
    session.flush()
    audit.record(session, action="visit.log", obj=row, by_id=by.id, village_id=village.id)
    return row


def get_visit(session: Session, village_id: int, visit_id: int) -> VisitLog:
    row = session.get(VisitLog, visit_id)
    if row is None or row.village_id != village_id:
        raise NotFound("visit")
    return row


def raise_topic(session: Session, visit: VisitLog, *, village: Village, by: User) -> Topic:
    """The matter raised on a visit becomes a topic (once), proposed by the person visited."""
    if visit.topic_id is not None:
        return session.get(Topic, visit.topic_id)
    person = visit.resident or visit.household.head
    if person is None:
        raise ValidationFailed({"resident_id": "the household has no members"})
    first_line = visit.raised.splitlines()[0].strip()
    topic = topics.submit(
        session,
        village=village,
        by=by,
        title=first_line[:60] or visit.raised[:60],
        description=visit.raised,
        place=visit.household.address,
        source=TopicSource.VISIT.value,
        on_behalf_of=person,
    )
    visit.topic_id = topic.id
    session.flush()
    return topic


def list_visits(
    session: Session, village_id: int, *, by_id: int | None = None, limit: int = 100
) -> list[VisitLog]:
    stmt = select(VisitLog).where(VisitLog.village_id == village_id)
    if by_id is not None:
        stmt = stmt.where(VisitLog.by_id == by_id)
    stmt = stmt.order_by(VisitLog.visited_on.desc(), VisitLog.id.desc()).limit(limit)
    return list(session.scalars(stmt))
