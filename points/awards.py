"""Awards (加分 / 扣分) with review, publication (积分公示) and objections (异议).

A rule without review: the award is confirmed at once and reaches the ledger. A rule with
review, every deduction and every resident's claim (申报): ``pending`` → approved by someone
other than its creator and not of the same household (``published``, open for objections
until ``objection_deadline``) or ``rejected`` → ``confirmed`` when the window ends with no
open objection. An objection holds the award (``held``) until the supervisor or admin
upholds it (award rejected) or dismisses it (award continues to confirmation).

Confirmation is lazy (:func:`confirm_due`, cheap when nothing is due, idempotent), so it
needs no cron job. Every read-then-write of a household's figures holds its lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points import audit, ledger
from points.caps import check_monthly_cap, month_bounds
from points.clock import now
from points.errors import DomainError, Forbidden, NotFound, ValidationFailed
from points.independence import household_behind, made_by_the_interested, makers_of
from points.models import (
    OPEN_AWARD_STATUSES,
    Award,
    AwardStatus,
    EntryKind,
    Household,
    LedgerEntry,
    Objection,
    ObjectionStatus,
    Resident,
    ResidentStatus,
    Rule,
    User,
    Village,
)
from points.residents import Page, decode_cursor, encode_cursor, get_resident
from points.villages import village_today

MAX_QUANTITY = 1000
MAX_NOTE = 500
MAX_BULK = 500


class NotPending(DomainError):
    code = "award_not_pending"


class ConflictOfInterest(DomainError):
    """The reviewer made the award, or it concerns their own household."""

    code = "conflict_of_interest"
    status = 403


class RuleInactive(DomainError):
    code = "rule_inactive"


class NotClaimable(DomainError):
    code = "not_claimable"


class NotInObjectionWindow(DomainError):
    code = "not_in_objection_window"


class AlreadyObjected(DomainError):
    code = "already_objected"


class ObjectionClosed(DomainError):
    code = "objection_closed"


def _clean_note(note: str | None, field: str = "note", required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailed({field: "a reason is required"})
    if len(note) > MAX_NOTE:
        raise ValidationFailed({field: "at most 500 characters"})
    return note


def _clean_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed({"quantity": "must be a whole number"})
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed({"quantity": "out of range"})
    return quantity


def get_award(session: Session, village_id: int, award_id: int) -> Award:
    award = session.get(Award, award_id)
    if award is None or award.village_id != village_id:
        raise NotFound("award")
    return award


def get_objection(session: Session, village_id: int, objection_id: int) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None or objection.village_id != village_id:
        raise NotFound("objection")
    return objection


def _lock_award(session: Session, award: Award) -> Award:
    """Lock the award's household, then re-read the award: its state is now stable."""
    ledger.lock_household(session, award.household_id)
    session.refresh(award)
    return award


def _household_of(user: User) -> int | None:
    return user.resident.household_id if user.resident is not None else None


def create_award(
    session: Session,
    *,
    village: Village,
    rule: Rule,
    resident: Resident,
    by: User,
    quantity: int = 1,
    note: str | None = "",
    evidence_path: str | None = None,
    is_claim: bool = False,
    review: bool = False,
) -> Award:
    """Make an award under the rule version in force today; confirm it unless it is reviewed.
    ``review``: reviewed whatever the rule says (a donor's points recorded by the shop)."""
    if rule.village_id != village.id or resident.village_id != village.id:
        raise NotFound("rule" if rule.village_id != village.id else "resident")
    quantity = _clean_quantity(quantity)
    note = _clean_note(note)
    if not rule.active:
        raise RuleInactive(rule_id=rule.id)
    if resident.status != ResidentStatus.ACTIVE:
        raise ValidationFailed({"resident_id": "not an active resident"})
    version = rule.version_on(village_today(village))
    if is_claim and not version.claimable:
        raise NotClaimable(rule_id=rule.id)
    if is_claim and evidence_path is None and not note:
        raise ValidationFailed({"note": "a note or a photo is required"})
    if version.evidence_required and evidence_path is None:
        raise ValidationFailed({"photo": "a photo is required for this rule"})
    amount = version.points * quantity
    at = now()
    ledger.lock_household(session, resident.household_id)
    check_monthly_cap(
        session,
        village=village,
        rule=rule,
        version=version,
        resident_id=resident.id,
        amount=amount,
        at=at,
    )
    # Someone awarding their own household goes through review like a claim, as does a login
    # that a member of the household made (points.independence).
    own_household = _household_of(by) == resident.household_id or household_behind(
        session, resident.household_id, makers_of(session, by.id)
    )
    reviewed = version.needs_review or is_claim or amount < 0 or own_household or review
    award = Award(
        village_id=village.id,
        household_id=resident.household_id,
        resident_id=resident.id,
        rule_id=rule.id,
        rule_version_id=version.id,
        quantity=quantity,
        amount=amount,
        status=AwardStatus.PENDING,
        is_claim=is_claim,
        note=note,
        evidence_path=evidence_path,
        created_by_id=by.id,
        created_at=at,
    )
    session.add(award)
    session.flush()
    if reviewed:
        if amount > 0:
            ledger.adjust_pending(session, household_id=award.household_id, delta=amount)
    else:
        award.status = AwardStatus.PUBLISHED  # a transient state: confirmed right away
        _post(session, award, at)
    audit.record(
        session,
        action="award.claim" if is_claim else "award.create",
        obj=award,
        by_id=by.id,
        village_id=village.id,
        after={"rule": rule.code, "resident_id": resident.id, "amount": amount},
    )
    return award


def bulk_award(
    session: Session,
    *,
    village: Village,
    rule: Rule,
    resident_ids: list[int],
    by: User,
    quantity: int = 1,
    note: str | None = "",
) -> list[Award]:
    """One rule to many residents; all or nothing (the caller commits only on success)."""
    ids = list(dict.fromkeys(resident_ids or []))
    if not ids:
        raise ValidationFailed({"resident_ids": "required"})
    if len(ids) > MAX_BULK:
        raise ValidationFailed({"resident_ids": "out of range"})
    people = [get_resident(session, village.id, rid) for rid in ids]
    # Lock households in id order so two bulk awards cannot deadlock each other.
    people.sort(key=lambda r: (r.household_id, r.id))
    awards = []
    for person in people:
        try:
            awards.append(
                create_award(
                    session,
                    village=village,
                    rule=rule,
                    resident=person,
                    by=by,
                    quantity=quantity,
                    note=note,
                )
            )
        except DomainError as exc:
            exc.details.setdefault("resident_id", person.id)
            raise
    return awards


def _check_reviewer(session: Session, award: Award, by: User) -> None:
    if award.created_by_id == by.id or _household_of(by) == award.household_id:
        raise ConflictOfInterest()
    if made_by_the_interested(session, award, by):
        raise ConflictOfInterest(made_by_the_interested=True)


def approve(session: Session, award: Award, *, by: User) -> Award:
    """Post a pending award for the village's objection window."""
    _lock_award(session, award)
    if award.status != AwardStatus.PENDING:
        raise NotPending(award_status=award.status.value)
    _check_reviewer(session, award, by)
    village = session.get(Village, award.village_id)
    at = now()
    award.status = AwardStatus.PUBLISHED
    award.reviewed_by_id = by.id
    award.reviewed_at = at
    award.objection_deadline = at + timedelta(days=village.objection_days)
    session.flush()
    audit.record(
        session, action="award.approve", obj=award, by_id=by.id, village_id=award.village_id
    )
    if village.objection_days == 0:
        _post(session, award, at)
    return award


def reject(session: Session, award: Award, *, by: User, reason: str | None) -> Award:
    reason = _clean_note(reason, "reason", required=True)
    _lock_award(session, award)
    if award.status != AwardStatus.PENDING:
        raise NotPending(award_status=award.status.value)
    _check_reviewer(session, award, by)
    award.reviewed_by_id = by.id
    award.reviewed_at = now()
    _reject(session, award, reason)
    audit.record(
        session,
        action="award.reject",
        obj=award,
        by_id=by.id,
        village_id=award.village_id,
        after={"reason": reason},
    )
    return award


def _reject(session: Session, award: Award, reason: str) -> None:
    award.status = AwardStatus.REJECTED
    award.reject_reason = reason
    if award.amount > 0:
        ledger.adjust_pending(session, household_id=award.household_id, delta=-award.amount)
    session.flush()


def _post(session: Session, award: Award, at: datetime) -> LedgerEntry:
    """Move a published award into the ledger (household already locked)."""
    deduction = award.amount < 0
    entry = ledger.post(
        session,
        household_id=award.household_id,
        amount=award.amount,
        kind=EntryKind.DEDUCTION if deduction else EntryKind.AWARD,
        resident_id=award.resident_id,
        rule_version=award.rule_version,
        source=("award", award.id),
        note=award.note,
        created_by_id=award.created_by_id,
        honour_delta=award.amount,
        allow_partial=deduction,
        at=at,
    )
    was_pending = award.status in OPEN_AWARD_STATUSES and award.reviewed_at is not None
    award.status = AwardStatus.CONFIRMED
    award.confirmed_at = at
    award.entry_id = entry.id
    if was_pending and award.amount > 0:
        ledger.adjust_pending(session, household_id=award.household_id, delta=-award.amount)
    session.flush()
    return entry


def confirm_due(session: Session, village_id: int | None = None) -> int:
    """Confirm every published award whose window has ended with no open objection.

    Cheap when nothing is due (one indexed query); idempotent under concurrent callers,
    because each award is re-read with its household locked before it is posted.
    """
    at = now()
    stmt = select(Award.id).where(
        Award.status == AwardStatus.PUBLISHED, Award.objection_deadline <= at
    )
    if village_id is not None:
        stmt = stmt.where(Award.village_id == village_id)
    ids = list(session.scalars(stmt.order_by(Award.household_id, Award.id)))
    done = 0
    for award_id in ids:
        award = session.get(Award, award_id)
        _lock_award(session, award)
        if award.status == AwardStatus.PUBLISHED and award.objection_deadline <= at:
            _post(session, award, at)
            done += 1
    return done


def any_due(session: Session, village_id: int) -> bool:
    """Whether :func:`confirm_due` has work: lets a GET open a write session only when needed."""
    return (
        session.scalar(
            select(Award.id)
            .where(
                Award.village_id == village_id,
                Award.status == AwardStatus.PUBLISHED,
                Award.objection_deadline <= now(),
            )
            .limit(1)
        )
        is not None
    )


def object_to(session: Session, award: Award, *, by: User, reason: str | None) -> Objection:
    """A resident of the village objects to a posted award within its window; it is held."""
    reason = _clean_note(reason, "reason", required=True)
    if by.resident is None or by.resident.village_id != award.village_id:
        raise Forbidden("only residents of the village may object")
    _lock_award(session, award)
    in_window = (
        award.status in (AwardStatus.PUBLISHED, AwardStatus.HELD)
        and award.objection_deadline is not None
        and now() < award.objection_deadline
    )
    if not in_window:
        raise NotInObjectionWindow(award_status=award.status.value)
    exists = session.scalar(
        select(Objection.id).where(Objection.award_id == award.id, Objection.user_id == by.id)
    )
    if exists is not None:
        raise AlreadyObjected(objection_id=exists)
    objection = Objection(
        village_id=award.village_id,
        award_id=award.id,
        user_id=by.id,
        resident_id=by.resident_id,
        reason=reason,
        status=ObjectionStatus.OPEN,
        created_at=now(),
    )
    session.add(objection)
    award.status = AwardStatus.HELD
    session.flush()
    audit.record(
        session, action="objection.create", obj=objection, by_id=by.id, village_id=award.village_id
    )
    return objection


def decide_objection(
    session: Session, objection: Objection, *, by: User, uphold: bool, reason: str | None
) -> Objection:
    """Uphold (the award is rejected) or dismiss (it continues); the objector sees the reason.

    Who made the award or approved it stands aside, as does anyone of the household
    concerned or of the objector's: an objection is a complaint about their own decision.
    The decision's audit row names who stood aside."""
    reason = _clean_note(reason, "reason", required=True)
    award = _lock_award(session, objection.award)
    session.refresh(objection)
    if objection.status != ObjectionStatus.OPEN:
        raise ObjectionClosed(objection_status=objection.status.value)
    stood_aside = sorted({u for u in (award.created_by_id, award.reviewed_by_id) if u is not None})
    if by.id in stood_aside:
        raise ConflictOfInterest()
    own = _household_of(by)
    if own is not None and own in (award.household_id, objection.resident.household_id):
        raise ConflictOfInterest()
    if made_by_the_interested(session, award, by):
        raise ConflictOfInterest(made_by_the_interested=True)
    at = now()
    others = [o for o in award.objections if o.status == ObjectionStatus.OPEN]
    targets = others if uphold else [objection]
    for o in targets:
        o.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
        o.decided_by_id = by.id
        o.decided_at = at
        o.decision_reason = reason
    if uphold:
        _reject(session, award, reason)
    elif not any(o.status == ObjectionStatus.OPEN for o in award.objections):
        award.status = AwardStatus.PUBLISHED
        if award.objection_deadline <= at:
            _post(session, award, at)
    session.flush()
    audit.record(
        session,
        action="objection.uphold" if uphold else "objection.dismiss",
        obj=objection,
        by_id=by.id,
        village_id=award.village_id,
        after={
            "reason": reason,
            "award_status": award.status.value,
            "stood_aside": stood_aside,
        },
    )
    return objection


def list_awards(
    session: Session,
    village_id: int,
    *,
    status: AwardStatus | None = None,
    household_id: int | None = None,
    created_by_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Awards newest first."""
    stmt = select(Award).where(Award.village_id == village_id).order_by(Award.id.desc())
    if status is not None:
        stmt = stmt.where(Award.status == status)
    if household_id is not None:
        stmt = stmt.where(Award.household_id == household_id)
    if created_by_id is not None:
        stmt = stmt.where(Award.created_by_id == created_by_id)
    before = decode_cursor(cursor)
    if before is not None:
        stmt = stmt.where(Award.id < before)
    rows = list(session.scalars(stmt.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def public_board(session: Session, village_id: int) -> list[Award]:
    """积分公示: awards posted and still inside their objection window."""
    stmt = (
        select(Award)
        .where(
            Award.village_id == village_id,
            Award.status.in_((AwardStatus.PUBLISHED, AwardStatus.HELD)),
            Award.objection_deadline > now(),
        )
        .order_by(Award.objection_deadline, Award.id)
    )
    return list(session.scalars(stmt))


def open_objections(session: Session, village_id: int) -> list[Objection]:
    stmt = (
        select(Objection)
        .where(Objection.village_id == village_id, Objection.status == ObjectionStatus.OPEN)
        .order_by(Objection.id)
    )
    return list(session.scalars(stmt))


def objections_by(session: Session, user_id: int) -> list[Objection]:
    stmt = select(Objection).where(Objection.user_id == user_id).order_by(Objection.id.desc())
    return list(session.scalars(stmt))


def correct_entry(
    session: Session, *, village_id: int, entry_id: int, reason: str | None, by: User
) -> LedgerEntry:
    """An admin's correction of one of the village's entries: a new, linked reversing entry."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        raise NotFound("entry")
    household = ledger.lock_household(session, entry.household_id)
    if household.village_id != village_id:
        raise NotFound("entry")
    fix = ledger.correct(session, entry_id=entry_id, reason=reason or "", created_by_id=by.id)
    audit.record(
        session,
        action="ledger.correct",
        obj=fix,
        object_type="ledger_entry",
        by_id=by.id,
        village_id=village_id,
        after={"reverses": entry_id, "amount": fix.amount, "reason": fix.note},
    )
    return fix


def month_earnings(session: Session, household_id: int, start: datetime, end: datetime) -> int:
    """Honour points the household earned in [start, end) (awards, deductions, corrections)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.honour_delta), 0)).where(
            LedgerEntry.household_id == household_id,
            LedgerEntry.created_at >= start.astimezone(UTC),
            LedgerEntry.created_at < end.astimezone(UTC),
        )
    )
    return int(total or 0)


@dataclass
class Standing:
    """What 我的积分 shows besides the cached figures."""

    month_earnings: int
    rank: int  # 1 = highest honour score in the village (ties share a rank)
    households: int
    open_awards: list[Award]


def standing(session: Session, household: Household) -> Standing:
    village = session.get(Village, household.village_id)
    start, end = month_bounds(village, now())
    higher = session.scalar(
        select(func.count(Household.id)).where(
            Household.village_id == household.village_id,
            Household.honour_score > household.honour_score,
        )
    )
    total = session.scalar(
        select(func.count(Household.id)).where(Household.village_id == household.village_id)
    )
    open_awards = list(
        session.scalars(
            select(Award)
            .where(Award.household_id == household.id, Award.status.in_(OPEN_AWARD_STATUSES))
            .order_by(Award.id.desc())
        )
    )
    return Standing(
        month_earnings=month_earnings(session, household.id, start, end),
        rank=int(higher or 0) + 1,
        households=int(total or 0),
        open_awards=open_awards,
    )
