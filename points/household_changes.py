"""Households over time: split one (分户), merge two (合户), move members between them.

People move; points stay where they were earned. The ledger is not rewritten: every entry
keeps its household and resident. When points go with the people, they move by a pair of
linked entries — out of one household, into the other — whose source is the
:class:`HouseholdChange` (kind, who moved, the reason, who did it), written through
:func:`points.ledger.append` with both households locked in id order (so two changes of the
same pair at once cannot deadlock). The pair changes no honour score: what was earned stays
earned by the household that earned it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit, ledger, residents
from points.errors import ValidationFailed
from points.household_models import ChangeKind, HouseholdChange
from points.models import EntryKind, Household, LedgerEntry, Resident, ResidentStatus
from points.picker import clean_ids

SOURCE = "household_change"


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "a reason is required"})
    if len(reason) > 200:
        raise ValidationFailed({"reason": "at most 200 characters"})
    return reason


def _clean_points(points) -> int:
    try:
        value = int(points or 0)
    except (TypeError, ValueError):
        raise ValidationFailed({"points": "must be a whole number"}) from None
    if value < 0 or value > 10_000_000:
        raise ValidationFailed({"points": "out of range"})
    return value


def _members(session: Session, household: Household, resident_ids) -> list[Resident]:
    ids = clean_ids(resident_ids)
    if not ids:
        raise ValidationFailed({"resident_ids": "choose at least one member"})
    # Read after the household's lock, afresh: a change made meanwhile (a double submit) is seen.
    stmt = select(Resident).where(Resident.id.in_(ids)).order_by(Resident.id)
    people = list(session.scalars(stmt.execution_options(populate_existing=True)))
    if len(people) != len(ids) or any(
        p.household_id != household.id or p.status != ResidentStatus.ACTIVE for p in people
    ):
        raise ValidationFailed({"resident_ids": "not active members of this household"})
    return people


def _active_members(session: Session, household: Household) -> list[Resident]:
    stmt = select(Resident).where(
        Resident.household_id == household.id, Resident.status == ResidentStatus.ACTIVE
    )
    return list(
        session.scalars(stmt.order_by(Resident.id).execution_options(populate_existing=True))
    )


def _lock_pair(session: Session, a: int, b: int) -> None:
    for household_id in sorted((a, b)):
        ledger.lock_household(session, household_id)


def _record(session, *, village_id, kind, source, target, people, points, reason, by_id):
    change = HouseholdChange(
        village_id=village_id,
        kind=kind,
        from_household_id=source.id,
        to_household_id=target.id,
        resident_ids=",".join(str(p.id) for p in people),
        points=points,
        reason=reason,
        created_by_id=by_id,
    )
    session.add(change)
    session.flush()
    if points:
        for household_id, amount in ((source.id, -points), (target.id, points)):
            ledger.append(
                session,
                household_id=household_id,
                amount=amount,
                kind=EntryKind.CORRECTION,
                honour_delta=0,
                source=(SOURCE, change.id),
                note=reason,
                created_by_id=by_id,
            )
    for person in people:
        if person.household_id != target.id:
            person.household_id = target.id
            person.is_head = False
    session.flush()
    for person in people:
        session.expire(person, ["household"])
    for household in (source, target):
        session.refresh(household)
    audit.record(
        session,
        action=f"household.{kind.value}",
        obj=change,
        by_id=by_id,
        village_id=village_id,
        after={
            "from": source.number,
            "to": target.number,
            "residents": [p.id for p in people],
            "points": points,
            "reason": reason,
        },
    )
    return change


def _check_balance(source: Household, points: int) -> None:
    if points > source.balance:
        raise ValidationFailed({"points": "more than the household's balance"})


def split(
    session: Session,
    household: Household,
    *,
    resident_ids,
    new_number: str,
    points=0,
    reason: str | None,
    group: str | None = None,
    by_id: int | None,
) -> HouseholdChange:
    """分户: the members named leave for a new household, with ``points`` of the balance."""
    reason, points = _clean_reason(reason), _clean_points(points)
    ledger.lock_household(session, household.id)  # before the members are read and checked
    people = _members(session, household, resident_ids)
    if len(people) == len(_active_members(session, household)):
        raise ValidationFailed({"resident_ids": "someone must stay: merge instead"})
    if group is None and household.group is not None:
        group = household.group.name
    target = residents.create_household(
        session, village_id=household.village_id, number=new_number, group=group, by_id=by_id
    )
    _lock_pair(session, household.id, target.id)
    _check_balance(household, points)
    change = _record(
        session,
        village_id=household.village_id,
        kind=ChangeKind.SPLIT,
        source=household,
        target=target,
        people=people,
        points=points,
        reason=reason,
        by_id=by_id,
    )
    people[0].is_head = True
    session.flush()
    return change


def merge(
    session: Session, source: Household, target: Household, *, reason: str | None, by_id
) -> HouseholdChange:
    """合户: every active member and the whole balance of ``source`` go to ``target``."""
    reason = _clean_reason(reason)
    if source.village_id != target.village_id or source.id == target.id:
        raise ValidationFailed({"target": "another household of the village"})
    _lock_pair(session, source.id, target.id)
    people = _active_members(session, source)
    if not people and not source.balance:
        raise ValidationFailed({"source": "nothing left to merge"})  # e.g. a second submit
    return _record(
        session,
        village_id=source.village_id,
        kind=ChangeKind.MERGE,
        source=source,
        target=target,
        people=people,
        points=source.balance,
        reason=reason,
        by_id=by_id,
    )


def move_members(
    session: Session,
    source: Household,
    target: Household,
    *,
    resident_ids,
    points=0,
    reason: str | None,
    by_id: int | None,
) -> HouseholdChange:
    """迁移: the members named move to another household, with ``points`` of the balance."""
    reason, points = _clean_reason(reason), _clean_points(points)
    if source.village_id != target.village_id or source.id == target.id:
        raise ValidationFailed({"target": "another household of the village"})
    _lock_pair(session, source.id, target.id)  # before the members are read and checked
    people = _members(session, source, resident_ids)
    _check_balance(source, points)
    return _record(
        session,
        village_id=source.village_id,
        kind=ChangeKind.MOVE,
        source=source,
        target=target,
        people=people,
        points=points,
        reason=reason,
        by_id=by_id,
    )


def history(session: Session, household: Household) -> list[HouseholdChange]:
    """The changes a household took part in, newest first."""
    return list(
        session.scalars(
            select(HouseholdChange)
            .where(
                (HouseholdChange.from_household_id == household.id)
                | (HouseholdChange.to_household_id == household.id)
            )
            .order_by(HouseholdChange.id.desc())
        )
    )


def transfer_entries(session: Session, change: HouseholdChange) -> list[LedgerEntry]:
    """The pair of entries a change wrote (none when no points moved)."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.source_type == SOURCE, LedgerEntry.source_id == change.id)
            .order_by(LedgerEntry.id)
        )
    )
