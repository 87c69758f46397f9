"""村民代表: terms, nominations by household co-signatures, confirmation at a group meeting,
and the roster per group and term.

One representative per N households (the village's setting): a nomination needs the
co-signatures of at least N households of the nominee's group, each household signing once
per term, and is confirmed when at least two thirds of those present at the group meeting
vote for it. A term that ends (its last day passed, or ended by the committee) retires its
representatives: they are no longer called to meetings.

A term's changes (a nomination, a signature, a confirmation, the end of the term) happen one
at a time: each takes the term's lock (:func:`hold_term`) and reads what it checks after it,
so two confirmations of one nomination cannot both pass, nor a confirmation slip past the
end of its term.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.db import lock_row
from points.deliberation import meeting_settings
from points.deliberation.bodies import _date
from points.deliberation.body_models import Nomination, NominationSignature, RepresentativeTerm
from points.deliberation.topics import clean_text
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import Household, Resident, ResidentStatus, User, Village


class TooFewHouseholds(DomainError):
    code = "too_few_households"


class AlreadySigned(DomainError):
    code = "already_signed"


class TermEnded(DomainError):
    code = "term_ended"


class NominationClosed(DomainError):
    code = "nomination_closed"


class AlreadyNominated(DomainError):
    code = "already_nominated"


def create_term(session: Session, *, village: Village, by: User, name, starts_on, ends_on):
    errors: dict[str, str] = {}
    start = _date(starts_on, "starts_on", errors, required=True)
    end = _date(ends_on, "ends_on", errors, required=True)
    if start and end and end <= start:
        errors["ends_on"] = "after the start"
    name = clean_text(name, "name", limit=100)
    if errors:
        raise ValidationFailed(errors)
    term = RepresentativeTerm(
        village_id=village.id,
        name=name or f"{start.year}—{end.year}届",
        starts_on=start,
        ends_on=end,
    )
    session.add(term)
    session.flush()
    audit.record(
        session, action="representatives.term", obj=term, by_id=by.id, village_id=village.id
    )
    return term


def get_term(session: Session, village_id: int, term_id: int) -> RepresentativeTerm:
    term = session.get(RepresentativeTerm, term_id)
    if term is None or term.village_id != village_id:
        raise NotFound("term")
    return term


def terms(session: Session, village_id: int) -> list[RepresentativeTerm]:
    stmt = select(RepresentativeTerm).where(RepresentativeTerm.village_id == village_id)
    return list(session.scalars(stmt.order_by(RepresentativeTerm.starts_on.desc())))


def hold_term(session: Session, term_id: int) -> RepresentativeTerm:
    """Take the term's lock (the write lock on SQLite, the row FOR UPDATE on PostgreSQL) and
    read the term after it; the caller re-reads anything else it checks."""
    return lock_row(session, RepresentativeTerm, term_id)


def is_current(term: RepresentativeTerm, day: date) -> bool:
    """In office on ``day``: inside its dates and not ended on or before that day (a meeting
    held before an early end keeps those it called; one on the day of the end or after does
    not)."""
    if not term.starts_on <= day <= term.ends_on:
        return False
    return term.ended_at is None or term.ended_at.date() > day


def current_term(session: Session, village_id: int, day: date) -> RepresentativeTerm | None:
    for term in terms(session, village_id):
        if is_current(term, day):
            return term
    return None


def end_term(session: Session, term: RepresentativeTerm, *, by: User) -> RepresentativeTerm:
    """The term ends now: its representatives leave the invited lists."""
    term = hold_term(session, term.id)
    if term.ended_at is not None:
        raise TermEnded(term_id=term.id)
    term.ended_at = now()
    session.flush()
    audit.record(
        session,
        action="representatives.term_end",
        obj=term,
        by_id=by.id,
        village_id=term.village_id,
    )
    return term


def nominate(session: Session, term: RepresentativeTerm, *, by: User, resident_id) -> Nomination:
    term = hold_term(session, term.id)
    if term.ended_at is not None:
        raise TermEnded(term_id=term.id)
    resident = session.get(Resident, resident_id) if isinstance(resident_id, int) else None
    if (
        resident is None
        or resident.village_id != term.village_id
        or resident.status != ResidentStatus.ACTIVE
    ):
        raise ValidationFailed({"resident_id": "unknown resident"})
    row = Nomination(
        term_id=term.id,
        village_id=term.village_id,
        group_id=resident.household.group_id,
        resident_id=resident.id,
        created_by_id=by.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AlreadyNominated(resident_id=resident.id) from None
    audit.record(
        session, action="representatives.nominate", obj=row, by_id=by.id, village_id=term.village_id
    )
    return row


def get_nomination(session: Session, village_id: int, nomination_id: int) -> Nomination:
    row = session.get(Nomination, nomination_id)
    if row is None or row.village_id != village_id:
        raise NotFound("nomination")
    return row


def sign(
    session: Session, nomination: Nomination, *, by: User, household_id
) -> NominationSignature:
    """A household co-signs the nomination (once per term, whichever nomination)."""
    term = hold_term(session, nomination.term_id)
    session.refresh(nomination)
    if nomination.status != "open":
        raise NominationClosed(nomination_status=nomination.status)
    if term.ended_at is not None:  # as nominate refuses: a signature belongs to a live term
        raise TermEnded(term_id=term.id)
    household = session.get(Household, household_id) if isinstance(household_id, int) else None
    if household is None or household.village_id != nomination.village_id:
        raise ValidationFailed({"household_id": "unknown household"})
    if nomination.group_id is not None and household.group_id != nomination.group_id:
        raise ValidationFailed({"household_id": "a household of the nominee's group"})
    row = NominationSignature(
        nomination_id=nomination.id,
        term_id=nomination.term_id,
        household_id=household.id,
        recorded_by_id=by.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AlreadySigned(household_id=household.id) from None
    session.refresh(nomination, ["signatures"])
    return row


def confirm(
    session: Session,
    nomination: Nomination,
    *,
    by: User,
    present,
    votes_for,
    event_id: int | None = None,
) -> Nomination:
    """The group meeting's vote: confirmed with at least two thirds of those present for it,
    rejected otherwise. The nomination needs its N households' signatures first, and its
    term must not have ended."""
    term = hold_term(session, nomination.term_id)
    session.refresh(nomination)
    if nomination.status != "open":
        raise NominationClosed(nomination_status=nomination.status)
    if term.ended_at is not None:  # as sign refuses: a representative of a live term
        raise TermEnded(term_id=term.id)
    errors: dict[str, str] = {}
    for field, value in (("present", present), ("votes_for", votes_for)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[field] = "must be a whole number"
    if not errors and present == 0:
        errors["present"] = "out of range"
    if not errors and votes_for > present:
        errors["votes_for"] = "at most those present"
    if errors:
        raise ValidationFailed(errors)
    need = meeting_settings.current(session, nomination.village_id).households_per_representative
    have = session.scalar(
        select(func.count(NominationSignature.id)).where(
            NominationSignature.nomination_id == nomination.id
        )
    )
    if have < need:
        raise TooFewHouseholds(households=have, needed=need)
    nomination.present, nomination.votes_for = present, votes_for
    nomination.event_id = event_id if isinstance(event_id, int) else None
    nomination.status = "confirmed" if votes_for * 3 >= present * 2 else "rejected"
    nomination.decided_at = now()
    session.flush()
    audit.record(
        session,
        action=f"representatives.{nomination.status}",
        obj=nomination,
        by_id=by.id,
        village_id=nomination.village_id,
        after={"present": present, "votes_for": votes_for},
    )
    return nomination


def nominations(session: Session, term: RepresentativeTerm) -> list[Nomination]:
    stmt = select(Nomination).where(Nomination.term_id == term.id)
    return list(session.scalars(stmt.order_by(Nomination.group_id, Nomination.id)))


def roster(session: Session, term: RepresentativeTerm | None) -> list[Nomination]:
    """The confirmed representatives of the term, by group."""
    if term is None:
        return []
    return [n for n in nominations(session, term) if n.status == "confirmed"]


def current_representatives(session: Session, village_id: int, day: date) -> list[int]:
    """Resident ids of the representatives of the term current on ``day`` (none once ended)."""
    term = current_term(session, village_id, day)
    return [n.resident_id for n in roster(session, term)]


def signature_counts(session: Session, term: RepresentativeTerm) -> dict[int, int]:
    stmt = (
        select(NominationSignature.nomination_id, func.count(NominationSignature.id))
        .where(NominationSignature.term_id == term.id)
        .group_by(NominationSignature.nomination_id)
    )
    return dict(session.execute(stmt).all())
