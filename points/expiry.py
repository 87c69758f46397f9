"""积分清零: the village's annual clearing of unspent points, first in, first out.

On the village's expiry day (``expiry_month``/``expiry_day`` in its zone), every point a
household earned before that day and has not spent expires. Spending consumes the oldest
points first, so what is left of the earnings before the cut-off is
``max(0, balance - credits since the cut-off)``. Expiry entries never touch the honour
score, and each household gets at most one expiry entry per cut-off (idempotent).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from points import audit, ledger
from points.errors import ValidationFailed
from points.models import AuditLog, EntryKind, ExpiryMode, Household, LedgerEntry, Village
from points.villages import village_today, village_zone

SOURCE = "expiry"


def last_expiry_day(village: Village, today: date) -> date | None:
    """The most recent expiry day on or before ``today``; None when the village has none."""
    if village.expiry_mode != ExpiryMode.ANNUAL:
        return None
    for year in (today.year, today.year - 1):
        try:
            day = date(year, village.expiry_month, village.expiry_day)
        except ValueError:  # 29 February in a common year
            day = date(year, village.expiry_month, 28)
        if day <= today:
            return day
    return None


def next_expiry_day(village: Village, today: date) -> date | None:
    """The first expiry day after ``today``; None when the village has none."""
    if village.expiry_mode != ExpiryMode.ANNUAL:
        return None
    for year in (today.year, today.year + 1):
        try:
            day = date(year, village.expiry_month, village.expiry_day)
        except ValueError:  # 29 February in a common year
            day = date(year, village.expiry_month, 28)
        if day > today:
            return day
    return None


# Residents are told this many days ahead how many points the next clearing takes.
NOTICE_DAYS = 31


def expiring_soon(
    village: Village, balance: int, *, today: date | None = None, within: int = NOTICE_DAYS
) -> tuple[int, date] | None:
    """(points, day) when the next expiry day is at most ``within`` days after ``today``
    and points would expire: everything held now was earned before that day, so the whole
    balance goes unless it is spent first. None otherwise."""
    today = today or village_today(village)
    day = next_expiry_day(village, today)
    if day is None or balance <= 0 or (day - today).days > within:
        return None
    return balance, day


def set_expiry(
    session: Session, village: Village, *, mode: str, month: int, day: int, by_id: int | None
) -> Village:
    try:
        mode = ExpiryMode(mode)
    except ValueError:
        raise ValidationFailed({"mode": "not a valid value"}) from None
    errors = {}
    if not 1 <= month <= 12:
        errors["month"] = "out of range"
    if not 1 <= day <= 31:
        errors["day"] = "out of range"
    if not errors:
        try:
            date(2024, month, day)
        except ValueError:
            errors["day"] = "out of range"
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(village, ["expiry_mode", "expiry_month", "expiry_day"])
    village.expiry_mode, village.expiry_month, village.expiry_day = mode, month, day
    session.flush()
    audit.record(
        session,
        action="village.expiry",
        obj=village,
        by_id=by_id,
        village_id=village.id,
        before=before,
        after=audit.snapshot(village, ["expiry_mode", "expiry_month", "expiry_day"]),
    )
    return village


def expire_points(
    session: Session, village: Village, *, today: date | None = None, by_id: int | None = None
) -> list[LedgerEntry]:
    """Post the expiry entries due for the latest expiry day; idempotent. The first run for
    a day is recorded in the audit log (``expiry.run``), which :func:`run_if_due` reads."""
    today = today or village_today(village)
    day = last_expiry_day(village, today)
    if day is None:
        return []
    first_run = last_run(session, village, day=day) is None
    cutoff = datetime.combine(day, time(), village_zone(village)).astimezone(UTC)
    source_id = _day_id(day)
    ids = list(
        session.scalars(
            select(Household.id)
            .where(Household.village_id == village.id, Household.balance > 0)
            .order_by(Household.id)
        )
    )
    posted = []
    for hid in ids:
        household = ledger.lock_household(session, hid)
        done = session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.household_id == hid,
                LedgerEntry.source_type == SOURCE,
                LedgerEntry.source_id == source_id,
            )
        )
        if done is not None:
            continue
        # Points earned since the cut-off survive: awards posted since, and refunds or
        # corrections of entries made since. A refund of an order placed before the cut-off
        # brings back old points, which expire like the rest.
        reversed_entry = aliased(LedgerEntry)
        credits_since = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .outerjoin(reversed_entry, reversed_entry.id == LedgerEntry.reverses_id)
            .where(
                LedgerEntry.household_id == hid,
                LedgerEntry.amount > 0,
                LedgerEntry.created_at >= cutoff,
                or_(
                    LedgerEntry.reverses_id.is_(None),
                    reversed_entry.created_at >= cutoff,
                ),
            )
        )
        stale = min(household.balance, max(0, household.balance - int(credits_since or 0)))
        if stale <= 0:
            continue
        posted.append(
            ledger.post(
                session,
                household_id=hid,
                amount=-stale,
                kind=EntryKind.EXPIRY,
                source=(SOURCE, source_id),
                note=f"积分清零 {day.isoformat()}",
                created_by_id=by_id,
                honour_delta=0,
            )
        )
    if first_run:
        audit.record(
            session,
            action=RUN_ACTION,
            object_type="expiry",
            object_id=_day_id(day),
            by_id=by_id,
            village_id=village.id,
            after={
                "day": day.isoformat(),
                "households": len(posted),
                "points": sum(-e.amount for e in posted),
            },
        )
    return posted


RUN_ACTION = "expiry.run"


def _day_id(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def last_run(session: Session, village: Village, *, day: date | None = None) -> AuditLog | None:
    """The record of the latest expiry run (for ``day``, when given)."""
    stmt = select(AuditLog).where(AuditLog.village_id == village.id, AuditLog.action == RUN_ACTION)
    if day is not None:
        stmt = stmt.where(AuditLog.object_id == _day_id(day))
    return session.scalars(stmt.order_by(AuditLog.id.desc()).limit(1)).first()


def is_due(session: Session, village: Village, *, today: date | None = None) -> date | None:
    """The expiry day whose run has not happened yet, if any (None: nothing to do)."""
    day = last_expiry_day(village, today or village_today(village))
    if day is None or last_run(session, village, day=day) is not None:
        return None
    return day


def run_if_due(session: Session, village: Village, *, today: date | None = None) -> bool:
    """Run the latest expiry day's clearing if it has not run yet (no cron needed: called
    on the next request after the day begins). Idempotent: True when it ran now."""
    if is_due(session, village, today=today) is None:
        return False
    expire_points(session, village, today=today)
    return True
