"""After (or during) an event: who came, the rate against the invited, a per-group
breakdown, and flags for the host (one device checking in several residents by the event
code); and the host's search for a resident to check in by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.event_models import Attendance, CheckinMethod, Event, InviteScope
from points.models import Group, Household, Resident, ResidentStatus

SUSPICIOUS_RESIDENTS_PER_DEVICE = 3
SUSPICIOUS_WINDOW = timedelta(minutes=5)


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
