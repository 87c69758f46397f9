"""Events (议事协商会, 村民代表会议, 志愿服务) and attendance: check-in, check-out, points.

A meeting check-in awards the event's rule at once; volunteer work awards per hour at
check-out, in half-hour steps bounded by the event's times; closing an event settles anyone
not checked out at the event's end. Awards go through :func:`points.ledger.append` with the
household locked, in the caller's transaction, and respect the rule's monthly cap. One
active attendance per (event, resident) is a database constraint (a partial unique index): a
repeat scan returns it. An undone check-in stays as a row with its reason and its reversed
award; scanning the resident again after the undo checks them in anew, with a new award.

The rotating event code (shown on a projector) is an HMAC over the event and a 30-second
window; the previous window is accepted too, so a photo shared later does not work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select, text, true
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from points import audit, caps, cards, ledger, tallies
from points.clock import now
from points.db import DirectStatement, begin_write
from points.errors import DomainError, NotFound, ValidationFailed
from points.event_models import (
    Attendance,
    CheckinMethod,
    Event,
    EventKind,
    EventStatus,
    InviteScope,
)
from points.inputs import BAD_DATE, check_date, date_in_range
from points.models import (
    EntryKind,
    Group,
    Household,
    LedgerEntry,
    Resident,
    ResidentStatus,
    Rule,
    RuleUnit,
    RuleVersion,
    Village,
    version_in_force,
)
from points.villages import remember_zone, zone_of

WINDOW_SECONDS = 30
EVENT_PREFIX = "CE1"
_EVENT_BODY = struct.Struct(">II")  # event id, window number
_EVENT_MAC = 8
# How far ahead of the server's clock a device's scan time may be (clock drift).
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Suspicious: one device checking in this many different residents by the event code.
SUSPICIOUS_RESIDENTS_PER_DEVICE = 3
SUSPICIOUS_WINDOW = timedelta(minutes=5)


class EventNotOpen(DomainError):
    code = "event_not_open"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class NotCheckedIn(DomainError):
    code = "not_checked_in"


class AlreadyCheckedOut(DomainError):
    code = "already_checked_out"


class NotVolunteerEvent(DomainError):
    code = "not_volunteer_event"


class AlreadyUndone(DomainError):
    code = "already_undone"


class ExpiredCode(DomainError):
    code = "expired_code"
    status = 400


class InvalidEventCode(DomainError):
    code = "invalid_event_code"
    status = 400


# ---------------------------------------------------------------- events


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
    Scans take a shared lock instead (:func:`_hold_scan`, :func:`hold_for_scan`)."""
    # The rule and its versions in the same query: a scan needs the version of the day.
    stmt = (
        select(Event)
        .where(Event.id == event_id)
        .options(joinedload(Event.rule).joinedload(Rule.versions))
    )
    if lock:
        begin_write(session)
        if session.connection().dialect.name != "sqlite":
            stmt = stmt.with_for_update(of=Event)
    event = session.scalars(stmt.execution_options(populate_existing=lock)).unique().one_or_none()
    if event is None or event.village_id != village_id:
        raise NotFound("event")
    return event


_EVENTS = Event.__table__
_SCAN_STATE = ("status", "opened_at", "closed_at")
_SCAN_STATE_SELECT = select(*(_EVENTS.c[name] for name in _SCAN_STATE)).where(
    _EVENTS.c.id == bindparam("event_id")
)
_SCAN_STATE_SQLITE = DirectStatement(_SCAN_STATE_SELECT)
_SCAN_STATE_FOR_SHARE = DirectStatement(_SCAN_STATE_SELECT.with_for_update(read=True))


def _hold_scan_state(session: Session, event_id: int):
    """Take the event's shared lock for a scan and read its state (status, opened_at,
    closed_at) under it: a close waits for the scans in progress, and a scan after a close
    sees it closed. One small query, as it runs inside the write lock at every scan."""
    session.flush()  # as the session would before a query of its own
    begin_write(session)
    conn = session.connection()
    stmt = _SCAN_STATE_SQLITE if conn.dialect.name == "sqlite" else _SCAN_STATE_FOR_SHARE
    state = stmt.first(conn, {"event_id": event_id})
    if state is None:
        raise NotFound("event")
    return state


# A scan's two locks and what it reads under them (the event's state, the household's
# figures) in one statement. On SQLite both locks are the one write lock. On PostgreSQL the
# row locks are taken in the order of the locking clauses, the event's (shared) before the
# household's, the order close_event takes them in.
_SCAN_LOCKED_COLUMNS = (*(_EVENTS.c[name] for name in _SCAN_STATE), *ledger.FIGURE_COLUMNS)
_SCAN_LOCKS_SQLITE = DirectStatement(
    select(*_SCAN_LOCKED_COLUMNS)
    .select_from(_EVENTS.join(Household.__table__, true()))  # one row of each
    .where(_EVENTS.c.id == bindparam("event_id"))
    .where(Household.__table__.c.id == bindparam("household_id"))
)
# SQLAlchemy writes one locking clause per statement; this one needs two.
_SCAN_LOCKS_POSTGRES = DirectStatement(
    text(
        f"SELECT {', '.join(f'{c.table.name}.{c.name}' for c in _SCAN_LOCKED_COLUMNS)} "
        f"FROM {_EVENTS.name}, {Household.__table__.name} "
        f"WHERE {_EVENTS.name}.id = :event_id AND {Household.__table__.name}.id = :household_id "
        f"FOR SHARE OF {_EVENTS.name} FOR UPDATE OF {Household.__table__.name}"
    )
    .bindparams(
        bindparam("event_id", type_=_EVENTS.c.id.type),
        bindparam("household_id", type_=Household.__table__.c.id.type),
    )
    .columns(*_SCAN_LOCKED_COLUMNS)
)


def _hold_scan(session: Session, event: Event | ScanEvent, household_id: int):
    """A scan's two locks, in :func:`close_event`'s order: the event (shared), then the
    household. Returns the event's state and the household's figures (for
    ``ledger.append``); a loaded :class:`Event` is brought up to date with the state."""
    session.flush()  # as the session would before a query of its own
    begin_write(session)
    conn = session.connection()
    stmt = _SCAN_LOCKS_SQLITE if conn.dialect.name == "sqlite" else _SCAN_LOCKS_POSTGRES
    row = stmt.first(conn, {"event_id": event.id, "household_id": household_id})
    if row is not None:
        state = figures = row
    else:  # a missing row: the two locks, each with its own not_found
        state = _hold_scan_state(session, event.id)
        figures = ledger.lock_figures(session, household_id)
    if isinstance(event, Event):
        _refresh_state(event, state)
    return state, figures


def _refresh_state(event: Event, state) -> None:
    """Bring a loaded event up to date with the state read under its lock."""
    for name in _SCAN_STATE:
        set_committed_value(event, name, getattr(state, name))


def hold_for_scan(session: Session, event: Event) -> Event:
    """:func:`_hold_scan_state` for a loaded event, brought up to date with the state read."""
    _refresh_state(event, _hold_scan_state(session, event.id))
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
            _settle_volunteer(session, event, att, min(at, event.ends_at), by_id=by_id)
    event.status = EventStatus.CLOSED
    event.closed_at = at
    session.flush()
    audit.record(session, action="event.close", obj=event, by_id=by_id, village_id=event.village_id)
    return event


# ---------------------------------------------------------------- check-in


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


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """What a scan needs of an event, read as a plain row: scans come in bursts, and an
    :class:`Event` loaded with its rule and versions costs more than the rest of the scan.
    :func:`check_in` takes this or an :class:`Event`."""

    id: int
    village_id: int
    kind: EventKind
    status: EventStatus
    opened_at: datetime | None
    closed_at: datetime | None
    starts_at: datetime
    ends_at: datetime
    title: str
    one_per_household: bool
    rule_id: int


@dataclass(frozen=True, slots=True)
class ScanResident:
    """What a scan needs of a resident (and of their card), read as a plain row."""

    id: int
    village_id: int
    household_id: int
    status: ResidentStatus
    name: str
    card_version: int


_RESIDENTS = Resident.__table__
_VERSIONS = RuleVersion.__table__
_SCAN_EVENT_COLUMNS = [_EVENTS.c[f.name] for f in fields(ScanEvent)]
_SCAN_RESIDENT_COLUMNS = [_RESIDENTS.c[f.name].label(f"r_{f.name}") for f in fields(ScanResident)]
_VERSION_COLUMNS = ("id", "points", "monthly_cap", "effective_from")
# The event, its village's zone, the resident (no resident: NULLs) and the versions of the
# event's rule (a row each, in version order) in one round trip.
_SCAN_SUBJECTS = DirectStatement(
    select(
        *_SCAN_EVENT_COLUMNS,
        Village.__table__.c.timezone,
        *_SCAN_RESIDENT_COLUMNS,
        *(_VERSIONS.c[name].label(f"v_{name}") for name in _VERSION_COLUMNS),
    )
    .select_from(_EVENTS)
    .join(Village.__table__, Village.__table__.c.id == _EVENTS.c.village_id)
    .join(_VERSIONS, _VERSIONS.c.rule_id == _EVENTS.c.rule_id)
    .outerjoin(_RESIDENTS, _RESIDENTS.c.id == bindparam("resident_id"))
    .where(_EVENTS.c.id == bindparam("event_id"))
    .order_by(_VERSIONS.c.version)
)


@dataclass(frozen=True, slots=True)
class ScanVersion:
    """The rule version a scan awards under: its id, points and monthly cap."""

    id: int
    points: int
    monthly_cap: int | None
    effective_from: date


def read_scan_subjects(
    session: Session, village_id: int, event_id: int, resident_id: int
) -> tuple[ScanEvent, ScanResident | None, ScanVersion]:
    """The event (``not_found`` unless it is the village's), the resident or None, and the
    version of the event's rule in force on the event's day."""
    params = {"event_id": event_id, "resident_id": resident_id}
    rows = _SCAN_SUBJECTS.all(session.connection(), params)
    if not rows or rows[0].village_id != village_id:
        raise NotFound("event")
    row, width = rows[0], len(_SCAN_EVENT_COLUMNS)
    remember_zone(session, row.village_id, row.timezone)
    event = ScanEvent(*row[:width])
    resident_end = width + 1 + len(_SCAN_RESIDENT_COLUMNS)
    resident = ScanResident(*row[width + 1 : resident_end]) if row.r_id is not None else None
    versions = [ScanVersion(*r[resident_end:]) for r in rows]
    return event, resident, version_in_force(versions, _event_day(session, event))


def _event_day(session: Session, event: Event | ScanEvent) -> date:
    return event.starts_at.astimezone(zone_of(session, event.village_id)).date()


def rule_version_for(session: Session, event: Event) -> RuleVersion:
    """The version of the event's rule in force on the event's day (in the village's zone).
    A :class:`ScanEvent` comes with its version from :func:`read_scan_subjects`."""
    return event.rule.version_on(_event_day(session, event))


def _capped(
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


def _post_award(
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


def _award(
    session: Session, event: Event, att: Attendance, amount: int, *, by_id: int | None
) -> int:
    """Post ``amount`` (capped by the rule's monthly cap) for an attendance; the points given."""
    version = rule_version_for(session, event)
    amount = _capped(session, event, version, att.resident_id, amount)
    if amount <= 0:
        return 0
    entry = _post_award(
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


def _household_already_earned(session: Session, event: Event, household_id: int) -> bool:
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


def _clean_scan_time(scanned_at: datetime | None) -> datetime | None:
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


def _check_time(event: Event, scanned_at: datetime | None) -> datetime:
    """The check-in time; the event must have been open then (queued scans arrive late)."""
    scanned_at = _clean_scan_time(scanned_at)
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


# A scan's statements, built once: they run inside the write lock on SQLite at every scan.
_ATTENDANCES = Attendance.__table__
_ATTENDANCE_ID = select(_ATTENDANCES.c.id).where(
    _ATTENDANCES.c.event_id == bindparam("event_id"),
    _ATTENDANCES.c.resident_id == bindparam("resident_id"),
    _ATTENDANCES.c.undone_at.is_(None),
)
# A twin that got in first (the household lock makes it rare) leaves no row to return.
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
    state, figures = _hold_scan(session, event, resident.household_id)
    try:
        at = _check_time(state, scanned_at)
    except EventNotOpen:
        # A repeat scan is answered "already" whatever the event's state now.
        repeat = find_attendance(session, event.id, resident.id)
        if repeat is not None:
            return CheckinResult.repeat(session, repeat, resident)
        raise
    amount = 0
    if event.kind == EventKind.MEETING and not (
        event.one_per_household and _household_already_earned(session, event, resident.household_id)
    ):
        amount = _capped(session, event, version, resident.id, version.points)
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
        entry = _post_award(
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
        _settle_volunteer(session, loaded, att, min(state.closed_at, event.ends_at), by_id=by_id)
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


def volunteer_half_hours(event: Event, checked_in_at: datetime, checked_out_at: datetime) -> int:
    """Whole half hours between check-in and check-out, inside the event's times."""
    start = max(checked_in_at, event.starts_at)
    end = min(checked_out_at, event.ends_at)
    if end <= start:
        return 0
    return int((end - start) // timedelta(minutes=30))


def _settle_volunteer(
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
        event.one_per_household and _household_already_earned(session, event, att.household_id)
    ):
        _award(session, event, att, amount, by_id=by_id)
    session.flush()
    return att


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
    return _settle_volunteer(session, event, att, _clean_scan_time(at) or now(), by_id=by_id)


def undo_checkin(
    session: Session, *, attendance: Attendance, reason: str, by_id: int | None
) -> Attendance:
    """Undo a mistaken check-in: its award is reversed by a correction entry with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "a reason is required"})
    ledger.lock_household(session, attendance.household_id)
    session.refresh(attendance)
    if attendance.undone_at is not None:
        raise AlreadyUndone()
    correction = aliased(LedgerEntry)
    awards = session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.source_type == "attendance",
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


# ---------------------------------------------------------------- rotating event code


def _event_key(secret: str | bytes) -> bytes:
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret_bytes, b"cunyue-event:rotating", hashlib.sha256).digest()


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def rotating_payload(secret: str | bytes, event: Event, at: datetime | None = None):
    """The event's code for the current window and the seconds until the next one."""
    at = at or now()
    body = _EVENT_BODY.pack(event.id, _window(at))
    mac = hmac.new(_event_key(secret), body, hashlib.sha256).digest()[:_EVENT_MAC]
    token = base64.b32encode(body + mac).decode().rstrip("=")
    expires_in = WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS
    return EVENT_PREFIX + token, expires_in


def resolve_rotating(session: Session, secret: str | bytes, village_id: int, payload: str) -> Event:
    """The event a rotating code names; ``expired_code`` once two windows have passed."""
    text = (payload or "").strip().upper()
    if not text.startswith(EVENT_PREFIX) or len(text) > 60:
        raise InvalidEventCode()
    token = text[len(EVENT_PREFIX) :]
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (ValueError, base64.binascii.Error):
        raise InvalidEventCode() from None
    if len(raw) != _EVENT_BODY.size + _EVENT_MAC:
        raise InvalidEventCode()
    body, mac = raw[: _EVENT_BODY.size], raw[_EVENT_BODY.size :]
    expected = hmac.new(_event_key(secret), body, hashlib.sha256).digest()[:_EVENT_MAC]
    if not hmac.compare_digest(mac, expected):
        raise InvalidEventCode()
    event_id, window = _EVENT_BODY.unpack(body)
    if _window(now()) - window not in (0, 1):
        raise ExpiredCode()
    return get_event(session, village_id, event_id)


# ---------------------------------------------------------------- attendance


def _invited_residents_stmt(event: Event):
    stmt = select(Resident.id, Resident.household_id, Household.group_id).join(
        Household, Household.id == Resident.household_id
    )
    stmt = stmt.where(
        Resident.village_id == event.village_id, Resident.status == ResidentStatus.ACTIVE
    )
    if event.invite_scope == InviteScope.GROUPS:
        stmt = stmt.where(Household.group_id.in_(event.invited_ids))
    elif event.invite_scope == InviteScope.HOUSEHOLDS:
        stmt = stmt.where(Household.id.in_(event.invited_ids))
    return stmt


def attendances(session: Session, event: Event) -> list[Attendance]:
    stmt = (
        select(Attendance)
        .where(Attendance.event_id == event.id)
        .order_by(Attendance.checked_in_at, Attendance.id)
    )
    return list(session.scalars(stmt))


@dataclass
class AttendanceReport:
    rows: list[Attendance]
    checked_in: int
    invited: int
    by_group: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    unit: str  # "residents", or "households" for one-per-household meetings

    @property
    def rate(self) -> float:
        return round(self.checked_in / self.invited, 4) if self.invited else 0.0


def attendance_report(session: Session, event: Event) -> AttendanceReport:
    """Who came, the rate against the invited, a per-group breakdown and flags for the host."""
    rows = attendances(session, event)
    present = [a for a in rows if a.undone_at is None]
    invited_rows = session.execute(_invited_residents_stmt(event)).all()
    groups = {
        g.id: g.name
        for g in session.scalars(select(Group).where(Group.village_id == event.village_id))
    }
    per_household = event.one_per_household
    invited_keys: dict[Any, int | None] = {}
    for resident_id, household_id, group_id in invited_rows:
        invited_keys[household_id if per_household else resident_id] = group_id
    came: dict[Any, int | None] = {}
    for a in present:
        came[a.household_id if per_household else a.resident_id] = a.household.group_id
    breakdown: dict[int | None, dict[str, Any]] = {}
    for key, group_id in invited_keys.items():
        row = breakdown.setdefault(group_id, {"invited": 0, "checked_in": 0})
        row["invited"] += 1
        if key in came:
            row["checked_in"] += 1
    for key, group_id in came.items():
        if key not in invited_keys:
            row = breakdown.setdefault(group_id, {"invited": 0, "checked_in": 0})
            row["checked_in"] += 1
    by_group = [
        {
            "group_id": gid,
            "group": groups.get(gid) if gid is not None else None,
            **figures,
            "rate": round(figures["checked_in"] / figures["invited"], 4)
            if figures["invited"]
            else 0.0,
        }
        for gid, figures in sorted(breakdown.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]
    checked_in = sum(1 for k in came if k in invited_keys)
    return AttendanceReport(
        rows=rows,
        checked_in=checked_in,
        invited=len(invited_keys),
        by_group=by_group,
        flags=suspicious(present),
        unit="households" if per_household else "residents",
    )


def suspicious(rows: list[Attendance]) -> list[dict[str, Any]]:
    """Patterns the host should look at: one device checking in several different residents
    by the event code within a few minutes (a phone passed around, or a code forwarded)."""
    by_device: dict[str, list[Attendance]] = {}
    for a in rows:
        if a.method == CheckinMethod.EVENT_QR and a.client_id:
            by_device.setdefault(a.client_id, []).append(a)
    flags = []
    for client_id, group in by_device.items():
        group.sort(key=lambda a: a.checked_in_at)
        best: list[Attendance] = []
        start = 0
        for end in range(len(group)):
            while group[end].checked_in_at - group[start].checked_in_at > SUSPICIOUS_WINDOW:
                start += 1
            if end - start + 1 > len(best):
                best = group[start : end + 1]
        residents = {a.resident_id for a in best}
        if len(residents) >= SUSPICIOUS_RESIDENTS_PER_DEVICE:
            flags.append(
                {
                    "kind": "one_device_many_residents",
                    "client_id": client_id,
                    "resident_ids": sorted(residents),
                    "seconds": int(
                        (best[-1].checked_in_at - best[0].checked_in_at).total_seconds()
                    ),
                }
            )
    return flags


def search_for_event(session: Session, event: Event, q: str, *, limit: int = 20) -> list[dict]:
    """Residents matching a name, pinyin initials or household number, and whether they came."""
    from points.residents import search_residents  # noqa: PLC0415

    found = search_residents(session, event.village_id, q, limit=limit)
    came = set(
        session.scalars(
            select(Attendance.resident_id).where(
                Attendance.event_id == event.id,
                Attendance.resident_id.in_([r.id for r in found]),
                Attendance.undone_at.is_(None),
            )
        )
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "household_number": r.household.number,
            "group": r.household.group.name if r.household.group else None,
            "checked_in": r.id in came,
        }
        for r in found
    ]
