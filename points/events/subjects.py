"""What a scan reads before its locks, as plain rows: the event, the resident and the rule
version in force on the event's day, in one round trip (:func:`read_scan_subjects`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from points.db import DirectStatement
from points.errors import NotFound
from points.event_models import Event, EventKind, EventStatus
from points.models import Resident, ResidentStatus, RuleVersion, Village, version_in_force
from points.villages import remember_zone, zone_of

_EVENTS = Event.__table__


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """What a scan needs of an event, read as a plain row: scans come in bursts, and an
    :class:`Event` loaded with its rule and versions costs more than the rest of the scan.
    :func:`points.events.checkin.check_in` takes this or an :class:`Event`."""

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
    return event, resident, version_in_force(versions, event_day(session, event))


def event_day(session: Session, event: Event | ScanEvent) -> date:
    return event.starts_at.astimezone(zone_of(session, event.village_id)).date()
