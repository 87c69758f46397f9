"""One ``advance`` for the API: the step named by ``to``, done by its module."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from points.deliberation import implementation, research, results
from points.deliberation.models import Topic, TopicStatus
from points.deliberation.topics import InvalidTransition
from points.errors import ValidationFailed
from points.models import User


def advance(
    session: Session,
    topic: Topic,
    *,
    by: User,
    to: str | None,
    note: str | None = "",
    result: str | None = None,
    event_id: int | None = None,
    minutes: str | None = "",
    cosigner_id: int | None = None,
    owner: str | None = None,
    deadline: date | None = None,
) -> Topic:
    try:
        target = TopicStatus(to)
    except ValueError:
        raise ValidationFailed({"to": "not a valid value"}) from None
    note = note or ""
    if target == TopicStatus.RESEARCHED:
        return research.complete_research(session, topic, by=by, note=note)
    if target == TopicStatus.DELIBERATED:
        return results.decide_result(
            session,
            topic,
            by=by,
            result=result,
            note=note,
            event_id=event_id,
            minutes=minutes,
            cosigner_id=cosigner_id,
        )
    if target == TopicStatus.PUBLISHED:
        if topic.status != TopicStatus.DELIBERATED:
            raise InvalidTransition(status=topic.status.value, to=target.value)
        return results.publish(session, topic, by=by, note=note)
    if target == TopicStatus.IMPLEMENTING:
        return implementation.start(
            session, topic, by=by, owner=owner, deadline=deadline, note=note
        )
    if target == TopicStatus.DONE:
        return implementation.sign_off(session, topic, by=by, note=note)
    # collected, accepted and declined are reached by submitting and deciding, not advancing.
    raise InvalidTransition(status=topic.status.value, to=target.value)
