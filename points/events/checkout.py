"""Check-out (a volunteer's hours, settled by :func:`points.events.awarding.settle_volunteer`)
and undoing a mistaken check-in (its awards reversed by correction entries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from points import audit, ledger, tallies
from points.clock import now
from points.errors import ValidationFailed
from points.event_models import Attendance, Event, EventKind, EventStatus
from points.events.awarding import settle_volunteer
from points.events.checkin import clean_scan_time, find_attendance
from points.events.errors import (
    AlreadyCheckedOut,
    AlreadyUndone,
    EventNotOpen,
    NotCheckedIn,
    NotVolunteerEvent,
)
from points.events.locks import hold_for_scan, hold_scan_state
from points.models import EntryKind, LedgerEntry, Resident

# The sources of the entries an attendance earned (the entry's source id is the attendance):
# the check-in's own award, and a meeting's duty points for a member called to it
# (points.deliberation.participation, posted after the meeting).
ATTENDANCE_SOURCES = ("attendance", "meeting_duty")


def check_out(
    session: Session,
    *,
    event: Event,
    resident: Resident,
    at: datetime | None = None,
    by_id: int | None,
) -> Attendance:
    """Check a volunteer out; hours in half-hour steps bounded by the event's times."""
    if event.kind != EventKind.VOLUNTEER:
        raise NotVolunteerEvent()
    event = hold_for_scan(session, event)  # as check_in
    if event.status != EventStatus.OPEN:
        raise EventNotOpen(event_status=event.status.value)
    ledger.lock_household(session, resident.household_id)
    att = find_attendance(session, event.id, resident.id)
    if att is None or att.undone_at is not None:
        raise NotCheckedIn()
    if att.checked_out_at is not None:
        raise AlreadyCheckedOut(checked_out_at=att.checked_out_at.isoformat())
    return settle_volunteer(session, event, att, clean_scan_time(at) or now(), by_id=by_id)


def undo_checkin(
    session: Session, *, attendance: Attendance, reason: str, by_id: int | None
) -> Attendance:
    """Undo a mistaken check-in: its awards (the check-in's, and a meeting's duty points
    posted for it) are reversed by correction entries with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "a reason is required"})
    # A scan's locks, in its order (points.events.locks): the event's (shared), then the
    # household's. A close, or a meeting's duty settlement, takes the event's for update and
    # then the households': it waits for the undo, or the undo for it, never both at once.
    hold_scan_state(session, attendance.event_id)
    ledger.lock_household(session, attendance.household_id)
    session.refresh(attendance)
    if attendance.undone_at is not None:
        raise AlreadyUndone()
    correction = aliased(LedgerEntry)
    awards = session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.source_type.in_(ATTENDANCE_SOURCES),
            LedgerEntry.source_id == attendance.id,
            LedgerEntry.kind == EntryKind.AWARD,
            # corrected by hand before: nothing left to reverse
            ~exists().where(correction.reverses_id == LedgerEntry.id),
        )
    )
    for entry in list(awards):
        ledger.correct(session, entry_id=entry.id, reason=reason, created_by_id=by_id)
    attendance.undone_at = now()
    attendance.undo_reason = reason
    tallies.record_checkin(
        session,
        event=attendance.event,
        resident_id=attendance.resident_id,
        household_id=attendance.household_id,
        delta=-1,
    )
    attendance.points_awarded = 0
    session.flush()
    audit.record(
        session,
        action="attendance.undo",
        obj=attendance,
        by_id=by_id,
        village_id=attendance.event.village_id,
        after={"reason": reason},
    )
    return attendance
