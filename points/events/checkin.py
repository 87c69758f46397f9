"""Check-in: :func:`scan` (a host's scan by card or by id), :func:`check_in_card` and
:func:`check_in`, which takes the scan's locks (:mod:`points.events.locks`), writes the
attendance with one insert (a repeat scan returns the first attendance) and posts the award.

Check-in is the hot path: the event, resident and version are read as plain rows before the
locks (:mod:`points.events.subjects`), and the insert is a prepared
:class:`points.db.DirectStatement`. Throughput work here is frozen (see bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from points import cards, ledger, tallies
from points.clock import now
from points.db import DirectStatement
from points.errors import NotFound, ValidationFailed
from points.event_models import Attendance, CheckinMethod, Event, EventKind, EventStatus
from points.events.awarding import (
    capped,
    household_already_earned,
    post_award,
    rule_version_for,
    settle_volunteer,
)
from points.events.errors import EventNotOpen
from points.events.locks import hold_scan
from points.events.subjects import ScanEvent, ScanResident, ScanVersion, read_scan_subjects
from points.inputs import check_date
from points.models import Resident, ResidentStatus, RuleVersion

# How far ahead of the server's clock a device's scan time may be (clock drift).
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class CheckinResult:
    """A check-in's answer, as plain values: a new attendance is written by one statement
    inside the write lock, and building its mapped object there would cost more than the
    insert. ``attendance`` loads the mapped row for a caller that wants it."""

    session: Session = field(repr=False)
    attendance_id: int
    created: bool
    checked_in_at: datetime
    method: CheckinMethod
    points_awarded: int
    resident: Any = None  # the resident checked in: their id and name for the answer
    household_number: str = ""  # the household's number and balance after
    balance: int | None = None

    @classmethod
    def repeat(cls, session: Session, attendance: Attendance, resident: Any) -> CheckinResult:
        """A repeat scan's answer: the first attendance."""
        return cls(
            session,
            attendance.id,
            False,
            attendance.checked_in_at,
            CheckinMethod(attendance.method),
            attendance.points_awarded,
            resident,
        )

    @property
    def attendance(self) -> Attendance:
        return self.session.get(Attendance, self.attendance_id)


def clean_scan_time(scanned_at: datetime | None) -> datetime | None:
    """A device's scan time: with its offset, and not ahead of the server's clock."""
    if scanned_at is None:
        return None
    if scanned_at.tzinfo is None:
        raise ValidationFailed({"scanned_at": "a time with its offset"})
    check_date(scanned_at, "scanned_at")
    scanned_at = scanned_at.astimezone(UTC)
    if scanned_at > now() + MAX_CLOCK_SKEW:
        raise ValidationFailed({"scanned_at": "in the future"})
    return scanned_at


def check_time(event: Event, scanned_at: datetime | None) -> datetime:
    """The check-in time; the event must have been open then (queued scans arrive late)."""
    scanned_at = clean_scan_time(scanned_at)
    at = scanned_at or now()
    if event.status == EventStatus.SCHEDULED or event.opened_at is None:
        raise EventNotOpen(event_status=event.status.value)
    if event.status == EventStatus.CLOSED and (
        scanned_at is None or event.closed_at is None or at > event.closed_at
    ):
        raise EventNotOpen(event_status=event.status.value)
    if at < event.opened_at - MAX_CLOCK_SKEW:
        raise EventNotOpen(event_status=event.status.value)
    return at


def find_attendance(session: Session, event_id: int, resident_id: int) -> Attendance | None:
    """The resident's attendance at the event that has not been undone (at most one)."""
    return session.scalar(
        select(Attendance)
        .where(
            Attendance.event_id == event_id,
            Attendance.resident_id == resident_id,
            Attendance.undone_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )


# A scan's insert, built once: it runs inside the write lock on SQLite at every scan.
_ATTENDANCES = Attendance.__table__
# Written as text, the same on SQLite and PostgreSQL: SQLAlchemy's ON CONFLICT constructs
# are compiled afresh at every execution, which costs more than the rest of the insert.
_INSERTED_COLUMNS = [c for c in _ATTENDANCES.columns if c.key != "id"]
_INSERT_ATTENDANCE = DirectStatement(
    text(
        f"INSERT INTO {_ATTENDANCES.name} ({', '.join(c.name for c in _INSERTED_COLUMNS)}) "
        f"VALUES ({', '.join(':' + c.key for c in _INSERTED_COLUMNS)}) "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    .bindparams(*(bindparam(c.key, type_=c.type) for c in _INSERTED_COLUMNS))
    .columns(_ATTENDANCES.c.id)
)


def check_in(
    session: Session,
    *,
    event: Event | ScanEvent,
    resident: Resident | ScanResident,
    method: CheckinMethod | str,
    scanned_at: datetime | None = None,
    client_id: str | None = None,
    device: str = "",
    by_id: int | None,
    version: RuleVersion | ScanVersion | None = None,
) -> CheckinResult:
    """Check a resident in; a repeat returns the first attendance (``created`` False), unless
    it was undone: then this is a new check-in with a new attendance and award. ``version``:
    the rule version in force on the event's day, when the caller has read it."""
    if resident.village_id != event.village_id or resident.status != ResidentStatus.ACTIVE:
        raise NotFound("resident")
    method = CheckinMethod(method)
    if client_id is not None and (len(client_id) > 64 or not client_id.isprintable()):
        raise ValidationFailed({"client_id": "1 to 64 printable characters"})
    if version is None:  # the event's day: read before the locks
        if not isinstance(event, Event):
            raise TypeError("a ScanEvent comes with its rule version (read_scan_subjects)")
        version = rule_version_for(session, event)
    # The event first (shared: a close waits for scans in progress and scans after it see
    # it closed), then the household, which serializes the household's scans and awards.
    # close_event takes the same two locks in the same order.
    state, figures = hold_scan(session, event, resident.household_id)
    try:
        at = check_time(state, scanned_at)
    except EventNotOpen:
        # A repeat scan is answered "already" whatever the event's state now.
        repeat = find_attendance(session, event.id, resident.id)
        if repeat is not None:
            return CheckinResult.repeat(session, repeat, resident)
        raise
    amount = 0
    if event.kind == EventKind.MEETING and not (
        event.one_per_household and household_already_earned(session, event, resident.household_id)
    ):
        amount = capped(session, event, version, resident.id, version.points)
    values = {
        "event_id": event.id,
        "resident_id": resident.id,
        "household_id": resident.household_id,
        "method": method,
        "checked_in_at": at,
        "recorded_at": now(),
        "recorded_by_id": by_id,
        "client_id": client_id or None,
        "device": (device or "")[:200],
        "checked_out_at": None,
        "half_hours": None,
        "points_awarded": amount,
        "entry_id": None,
        "undone_at": None,
        "undo_reason": "",
    }
    # The insert is the check for a repeat: one active attendance per (event, resident) is
    # a unique index, and the household lock keeps twins from racing to it.
    conn = session.connection()
    attendance_id = _INSERT_ATTENDANCE.scalar(conn, values)
    if attendance_id is None:
        repeat = find_attendance(session, event.id, resident.id)
        return CheckinResult.repeat(session, repeat, resident)
    tallies.record_checkin(
        session,
        event=event,
        resident_id=resident.id,
        household_id=resident.household_id,
        delta=1,
    )
    balance = figures.balance
    if amount > 0:
        entry = post_award(
            session,
            event,
            attendance_id=attendance_id,
            resident_id=resident.id,
            household_id=resident.household_id,
            amount=amount,
            version=version,
            by_id=by_id,
            figures=figures,
            link=True,
        )
        balance = entry.balance_after
    elif event.kind == EventKind.VOLUNTEER and state.status == EventStatus.CLOSED:
        # A queued scan arriving after the close: settled as the close settled the others.
        loaded = event if isinstance(event, Event) else session.get(Event, event.id)
        att = session.get(Attendance, attendance_id)
        settle_volunteer(session, loaded, att, min(state.closed_at, event.ends_at), by_id=by_id)
        amount = att.points_awarded
        balance = ledger.lock_figures(session, resident.household_id).balance
    return CheckinResult(
        session, attendance_id, True, at, method, amount, resident, figures.number, balance
    )


def check_in_card(
    session: Session,
    secret: str | bytes,
    *,
    event: Event,
    payload: str,
    offline: bool = False,
    **kw: Any,
) -> CheckinResult:
    """Check in by a card's QR payload or short code (``invalid_card`` otherwise)."""
    resident = cards.resolve(session, secret, event.village_id, payload)
    method = CheckinMethod.OFFLINE if offline else CheckinMethod.CARD
    return check_in(session, event=event, resident=resident, method=method, **kw)


def scan(
    session: Session,
    secret: str | bytes,
    *,
    village_id: int,
    event_id: int,
    card: str | None = None,
    resident_id: int | None = None,
    scanned_at: datetime | None = None,
    **kw: Any,
) -> CheckinResult:
    """A host's scan: check a resident in by their card (QR payload or short code; a scan
    with ``scanned_at`` was queued offline) or by id (manual). The event and the resident
    are read as plain rows, in one query."""
    if card:
        claim = cards.read_card(secret, card)
        resident_id = claim.resident_id
    elif resident_id is None:
        raise ValidationFailed({"card": "a card or a resident_id"})
    event, resident, version = read_scan_subjects(session, village_id, event_id, resident_id)
    if card:
        cards.check_card(secret, claim, resident, village_id)
        method = CheckinMethod.OFFLINE if scanned_at is not None else CheckinMethod.CARD
    else:
        if resident is None or resident.village_id != village_id:
            raise NotFound("resident")
        method = CheckinMethod.MANUAL
    return check_in(
        session,
        event=event,
        resident=resident,
        method=method,
        scanned_at=scanned_at,
        version=version,
        **kw,
    )
