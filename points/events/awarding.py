"""An attendance's points: the rule version of the event's day, the monthly cap, the ledger
entry; and a volunteer's hours, settled at check-out or at the close (:func:`settle_volunteer`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points import caps, ledger
from points.clock import now
from points.event_models import Attendance, Event
from points.events.subjects import ScanEvent, ScanVersion, event_day
from points.models import EntryKind, Rule, RuleUnit, RuleVersion, Village

_ATTENDANCES = Attendance.__table__


def rule_version_for(session: Session, event: Event) -> RuleVersion:
    """The version of the event's rule in force on the event's day (in the village's zone).
    A :class:`ScanEvent` comes with its version from :func:`read_scan_subjects`."""
    return event.rule.version_on(event_day(session, event))


def capped(
    session: Session, event: Event, version: RuleVersion, resident_id: int, amount: int
) -> int:
    """``amount``, or what the rule's monthly cap leaves of it (0 when it is reached)."""
    if version.monthly_cap is None:
        return amount
    try:
        caps.check_monthly_cap(
            session,
            village=session.get(Village, event.village_id),
            rule=session.get(Rule, event.rule_id),
            version=version,
            resident_id=resident_id,
            amount=amount,
            at=now(),
        )
    except caps.MonthlyCapReached as exc:
        return exc.details["remaining"]
    return amount


def post_award(
    session: Session,
    event: Event | ScanEvent,
    *,
    attendance_id: int,
    resident_id: int,
    household_id: int,
    amount: int,
    version: RuleVersion | ScanVersion,
    by_id: int | None,
    figures: Any = None,
    link: bool = False,
) -> ledger.Appended:
    """The award's entry; with ``link``, the attendance's ``entry_id`` is set to it."""
    return ledger.append(
        session,
        figures=figures,
        household_id=household_id,
        amount=amount,
        kind=EntryKind.AWARD,
        resident_id=resident_id,
        rule_version=version,
        source=("attendance", attendance_id),
        note=event.title,
        created_by_id=by_id,
        source_table=_ATTENDANCES if link else None,
    )


def award_points(
    session: Session, event: Event, att: Attendance, amount: int, *, by_id: int | None
) -> int:
    """Post ``amount`` (capped by the rule's monthly cap) for an attendance; the points given."""
    version = rule_version_for(session, event)
    amount = capped(session, event, version, att.resident_id, amount)
    if amount <= 0:
        return 0
    entry = post_award(
        session,
        event,
        attendance_id=att.id,
        resident_id=att.resident_id,
        household_id=att.household_id,
        amount=amount,
        version=version,
        by_id=by_id,
    )
    if att.entry_id is None:
        att.entry_id = entry.id
    att.points_awarded += amount
    return amount


def household_already_earned(session: Session, event: Event, household_id: int) -> bool:
    return (
        session.scalar(
            select(func.count(Attendance.id)).where(
                Attendance.event_id == event.id,
                Attendance.household_id == household_id,
                Attendance.points_awarded > 0,
                Attendance.undone_at.is_(None),
            )
        )
        > 0
    )


def volunteer_half_hours(event: Event, checked_in_at: datetime, checked_out_at: datetime) -> int:
    """Whole half hours between check-in and check-out, inside the event's times."""
    start = max(checked_in_at, event.starts_at)
    end = min(checked_out_at, event.ends_at)
    if end <= start:
        return 0
    return int((end - start) // timedelta(minutes=30))


def settle_volunteer(
    session: Session, event: Event, att: Attendance, at: datetime, *, by_id: int | None
) -> Attendance:
    ledger.lock_household(session, att.household_id)
    session.refresh(att)  # read again under the lock: settled once, whoever comes first
    if att.checked_out_at is not None or att.undone_at is not None:
        return att
    att.checked_out_at = at
    att.half_hours = volunteer_half_hours(event, att.checked_in_at, at)
    version = rule_version_for(session, event)
    version_points = version.points
    if version.unit == RuleUnit.PER_HOUR:
        amount = version_points * att.half_hours // 2
    else:
        amount = version_points if att.half_hours > 0 else 0
    if amount > 0 and not (
        event.one_per_household and household_already_earned(session, event, att.household_id)
    ):
        award_points(session, event, att, amount, by_id=by_id)
    session.flush()
    return att
