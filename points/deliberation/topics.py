"""收集议题: topics raised by residents or entered for them, their history and the lists.

Every change of a topic's status goes through :func:`move`, which checks the route, stamps
the time and writes one row of history. The other modules of the package (screening,
research, results, implementation, ratings) each call it for their own step.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.db import begin_write
from points.deliberation.models import (
    Topic,
    TopicProposer,
    TopicSize,
    TopicSource,
    TopicStatus,
    TopicTransition,
)
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import Resident, ResidentStatus, User, Village
from points.residents import Page, decode_cursor, encode_cursor
from points.villages import village_today, village_zone

S = TopicStatus
MAX_TITLE = 200
MAX_TEXT = 4000

# The steps a topic may take; anything else is an invalid transition. The small route
# (accepted → deliberated) is allowed here and checked further in results.decide.
ROUTES: dict[TopicStatus, frozenset[TopicStatus]] = {
    S.COLLECTED: frozenset({S.ACCEPTED, S.DECLINED, S.MERGED}),
    S.ACCEPTED: frozenset({S.RESEARCHED, S.DELIBERATED}),
    S.RESEARCHED: frozenset({S.DELIBERATED}),
    S.DELIBERATED: frozenset({S.PUBLISHED}),
    # An upheld objection stops the publication: back to be deliberated again.
    S.PUBLISHED: frozenset({S.IMPLEMENTING, S.RESEARCHED, S.ACCEPTED}),
    # A satisfaction rate below the threshold sends a done topic back to implementation.
    S.IMPLEMENTING: frozenset({S.DONE}),
    S.DONE: frozenset({S.IMPLEMENTING}),
    S.DECLINED: frozenset(),
    S.MERGED: frozenset(),
}
# Statuses still in the village's hands (listed first on the committee's pages).
OPEN_STATUSES = (
    S.COLLECTED,
    S.ACCEPTED,
    S.RESEARCHED,
    S.DELIBERATED,
    S.PUBLISHED,
    S.IMPLEMENTING,
)
STAFF_SOURCES = frozenset(TopicSource) - {TopicSource.RESIDENT}


class InvalidTransition(DomainError):
    code = "invalid_transition"


def clean_text(value, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise ValidationFailed({field: "not a valid value"})
    if required and not text:
        raise ValidationFailed({field: "required"})
    if len(text) > limit:
        raise ValidationFailed({field: f"at most {limit} characters"})
    return text


def get_topic(session: Session, village_id: int, topic_id: int, *, lock: bool = False) -> Topic:
    stmt = select(Topic).where(Topic.id == topic_id)
    if lock:  # the write lock on SQLite (FOR UPDATE is ignored there), the row on PostgreSQL
        begin_write(session)
        stmt = stmt.with_for_update()
    topic = session.scalars(stmt).first() if lock else session.get(Topic, topic_id)
    if topic is None or topic.village_id != village_id:
        raise NotFound("topic")
    if lock:
        session.refresh(topic)
    return topic


def move(
    session: Session,
    topic: Topic,
    to: TopicStatus,
    *,
    by: User | None,
    note: str = "",
    cosigner_id: int | None = None,
    at: datetime | None = None,
) -> TopicTransition:
    """Change the topic's status along an allowed route and write its history."""
    if to not in ROUTES[topic.status]:
        raise InvalidTransition(status=topic.status.value, to=to.value)
    at = at or now()
    step = TopicTransition(
        topic_id=topic.id,
        from_status=topic.status.value,
        to_status=to.value,
        note=note,
        by_id=by.id if by else None,
        cosigner_id=cosigner_id,
        at=at,
    )
    session.add(step)
    topic.status = to
    topic.status_changed_at = at
    session.flush()
    session.expire(topic, ["history"])
    audit.record(
        session,
        action=f"topic.{to.value}",
        obj=topic,
        by_id=by.id if by else None,
        village_id=topic.village_id,
        after={"from": step.from_status, "note": note} if note else {"from": step.from_status},
    )
    return step


def _clean_choice(enum_cls, value, field: str, default):
    if value in (None, ""):
        return default
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationFailed({field: "not a valid value"}) from None


def submit(
    session: Session,
    *,
    village: Village,
    by: User,
    title: str | None,
    description: str | None = "",
    place: str | None = "",
    size: str | None = None,
    urgent: bool = False,
    source: str | None = None,
    on_behalf_of: Resident | None = None,
    photo_path: str | None = None,
) -> Topic:
    """A topic raised by a resident, or entered by staff on a resident's behalf (with the
    channel it came by). The proposer is the resident either way."""
    errors: dict[str, str] = {}
    try:
        title = clean_text(title, "title", required=True, limit=MAX_TITLE)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        description = clean_text(description, "description")
        place = clean_text(place, "place", limit=200)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        size_value = _clean_choice(TopicSize, size, "size", TopicSize.NORMAL)
        source_value = _clean_choice(TopicSource, source, "source", None)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        size_value = source_value = None
    if not isinstance(urgent, bool):
        errors["urgent"] = "not a valid value"
    proposer = on_behalf_of if on_behalf_of is not None else by.resident
    if on_behalf_of is not None:
        if not by.is_staff:
            raise NotFound("resident")
        if on_behalf_of.village_id != village.id:
            raise NotFound("resident")
        if source_value is None:
            source_value = TopicSource.VISIT
        elif source_value == TopicSource.RESIDENT:
            errors["source"] = "the channel the topic came by"
    else:
        if proposer is None or proposer.village_id != village.id:
            errors["on_behalf_of"] = "the resident who raised it"
        # A resident's own topic comes by the resident; staff say the channel.
        if not by.is_staff or source_value is None:
            source_value = TopicSource.RESIDENT
    if proposer is not None and proposer.status != ResidentStatus.ACTIVE:
        errors["on_behalf_of"] = "not an active resident"
    if errors:
        raise ValidationFailed(errors)
    at = now()
    topic = Topic(
        village_id=village.id,
        title=title,
        description=description,
        place=place,
        photo_path=photo_path,
        source=source_value,
        size=size_value,
        urgent=urgent,
        status=S.COLLECTED,
        created_by_id=by.id,
        created_at=at,
        status_changed_at=at,
    )
    session.add(topic)
    session.flush()
    session.add(
        TopicProposer(
            topic_id=topic.id,
            resident_id=proposer.id,
            entered_by_id=by.id if on_behalf_of is not None else None,
            source=source_value,
            created_at=at,
        )
    )
    session.add(TopicTransition(topic_id=topic.id, to_status=S.COLLECTED.value, by_id=by.id, at=at))
    session.flush()
    audit.record(
        session,
        action="topic.collected",
        obj=topic,
        by_id=by.id,
        village_id=village.id,
        after={"title": title, "source": source_value.value, "resident_id": proposer.id},
    )
    return topic


def merge(session: Session, *, keep: Topic, duplicate: Topic, by: User) -> Topic:
    """Fold a duplicate into the topic kept: every proposer stays (once each)."""
    if keep.id == duplicate.id or keep.village_id != duplicate.village_id:
        raise ValidationFailed({"duplicate_id": "another topic of the village"})
    if keep.status != S.COLLECTED:
        raise InvalidTransition(status=keep.status.value, to=S.MERGED.value)
    have = {p.resident_id for p in keep.proposers}
    for p in list(duplicate.proposers):
        if p.resident_id not in have:
            session.add(
                TopicProposer(
                    topic_id=keep.id,
                    resident_id=p.resident_id,
                    entered_by_id=p.entered_by_id,
                    source=p.source,
                    created_at=p.created_at,
                )
            )
            have.add(p.resident_id)
    keep.urgent = keep.urgent or duplicate.urgent
    move(session, duplicate, S.MERGED, by=by, note=f"#{keep.id}")
    duplicate.merged_into_id = keep.id
    session.flush()
    session.expire(keep, ["proposers"])
    return keep


def proposer_ids(topic: Topic) -> list[int]:
    return [p.resident_id for p in topic.proposers]


def age_days(topic: Topic, village: Village) -> int:
    """Days since the topic was raised, in the village's calendar."""
    raised = topic.created_at.astimezone(village_zone(village)).date()
    return (village_today(village) - raised).days


def is_overdue(topic: Topic, today: date) -> bool:
    return topic.status == S.IMPLEMENTING and topic.deadline is not None and topic.deadline < today


def list_topics(
    session: Session,
    village_id: int,
    *,
    status: TopicStatus | None = None,
    statuses: tuple[TopicStatus, ...] | None = None,
    resident_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Topics urgent first, then newest first (the cursor pages within that order)."""
    stmt = select(Topic).where(Topic.village_id == village_id)
    if status is not None:
        stmt = stmt.where(Topic.status == status)
    elif statuses is not None:
        stmt = stmt.where(Topic.status.in_(statuses))
    else:
        stmt = stmt.where(Topic.status != S.MERGED)
    if resident_id is not None:
        stmt = stmt.where(
            Topic.id.in_(
                select(TopicProposer.topic_id).where(TopicProposer.resident_id == resident_id)
            )
        )
    # The cursor is "u<urgent>:<id>": urgent topics come first, newest first within each.
    urgent_first = case((Topic.urgent.is_(True), 1), else_=0)
    position = _decode(cursor)
    if position is not None:
        urgent, before = position
        if urgent:
            stmt = stmt.where((Topic.urgent.is_(False)) | (Topic.id < before))
        else:
            stmt = stmt.where(Topic.urgent.is_(False), Topic.id < before)
    stmt = stmt.order_by(urgent_first.desc(), Topic.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = f"{int(bool(last.urgent))}-{encode_cursor(last.id)}"
    return Page(rows[:limit], next_cursor)


def _decode(cursor: str | None) -> tuple[bool, int] | None:
    if not cursor:
        return None
    flag, _, rest = cursor.partition("-")
    if flag not in ("0", "1"):
        raise ValidationFailed({"cursor": "invalid cursor"})
    return flag == "1", decode_cursor(rest) or 0
