"""The village committee's figures for this month (村务看板): the county table's figures for
one village (:func:`points.tallies.month_figures`), and who earned points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points.caps import month_bounds
from points.clock import now
from points.models import EntryKind, Household, LedgerEntry, Village
from points.tallies import local_month, month_figures


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
    """The month's figures as the county table counts them, plus the households that
    earned points (one pass over the village's entries of the month)."""
    at = at or now()
    start, end = month_bounds(village, at)
    f = month_figures(session, [village], local_month(village.timezone, at))[village.id]
    households = select(Household.id).where(Household.village_id == village.id)
    earned = (LedgerEntry.kind == EntryKind.AWARD) & (LedgerEntry.amount > 0)
    earning = session.scalar(
        select(func.count(func.distinct(LedgerEntry.household_id))).where(
            LedgerEntry.household_id.in_(households),
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
            earned,
        )
    )
    return VillageFigures(
        month_start=start,
        households=f.households,
        residents=f.residents,
        balance_total=f.held,
        awarded=f.awarded,
        redeemed=f.redeemed,
        pending_awards=f.pending_awards or 0,
        pending_points=f.pending_points or 0,
        open_objections=f.open_objections or 0,
        events=f.events,
        attendances=f.checkins,
        earning_households=int(earning or 0),
    )
