"""An event's life: scheduled by :func:`create_event`, opened by :func:`open_event` (check-ins
start), closed by :func:`close_event` (volunteers still checked in are settled at the event's
end time). :func:`get_event` reads one, with its lock when a state change follows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from points import audit
from points.clock import now
from points.db import begin_write
from points.errors import NotFound, ValidationFailed
from points.event_models import Attendance, Event, EventKind, EventStatus, InviteScope
from points.events.awarding import settle_volunteer
from points.events.errors import InvalidTransition
from points.events.locks import event_for_update
from points.inputs import BAD_DATE, date_in_range
from points.models import Group, Household, Rule


def _aware(value: Any, field: str, errors: dict[str, str]) -> datetime | None:
    if value is None or value == "":
        errors[field] = "required"
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors[field] = "not a valid date"
            return None
    if not isinstance(value, datetime):
        errors[field] = "not a valid date"
        return None
    if value.tzinfo is None:
        errors[field] = "a time with its offset"
        return None
    if not date_in_range(value):
        errors[field] = BAD_DATE
        return None
    return value.astimezone(UTC)


def create_event(
    session: Session,
    *,
    village_id: int,
    title: str,
    kind: str,
    starts_at: datetime | str | None,
    ends_at: datetime | str | None,
    rule_id: int | None,
    location: str = "",
    topic_id: int | None = None,
    invite_scope: str = "village",
    invited_ids: list[int] | None = None,
    one_per_household: bool = False,
    invited_numbers: list[str] | None = None,
    by_id: int | None,
) -> Event:
    """Schedule an event. Invited households may be given by id or by household number."""
    errors: dict[str, str] = {}
    if invited_numbers:
        numbers = sorted({n.strip() for n in invited_numbers if n.strip()})
        rows = session.execute(
            select(Household.id, Household.number).where(
                Household.village_id == village_id, Household.number.in_(numbers)
            )
        ).all()
        if len(rows) != len(numbers):
            errors["invited_ids"] = "unknown household number"
        invited_ids = [*(invited_ids or []), *(r.id for r in rows)]
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = "required, at most 200 characters"
    location = (location or "").strip()
    if len(location) > 200:
        errors["location"] = "at most 200 characters"
    try:
        kind_value = EventKind(kind)
    except ValueError:
        errors["kind"] = "meeting or volunteer"
        kind_value = None
    start = _aware(starts_at, "starts_at", errors)
    end = _aware(ends_at, "ends_at", errors)
    if start and end and end <= start:
        errors["ends_at"] = "after the start"
    rule = session.get(Rule, rule_id) if isinstance(rule_id, int) else None
    if rule is None or rule.village_id != village_id:
        errors["rule_id"] = "unknown rule"
    elif not rule.active or rule.latest.points <= 0:
        errors["rule_id"] = "an active rule that awards points"
    try:
        scope = InviteScope(invite_scope or "village")
    except ValueError:
        errors["invite_scope"] = "village, groups or households"
        scope = InviteScope.VILLAGE
    ids = sorted({int(i) for i in (invited_ids or [])}) if scope != InviteScope.VILLAGE else []
    if scope == InviteScope.GROUPS:
        found = session.scalar(
            select(func.count(Group.id)).where(Group.village_id == village_id, Group.id.in_(ids))
        )
        if not ids or found != len(ids):
            errors["invited_ids"] = "choose groups of the village"
    elif scope == InviteScope.HOUSEHOLDS:
        found = session.scalar(
            select(func.count(Household.id)).where(
                Household.village_id == village_id, Household.id.in_(ids)
            )
        )
        if (not ids or found != len(ids)) and "invited_ids" not in errors:
            errors["invited_ids"] = "choose households of the village"
    if errors:
        raise ValidationFailed(errors)
    event = Event(
        village_id=village_id,
        kind=kind_value,
        title=title,
        location=location,
        starts_at=start,
        ends_at=end,
        rule_id=rule.id,
        topic_id=topic_id,
        invite_scope=scope,
        invited_ids=ids,
        one_per_household=bool(one_per_household),
        status=EventStatus.SCHEDULED,
        created_by_id=by_id,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        action="event.create",
        obj=event,
        by_id=by_id,
        village_id=village_id,
        after={"title": title, "kind": kind_value.value, "rule_id": rule.id},
    )
    return event


def get_event(session: Session, village_id: int, event_id: int, *, lock: bool = False) -> Event:
    """The event; ``lock`` takes it FOR UPDATE (state changes; on SQLite the write lock).
    Scans take a shared lock instead (:mod:`points.events.locks`)."""
    # The rule and its versions in the same query: a scan needs the version of the day.
    stmt = (
        select(Event)
        .where(Event.id == event_id)
        .options(joinedload(Event.rule).joinedload(Rule.versions))
    )
    if lock:
        begin_write(session)
        stmt = event_for_update(stmt, session.connection().dialect.name)
    event = session.scalars(stmt.execution_options(populate_existing=lock)).unique().one_or_none()
    if event is None or event.village_id != village_id:
        raise NotFound("event")
    return event


def list_events(session: Session, village_id: int, *, limit: int = 100) -> list[Event]:
    stmt = (
        select(Event)
        .where(Event.village_id == village_id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def open_event(session: Session, event: Event, *, by_id: int | None) -> Event:
    if event.status == EventStatus.OPEN:
        return event
    if event.status != EventStatus.SCHEDULED:
        raise InvalidTransition(event_status=event.status.value)
    event.status = EventStatus.OPEN
    event.opened_at = now()
    session.flush()
    audit.record(session, action="event.open", obj=event, by_id=by_id, village_id=event.village_id)
    return event


def close_event(session: Session, event: Event, *, by_id: int | None) -> Event:
    """Close the event; volunteers not checked out are settled at the event's end time."""
    event = get_event(session, event.village_id, event.id, lock=True)
    if event.status == EventStatus.CLOSED:
        return event
    if event.status != EventStatus.OPEN:
        raise InvalidTransition(event_status=event.status.value)
    at = now()
    if event.kind == EventKind.VOLUNTEER:
        open_rows = session.scalars(
            select(Attendance)
            .where(
                Attendance.event_id == event.id,
                Attendance.checked_out_at.is_(None),
                Attendance.undone_at.is_(None),
            )
            .order_by(Attendance.household_id, Attendance.id)  # households in id order
        )
        for att in list(open_rows):
            settle_volunteer(session, event, att, min(at, event.ends_at), by_id=by_id)
    event.status = EventStatus.CLOSED
    event.closed_at = at
    session.flush()
    audit.record(session, action="event.close", obj=event, by_id=by_id, village_id=event.village_id)
    return event
