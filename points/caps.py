"""Monthly caps (每月上限) of a rule per resident.

What counts toward a cap in a month (in the village's time zone): the resident's confirmed
ledger entries under any version of the rule, net of their corrections, plus awards still
waiting for review or inside the objection window. Call with the resident's household
locked (``points.ledger.lock_household``), so concurrent awards cannot both pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from points.errors import DomainError
from points.models import (
    OPEN_AWARD_STATUSES,
    Award,
    EntryKind,
    LedgerEntry,
    Rule,
    RuleVersion,
    Village,
)
from points.villages import village_zone


class MonthlyCapReached(DomainError):
    code = "monthly_cap_reached"


def month_bounds(village: Village, at: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the village-local calendar month that contains ``at``."""
    return zone_month_bounds(village_zone(village), at)


def zone_month_bounds(zone: ZoneInfo, at: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the calendar month in ``zone`` that contains ``at``."""
    local = at.astimezone(zone)
    start = datetime.combine(local.date().replace(day=1), time(), zone)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return start.astimezone(UTC), end.astimezone(UTC)


def used_this_month(
    session: Session, *, village: Village, rule: Rule, resident_id: int, at: datetime
) -> int:
    start, end = month_bounds(village, at)
    return confirmed_this_month(
        session, rule=rule, resident_id=resident_id, start=start, end=end
    ) + pending_this_month(session, rule=rule, resident_id=resident_id, start=start, end=end)


def confirmed_this_month(
    session: Session, *, rule: Rule, resident_id: int, start: datetime, end: datetime
) -> int:
    """The resident's confirmed points under the rule, each counted in the month it was
    earned: an award's points in the month the award was made (not when its objection
    window ended), a correction in the month of what it reverses."""
    award = aliased(Award)
    reversed_entry = aliased(LedgerEntry)
    reversed_award = aliased(Award)
    earned_at = func.coalesce(
        reversed_award.created_at,
        reversed_entry.created_at,
        award.created_at,
        LedgerEntry.created_at,
    )
    version_ids = select(RuleVersion.id).where(RuleVersion.rule_id == rule.id)
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.honour_delta), 0))
        .outerjoin(
            award, (LedgerEntry.source_type == "award") & (award.id == LedgerEntry.source_id)
        )
        .outerjoin(reversed_entry, reversed_entry.id == LedgerEntry.reverses_id)
        .outerjoin(
            reversed_award,
            (reversed_entry.source_type == "award")
            & (reversed_award.id == reversed_entry.source_id),
        )
        .where(
            LedgerEntry.resident_id == resident_id,
            LedgerEntry.rule_version_id.in_(version_ids),
            LedgerEntry.kind.in_([EntryKind.AWARD, EntryKind.CORRECTION]),
            earned_at >= start,
            earned_at < end,
        )
    )
    return int(total or 0)


def pending_this_month(
    session: Session, *, rule: Rule, resident_id: int, start: datetime, end: datetime
) -> int:
    """Points of the resident's awards under ``rule`` made in [start, end) and not yet in the
    ledger (pending, published or held)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Award.amount), 0)).where(
            Award.rule_id == rule.id,
            Award.resident_id == resident_id,
            Award.status.in_(OPEN_AWARD_STATUSES),
            Award.amount > 0,
            Award.created_at >= start,
            Award.created_at < end,
        )
    )
    return int(total or 0)


def check_monthly_cap(
    session: Session,
    *,
    village: Village,
    rule: Rule,
    version: RuleVersion,
    resident_id: int,
    amount: int,
    at: datetime,
) -> None:
    """Raise :class:`MonthlyCapReached` if ``amount`` more would pass the cap."""
    if version.monthly_cap is None or amount <= 0:
        return
    used = used_this_month(session, village=village, rule=rule, resident_id=resident_id, at=at)
    if used + amount > version.monthly_cap:
        raise MonthlyCapReached(
            cap=version.monthly_cap, used=used, remaining=max(version.monthly_cap - used, 0)
        )
