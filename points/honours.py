"""红榜 and 星级文明户: households ranked by honour score (荣誉积分), and star tiers.

The honour score of a period is the sum of the ``honour_delta`` of the household's entries
in it (awards and deductions, and their corrections; spending does not count). Star tiers
are recomputed monthly: a household's tier is set by its honour score at the start of the
current month (the end of the last one), against the village's thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points.board_models import DEFAULT_STAR_THRESHOLDS, BoardSettings, DeductionDisplay
from points.clock import now
from points.errors import ValidationFailed
from points.models import Household, LedgerEntry, Village
from points.tallies import local_month, month_bounds_in

ROLL_SIZE = 10
STAR_NAMES = ("一星", "二星", "三星", "四星", "五星")


def settings_of(session: Session, village_id: int) -> BoardSettings:
    """The village's board settings, or the defaults (not added to the session)."""
    row = session.get(BoardSettings, village_id)
    if row is None:
        row = BoardSettings(
            village_id=village_id,
            deductions=DeductionDisplay.TOTALS,
            star_thresholds=list(DEFAULT_STAR_THRESHOLDS),
            idle_months=3,
        )
    return row


def update_settings(
    session: Session,
    *,
    village_id: int,
    deductions: str | None = None,
    star_thresholds: list[int] | None = None,
    idle_months: int | None = None,
) -> BoardSettings:
    row = session.get(BoardSettings, village_id)
    if row is None:
        row = settings_of(session, village_id)
        session.add(row)
    errors = {}
    if deductions is not None:
        try:
            row.deductions = DeductionDisplay(deductions)
        except ValueError:
            errors["deductions"] = "name, number or totals"
    if star_thresholds is not None:
        ok = (
            len(star_thresholds) == len(STAR_NAMES)
            and all(isinstance(t, int) and t > 0 for t in star_thresholds)
            and all(a < b for a, b in zip(star_thresholds, star_thresholds[1:], strict=False))
        )
        if ok:
            row.star_thresholds = list(star_thresholds)
        else:
            errors["star_thresholds"] = "five rising positive numbers"
    if idle_months is not None:
        if 1 <= idle_months <= 24:
            row.idle_months = idle_months
        else:
            errors["idle_months"] = "1 to 24"
    if errors:
        raise ValidationFailed(errors)
    session.flush()
    return row


def _honour_by_household(
    session: Session, village_id: int, start: datetime | None, end: datetime
) -> dict[int, int]:
    e = LedgerEntry
    stmt = (
        select(e.household_id, func.sum(e.honour_delta))
        .join(Household, Household.id == e.household_id)
        .where(Household.village_id == village_id, e.created_at < end)
        .group_by(e.household_id)
    )
    if start is not None:
        stmt = stmt.where(e.created_at >= start)
    return {hid: int(total or 0) for hid, total in session.execute(stmt)}


@dataclass
class RollLine:
    rank: int
    household_id: int
    number: str
    score: int


def _ranked(scores: dict[int, int], numbers: dict[int, str], size: int) -> list[RollLine]:
    """Households with a positive score, best first; equal scores share a rank (1, 1, 3)."""
    ordered = sorted(
        ((s, hid) for hid, s in scores.items() if s > 0),
        key=lambda t: (-t[0], len(numbers.get(t[1], "")), numbers.get(t[1], "")),
    )
    lines: list[RollLine] = []
    for i, (score, hid) in enumerate(ordered):
        rank = lines[-1].rank if lines and lines[-1].score == score else i + 1
        if rank > size:
            break
        lines.append(RollLine(rank, hid, numbers.get(hid, ""), score))
    return lines


def _numbers(session: Session, village_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Household.id, Household.number).where(Household.village_id == village_id)
        ).all()
    )


def honour_roll(
    session: Session, village: Village, *, period: str, size: int = ROLL_SIZE
) -> list[RollLine]:
    """红榜 of this ``period`` ("month" or "year", in the village's time zone)."""
    month = local_month(village.timezone, now())
    first = month if period == "month" else date(month.year, 1, 1)
    start, _ = month_bounds_in(village.timezone, first)
    _, end = month_bounds_in(village.timezone, month)
    scores = _honour_by_household(session, village.id, start, end)
    return _ranked(scores, _numbers(session, village.id), size)


def tier_for(score: int, thresholds: list[int]) -> int:
    """Stars (0-5) for an honour score: the highest threshold it reaches."""
    return sum(1 for t in thresholds if score >= t)


@dataclass
class HouseholdTier:
    stars: int  # as of the last monthly review
    score: int  # honour score now
    next_stars: int | None  # the next tier, None at five stars
    next_needs: int  # points still needed for it (0 at five stars)


def household_tier(session: Session, household: Household) -> HouseholdTier:
    village = session.get(Village, household.village_id)
    thresholds = settings_of(session, village.id).star_thresholds
    start, _ = month_bounds_in(village.timezone, local_month(village.timezone, now()))
    reviewed = (
        session.scalar(
            select(func.sum(LedgerEntry.honour_delta)).where(
                LedgerEntry.household_id == household.id, LedgerEntry.created_at < start
            )
        )
        or 0
    )
    stars = tier_for(int(reviewed), thresholds)
    score = household.honour_score
    if stars >= len(thresholds):
        return HouseholdTier(stars, score, None, 0)
    return HouseholdTier(stars, score, stars + 1, max(thresholds[stars] - score, 0))


def star_tiers(session: Session, village: Village) -> list[dict]:
    """Households of one star and up, by tier (five first), from the last monthly review."""
    thresholds = settings_of(session, village.id).star_thresholds
    start, _ = month_bounds_in(village.timezone, local_month(village.timezone, now()))
    scores = _honour_by_household(session, village.id, None, start)
    numbers = _numbers(session, village.id)
    tiers = []
    for stars in range(len(thresholds), 0, -1):
        members = sorted(
            (hid for hid, s in scores.items() if tier_for(s, thresholds) == stars),
            key=lambda h: (-scores[h], len(numbers.get(h, "")), numbers.get(h, "")),
        )
        tiers.append({"stars": stars, "min": thresholds[stars - 1], "household_ids": members})
    return tiers
