"""议前调研: notes, the parties to hear, the proposal (议事方案) and the notice sent ahead."""

from __future__ import annotations

from sqlalchemy.orm import Session

from points import audit
from points.deliberation.models import Topic, TopicForm, TopicStatus
from points.deliberation.topics import InvalidTransition, clean_text, move
from points.errors import ValidationFailed
from points.models import User

FIELDS = ("research_notes", "parties", "proposal", "notice")


def save_research(
    session: Session,
    topic: Topic,
    *,
    by: User,
    research_notes: str | None = None,
    parties: str | None = None,
    proposal: str | None = None,
    notice: str | None = None,
    form: str | None = None,
) -> Topic:
    """Record what the research found (while accepted, or researched before the meeting)."""
    if topic.status not in (TopicStatus.ACCEPTED, TopicStatus.RESEARCHED):
        raise InvalidTransition(status=topic.status.value, to=TopicStatus.RESEARCHED.value)
    given = {
        "research_notes": research_notes,
        "parties": parties,
        "proposal": proposal,
        "notice": notice,
    }
    for name, value in given.items():
        if value is not None:
            setattr(topic, name, clean_text(value, name))
    if form not in (None, ""):
        try:
            topic.form = TopicForm(form)
        except ValueError:
            raise ValidationFailed({"form": "not a valid value"}) from None
    session.flush()
    audit.record(
        session, action="topic.research", obj=topic, by_id=by.id, village_id=topic.village_id
    )
    return topic


def complete_research(session: Session, topic: Topic, *, by: User, note: str = "") -> Topic:
    """The research is done: a proposal exists and the topic can go to its meeting."""
    if topic.status != TopicStatus.ACCEPTED:
        raise InvalidTransition(status=topic.status.value, to=TopicStatus.RESEARCHED.value)
    if not topic.proposal.strip():
        raise ValidationFailed({"proposal": "required"})
    move(session, topic, TopicStatus.RESEARCHED, by=by, note=note)
    return topic
