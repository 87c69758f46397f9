"""机会公平 (fair access): residents and households who earned nothing lately, so that the
committee can reach out, with the kinds of participation open to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points import rules
from points.clock import now
from points.event_models import Event, EventStatus, InviteScope
from points.models import (
    EntryKind,
    Group,
    Household,
    LedgerEntry,
    Resident,
    ResidentStatus,
    Village,
)
from points.tallies import local_month, month_bounds_in

AGE_BANDS = ((0, 17, "0-17"), (18, 39, "18-39"), (40, 59, "40-59"), (60, 200, "60+"))
UNKNOWN = "unknown"


def since(village: Village, months: int) -> datetime:
    """The start of the window: the first day of the month ``months - 1`` before this one
    (months=3 in November: from 1 September, the village's time)."""
    this = local_month(village.timezone, now())
    index = this.year * 12 + this.month - 1 - (months - 1)
    start, _ = month_bounds_in(village.timezone, date(index // 12, index % 12 + 1, 1))
    return start


def age_band(birth_year: int | None, year: int) -> str:
    if not birth_year:
        return UNKNOWN
    age = year - birth_year
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), UNKNOWN)


@dataclass
class GroupLine:
    group: str | None
    residents: int = 0  # active residents in the group
    idle: int = 0  # of them, who earned nothing in the window
    idle_households: int = 0
    by_age: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # staff only: full names, to reach out
    open_events: list[dict] = field(default_factory=list)


@dataclass
class IdleReport:
    months: int
    since: datetime
    idle_residents: int
    idle_households: int
    groups: list[GroupLine]
    claimable_rules: list[str]


def _earning(village_id: int, start: datetime, *columns):
    """``columns`` of the entries by which the village's people earned points since
    ``start``: what "earned something" means on this page and on the dashboard."""
    e = LedgerEntry
    return (
        select(*columns)
        .select_from(e)
        .join(Household, Household.id == e.household_id)
        .where(
            Household.village_id == village_id,
            e.created_at >= start,
            e.amount > 0,
            e.kind == EntryKind.AWARD,
        )
    )


def _earned_since(session: Session, village_id: int, start: datetime):
    e = LedgerEntry
    earning = _earning(village_id, start, e.resident_id, e.household_id).distinct()
    residents, households = set(), set()
    for rid, hid in session.execute(earning):
        if rid is not None:
            residents.add(rid)
        households.add(hid)
    return residents, households


def _open_events(session: Session, village_id: int) -> list[Event]:
    stmt = (
        select(Event)
        .where(
            Event.village_id == village_id,
            Event.status.in_((EventStatus.SCHEDULED, EventStatus.OPEN)),
            Event.ends_at >= now(),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(50)
    )
    return list(session.scalars(stmt))


def idle_count(session: Session, village: Village, *, months: int) -> int:
    """How many active residents earned nothing in the last ``months`` months."""
    start = since(village, months)
    earned = _earning(village.id, start, LedgerEntry.resident_id).where(
        LedgerEntry.resident_id.is_not(None)  # NOT IN a list holding NULL would match no one
    )
    # Counted in the database: a county village has thousands of residents, and the
    # dashboard asks on every visit.
    stmt = select(func.count(Resident.id)).where(
        Resident.village_id == village.id,
        Resident.status == ResidentStatus.ACTIVE,
        Resident.id.not_in(earned),
    )
    return int(session.scalar(stmt) or 0)


def idle_report(session: Session, village: Village, *, months: int) -> IdleReport:
    start = since(village, months)
    year = local_month(village.timezone, now()).year
    earned_residents, earned_households = _earned_since(session, village.id, start)
    groups = {
        g.id: g.name for g in session.scalars(select(Group).where(Group.village_id == village.id))
    }
    lines: dict[int | None, GroupLine] = {}
    idle_households: dict[int | None, set[int]] = {}
    stmt = (
        select(Resident, Household.group_id)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.village_id == village.id, Resident.status == ResidentStatus.ACTIVE)
        .order_by(Household.group_id, Household.number, Resident.id)
    )
    for resident, group_id in session.execute(stmt):
        line = lines.setdefault(group_id, GroupLine(groups.get(group_id)))
        line.residents += 1
        if resident.id in earned_residents:
            continue
        line.idle += 1
        band = age_band(getattr(resident, "birth_year", None), year)
        line.by_age[band] = line.by_age.get(band, 0) + 1
        line.names.append(resident.name)
        if resident.household_id not in earned_households:
            idle_households.setdefault(group_id, set()).add(resident.household_id)
    events = _open_events(session, village.id)
    for group_id, line in lines.items():
        line.idle_households = len(idle_households.get(group_id, ()))
        line.open_events = [
            {"title": ev.title, "kind": ev.kind.value, "starts_at": ev.starts_at}
            for ev in events
            if ev.invite_scope == InviteScope.VILLAGE
            or (ev.invite_scope == InviteScope.GROUPS and group_id in (ev.invited_ids or []))
        ]
    ordered = sorted(lines.values(), key=lambda x: (x.group is None, x.group or ""))
    claimable = [
        r.latest.title
        for r in rules.list_rules(session, village.id, active_only=True)
        if r.latest.claimable
    ]
    return IdleReport(
        months=months,
        since=start,
        idle_residents=sum(x.idle for x in ordered),
        idle_households=sum(x.idle_households for x in ordered),
        groups=[x for x in ordered if x.idle],
        claimable_rules=claimable,
    )
