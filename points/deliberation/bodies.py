"""Bodies that deliberate (议事协商委员会 1+7+X and the others), their members, terms,
by-elections and the talent pool (人才库).

A member is current on a day when that day is inside the term and the member has not left;
an X (stakeholder, expert, department staff) sits for one topic only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit
from points.deliberation.body_models import (
    BODY_KINDS,
    MEMBER_ROLES,
    X_KINDS,
    Body,
    BodyMember,
    Talent,
)
from points.deliberation.topics import clean_text, get_topic
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import Resident, User, Village


class DuplicateBody(DomainError):
    code = "duplicate_body"


def _date(value, field: str, errors: dict, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            errors[field] = "required"
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors[field] = "not a valid date"
    return None


def _resident(session: Session, village_id: int, resident_id) -> Resident | None:
    if resident_id in (None, 0, ""):
        return None
    resident = session.get(Resident, resident_id) if isinstance(resident_id, int) else None
    if resident is None or resident.village_id != village_id:
        raise ValidationFailed({"resident_id": "unknown resident"})
    return resident


def create_body(
    session: Session,
    *,
    village: Village,
    by: User,
    kind: str | None,
    name: str | None = None,
    honorary_head: str | None = "",
    rules_text: str | None = "",
) -> Body:
    if kind not in BODY_KINDS:
        raise ValidationFailed({"kind": "not a valid value"})
    name = clean_text(name, "name", limit=100) or BODY_KINDS[kind]
    body = Body(
        village_id=village.id,
        kind=kind,
        name=name,
        honorary_head=clean_text(honorary_head, "honorary_head", limit=100),
        rules_text=clean_text(rules_text, "rules_text"),
    )
    try:
        with session.begin_nested():
            session.add(body)
            session.flush()
    except IntegrityError:
        raise DuplicateBody(kind=kind) from None
    audit.record(session, action="body.create", obj=body, by_id=by.id, village_id=village.id)
    return body


def update_body(
    session: Session,
    body: Body,
    *,
    by: User,
    name=None,
    honorary_head=None,
    rules_text=None,
) -> Body:
    if name is not None:
        body.name = clean_text(name, "name", required=True, limit=100)
    if honorary_head is not None:
        body.honorary_head = clean_text(honorary_head, "honorary_head", limit=100)
    if rules_text is not None:
        body.rules_text = clean_text(rules_text, "rules_text")
    session.flush()
    audit.record(session, action="body.update", obj=body, by_id=by.id, village_id=body.village_id)
    return body


def get_body(session: Session, village_id: int, body_id: int) -> Body:
    body = session.get(Body, body_id)
    if body is None or body.village_id != village_id:
        raise NotFound("body")
    return body


def body_of_kind(session: Session, village_id: int, kind: str) -> Body | None:
    return session.scalar(select(Body).where(Body.village_id == village_id, Body.kind == kind))


def list_bodies(session: Session, village_id: int) -> list[Body]:
    return list(
        session.scalars(select(Body).where(Body.village_id == village_id).order_by(Body.id))
    )


def add_member(
    session: Session,
    body: Body,
    *,
    by: User,
    role: str | None,
    resident_id=None,
    name: str | None = None,
    organisation: str | None = "",
    phone: str | None = "",
    duty: str | None = "",
    term_start=None,
    term_end=None,
    by_election: bool = False,
    x_kind: str | None = "",
    topic_id=None,
    talent_id=None,
) -> BodyMember:
    """A member: a resident of the village (by id) or an outside person (name, organisation,
    phone); a fixed member with a term, or an X for one topic (from the talent pool, if so)."""
    errors: dict[str, str] = {}
    if role not in MEMBER_ROLES:
        errors["role"] = "not a valid value"
    resident = _resident(session, body.village_id, resident_id)
    talent = None
    if talent_id not in (None, 0, ""):
        talent = session.get(Talent, talent_id) if isinstance(talent_id, int) else None
        if talent is None or talent.village_id != body.village_id:
            raise ValidationFailed({"talent_id": "unknown talent"})
        resident = resident or (
            session.get(Resident, talent.resident_id) if talent.resident_id else None
        )
    name = clean_text(name, "name", limit=50) or (
        resident.name if resident else talent.name if talent else ""
    )
    if not name:
        errors["name"] = "required"
    start = _date(term_start, "term_start", errors)
    end = _date(term_end, "term_end", errors)
    if start and end and end < start:
        errors["term_end"] = "after the start"
    topic = None
    if role == "x":
        if x_kind not in X_KINDS:
            errors["x_kind"] = "not a valid value"
        if not isinstance(topic_id, int):
            errors["topic_id"] = "required"
        else:
            try:
                topic = get_topic(session, body.village_id, topic_id)
            except NotFound:
                errors["topic_id"] = "unknown topic"
    elif role in MEMBER_ROLES and start is None:
        errors["term_start"] = "required"
    if errors:
        raise ValidationFailed(errors)
    member = BodyMember(
        body_id=body.id,
        role=role,
        x_kind=x_kind if role == "x" else "",
        duty=clean_text(duty, "duty", limit=100),
        resident_id=resident.id if resident else None,
        name=name,
        organisation=clean_text(organisation, "organisation", limit=100)
        or (talent.organisation if talent else ""),
        phone=clean_text(phone, "phone", limit=20) or (talent.phone if talent else ""),
        talent_id=talent.id if talent else None,
        topic_id=topic.id if topic else None,
        term_start=start,
        term_end=end,
        by_election=bool(by_election),
    )
    session.add(member)
    session.flush()
    audit.record(
        session, action="body.member.add", obj=member, by_id=by.id, village_id=body.village_id
    )
    return member


def get_member(session: Session, body: Body, member_id: int) -> BodyMember:
    member = session.get(BodyMember, member_id)
    if member is None or member.body_id != body.id:
        raise NotFound("member")
    return member


def remove_member(
    session: Session, member: BodyMember, *, by: User, on, village_id: int
) -> BodyMember:
    """The member leaves (resigned, moved, died) on that day; a by-election fills the seat."""
    errors: dict[str, str] = {}
    day = _date(on, "left_on", errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    member.left_on = day
    session.flush()
    audit.record(
        session, action="body.member.leave", obj=member, by_id=by.id, village_id=village_id
    )
    return member


def current_members(
    session: Session, body: Body, day: date, topic_ids: list[int] | None = None
) -> list[BodyMember]:
    """Members sitting on ``day``: the fixed ones inside their term, and the X of the topics."""
    stmt = select(BodyMember).where(
        BodyMember.body_id == body.id,
        or_(BodyMember.left_on.is_(None), BodyMember.left_on > day),
    )
    rows = list(session.scalars(stmt.order_by(BodyMember.id)))
    out = []
    for m in rows:
        if m.role == "x":
            if topic_ids and m.topic_id in topic_ids:
                out.append(m)
            continue
        if m.term_start and m.term_start > day:
            continue
        if m.term_end and m.term_end < day:
            continue
        out.append(m)
    return out


def all_members(session: Session, body: Body) -> list[BodyMember]:
    return list(
        session.scalars(
            select(BodyMember).where(BodyMember.body_id == body.id).order_by(BodyMember.id)
        )
    )


# ---------------------------------------------------------------- talent pool


def add_talent(
    session: Session,
    *,
    village: Village,
    by: User,
    name: str | None = None,
    resident_id=None,
    organisation: str | None = "",
    phone: str | None = "",
    skills: str | None = "",
) -> Talent:
    resident = _resident(session, village.id, resident_id)
    name = clean_text(name, "name", limit=50) or (resident.name if resident else "")
    if not name:
        raise ValidationFailed({"name": "required"})
    row = Talent(
        village_id=village.id,
        resident_id=resident.id if resident else None,
        name=name,
        organisation=clean_text(organisation, "organisation", limit=100),
        phone=clean_text(phone, "phone", limit=20),
        skills=clean_text(skills, "skills", required=True, limit=500),
    )
    session.add(row)
    session.flush()
    audit.record(session, action="talent.add", obj=row, by_id=by.id, village_id=village.id)
    return row


def talents(session: Session, village_id: int, skill: str | None = None) -> list[Talent]:
    stmt = select(Talent).where(Talent.village_id == village_id)
    if skill:
        stmt = stmt.where(Talent.skills.contains(skill.strip()[:50]))
    return list(session.scalars(stmt.order_by(Talent.id)))
