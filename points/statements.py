"""The monthly household statement (户积分月结单): one household's month on half an A4 page,
printed per 村民小组 for the group leader to hand to residents without phones, and shown on
the resident's own page.

The figures reconcile: opening + earned - deducted - spent - expired + corrected = closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from points.errors import ValidationFailed
from points.expiry import expiring_soon
from points.models import (
    OPEN_AWARD_STATUSES,
    Award,
    EntryKind,
    Household,
    LedgerEntry,
    Resident,
    ResidentStatus,
    Village,
)
from points.tallies import month_bounds_in


@dataclass
class Statement:
    household: Household
    members: list[str]  # active residents' names, the head first
    month: date  # its first day
    opening: int  # balance when the month began
    earned: int  # awards
    deducted: int  # deductions (a positive figure)
    spent: int  # at the shop, net of voids (a positive figure)
    expired: int  # cleared (a positive figure)
    corrected: int  # corrections, signed
    closing: int  # balance at the month's end (or now, for the current month)
    pending: int  # awards waiting for review or their objection window, now
    expiring: tuple[int, date] | None  # points the next clearing takes, and its day


def _balance_before(session: Session, household_ids: list[int], at) -> dict[int, int]:
    """Each household's balance just before ``at``: its last entry's balance_after."""
    last = (
        select(LedgerEntry.household_id, func.max(LedgerEntry.seq).label("seq"))
        .where(LedgerEntry.household_id.in_(household_ids), LedgerEntry.created_at < at)
        .group_by(LedgerEntry.household_id)
        .subquery()
    )
    stmt = select(LedgerEntry.household_id, LedgerEntry.balance_after).join(
        last,
        (last.c.household_id == LedgerEntry.household_id) & (last.c.seq == LedgerEntry.seq),
    )
    return {hid: int(b) for hid, b in session.execute(stmt)}


def statements(
    session: Session, village: Village, households: list[Household], month: date, *, today: date
) -> list[Statement]:
    """The statements of ``households`` (of ``village``) for ``month``, in their order.
    ``today`` (the village's date) decides the expiry notice."""
    ids = [h.id for h in households]
    if not ids:
        return []
    start, end = month_bounds_in(village.timezone, month)
    opening = _balance_before(session, ids, start)
    closing = _balance_before(session, ids, end)
    e = LedgerEntry

    def total(condition):
        return func.coalesce(func.sum(case((condition, e.amount), else_=0)), 0)

    flows = {
        row[0]: [int(x) for x in row[1:]]
        for row in session.execute(
            select(
                e.household_id,
                total(e.kind == EntryKind.AWARD),
                total(e.kind == EntryKind.DEDUCTION),
                total(e.kind.in_((EntryKind.REDEMPTION, EntryKind.REFUND))),
                total(e.kind == EntryKind.EXPIRY),
                total(e.kind == EntryKind.CORRECTION),
            )
            .where(e.household_id.in_(ids), e.created_at >= start, e.created_at < end)
            .group_by(e.household_id)
        )
    }
    pending = dict(
        session.execute(
            select(Award.household_id, func.sum(Award.amount))
            .where(Award.household_id.in_(ids), Award.status.in_(OPEN_AWARD_STATUSES))
            .group_by(Award.household_id)
        ).all()
    )
    members: dict[int, list[str]] = {i: [] for i in ids}
    people = session.scalars(
        select(Resident)
        .where(Resident.household_id.in_(ids), Resident.status == ResidentStatus.ACTIVE)
        .order_by(Resident.household_id, Resident.is_head.desc(), Resident.id)
    )
    for person in people:
        members[person.household_id].append(person.name)
    out = []
    for h in households:
        earned, deducted, spent, expired, corrected = flows.get(h.id, [0, 0, 0, 0, 0])
        closing_balance = closing.get(h.id, 0)
        out.append(
            Statement(
                household=h,
                members=members[h.id],
                month=month,
                opening=opening.get(h.id, 0),
                earned=earned,
                deducted=-deducted,
                spent=-spent,
                expired=-expired,
                corrected=corrected,
                closing=closing_balance,
                pending=int(pending.get(h.id) or 0),
                expiring=expiring_soon(village, h.balance, today=today),
            )
        )
    return out


def group_households(session: Session, village_id: int, group_id: int | None) -> list[Household]:
    """The households of a 村民小组 (all the village's when ``group_id`` is None), by number."""
    stmt = select(Household).where(Household.village_id == village_id)
    if group_id is not None:
        stmt = stmt.where(Household.group_id == group_id)
    households = list(session.scalars(stmt))
    households.sort(key=lambda h: (len(h.number), h.number))
    return households


def parse_month(value: str | None, this_month: date) -> date:
    """``YYYY-MM`` from a query string, from 2000 to ``this_month``; this month when absent."""
    if not value:
        return this_month
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationFailed({"month": "a month as YYYY-MM"}) from None
    if not date(2000, 1, 1) <= first <= this_month:
        raise ValidationFailed({"month": "a month from 2000 to this one"})
    return first
