"""The village committee's figures for this month (村务看板): one village, a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from points.caps import month_bounds
from points.clock import now
from points.event_models import Attendance, Event
from points.models import (
    OPEN_AWARD_STATUSES,
    Award,
    EntryKind,
    Household,
    LedgerEntry,
    Objection,
    ObjectionStatus,
    Resident,
    ResidentStatus,
    Village,
)


@dataclass
class VillageFigures:
    month_start: datetime
    households: int
    residents: int
    balance_total: int  # spendable points held by all households
    awarded: int  # awards and deductions posted this month, net
    redeemed: int  # points spent at the shop this month, net of voids
    pending_awards: int
    pending_points: int
    open_objections: int
    events: int  # events starting this month
    attendances: int  # check-ins at them (undone ones left out)
    earning_households: int  # households that earned points this month


def village_figures(
    session: Session, village: Village, *, at: datetime | None = None
) -> VillageFigures:
    start, end = month_bounds(village, at or now())
    v = village.id
    households = select(Household.id).where(Household.village_id == v)
    month_entries = (
        LedgerEntry.household_id.in_(households),
        LedgerEntry.created_at >= start,
        LedgerEntry.created_at < end,
    )
    hh_count, balance_total = session.execute(
        select(func.count(Household.id), func.coalesce(func.sum(Household.balance), 0)).where(
            Household.village_id == v
        )
    ).one()
    residents = session.scalar(
        select(func.count(Resident.id)).where(
            Resident.village_id == v, Resident.status == ResidentStatus.ACTIVE
        )
    )
    # One pass over the month's entries (index on household and time).
    spent = LedgerEntry.kind.in_([EntryKind.REDEMPTION, EntryKind.REFUND])
    earned = (LedgerEntry.kind == EntryKind.AWARD) & (LedgerEntry.amount > 0)
    awarded, redeemed, earning = session.execute(
        select(
            func.coalesce(func.sum(LedgerEntry.honour_delta), 0),
            func.coalesce(-func.sum(case((spent, LedgerEntry.amount), else_=0)), 0),
            func.count(func.distinct(case((earned, LedgerEntry.household_id), else_=None))),
        ).where(*month_entries)
    ).one()
    pending_awards, pending_points = session.execute(
        select(func.count(Award.id), func.coalesce(func.sum(Award.amount), 0)).where(
            Award.village_id == v, Award.status.in_(OPEN_AWARD_STATUSES)
        )
    ).one()
    objections = session.scalar(
        select(func.count(Objection.id)).where(
            Objection.village_id == v, Objection.status == ObjectionStatus.OPEN
        )
    )
    month_events = select(Event.id).where(
        Event.village_id == v, Event.starts_at >= start, Event.starts_at < end
    )
    events = session.scalar(select(func.count()).select_from(month_events.subquery()))
    attendances = session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.event_id.in_(month_events), Attendance.undone_at.is_(None)
        )
    )
    return VillageFigures(
        month_start=start,
        households=int(hh_count),
        residents=int(residents or 0),
        balance_total=int(balance_total or 0),
        awarded=int(awarded or 0),
        redeemed=int(redeemed or 0),
        pending_awards=int(pending_awards or 0),
        pending_points=int(pending_points or 0),
        open_objections=int(objections or 0),
        events=int(events or 0),
        attendances=int(attendances or 0),
        earning_households=int(earning or 0),
    )
