"""确定议题: the committee accepts a topic under a 五议 category or declines it (三不议)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from points.deliberation import rewards
from points.deliberation.models import Topic, TopicForm, TopicSize, TopicStatus
from points.deliberation.settings import get_settings
from points.deliberation.topics import InvalidTransition, clean_text, move
from points.errors import ValidationFailed
from points.models import User, Village


def decide(
    session: Session,
    topic: Topic,
    *,
    village: Village,
    by: User,
    accept: bool,
    category: str | None = None,
    reason: str | None = None,
    size: str | None = None,
    urgent: bool | None = None,
    form: str | None = None,
    note: str | None = None,
) -> Topic:
    """Accept under one of the village's 五议 categories (the route may be set here: size,
    urgent, form), or decline under a 三不议 reason or a written one. The proposer sees the
    reason; an accepted proposal earns its proposers the proposal rule's points once."""
    if topic.status != TopicStatus.COLLECTED:
        to = TopicStatus.ACCEPTED if accept is not False else TopicStatus.DECLINED
        raise InvalidTransition(status=topic.status.value, to=to.value)
    if not isinstance(accept, bool):
        raise ValidationFailed({"accept": "not a valid value"})
    settings = get_settings(session, village.id)
    note = clean_text(note, "note", limit=500)
    if accept:
        category = clean_text(category, "category", required=True, limit=100)
        if category not in settings.categories:
            raise ValidationFailed({"category": "one of the village's categories"})
        changes = _route(size, urgent, form)
        move(session, topic, TopicStatus.ACCEPTED, by=by, note=note or category)
        topic.category = category
        for name, value in changes.items():
            setattr(topic, name, value)
        session.flush()
        rewards.reward_proposers(session, village, topic, by)
    else:
        # One of the 三不议 reasons, or the committee's own words (shown as written).
        reason = clean_text(reason, "reason", required=True, limit=500)
        move(session, topic, TopicStatus.DECLINED, by=by, note=reason)
        topic.decline_reason = reason
        session.flush()
    return topic


def _route(size, urgent, form) -> dict:
    out: dict = {}
    errors: dict[str, str] = {}
    for name, enum_cls, value in (("size", TopicSize, size), ("form", TopicForm, form)):
        if value in (None, ""):
            continue
        try:
            out[name] = enum_cls(value)
        except ValueError:
            errors[name] = "not a valid value"
    if urgent is not None:
        if not isinstance(urgent, bool):
            errors["urgent"] = "not a valid value"
        else:
            out["urgent"] = urgent
    if errors:
        raise ValidationFailed(errors)
    return out
