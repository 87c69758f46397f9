"""Decisions about a household, for the top of its residents' page: awards and claims that
were rejected (at review, or when an objection was upheld) and objections to its awards that
were dismissed. A resident sees why, in the committee's words, without scrolling past the
month's entries; a decision stays listed for ``DAYS`` days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from points.clock import now
from points.models import Award, AwardStatus, Objection, ObjectionStatus

DAYS = 90
LIMIT = 10


@dataclass(frozen=True)
class Decision:
    kind: str  # "rejected" (at review), "upheld" (an objection rejected it), "dismissed"
    at: datetime
    award: Award
    reason: str
    objection: str = ""  # the objection's own words, for the two objection kinds


def about_household(
    session: Session, household_id: int, *, at: datetime | None = None
) -> list[Decision]:
    """The household's decisions of the last ``DAYS`` days, newest first."""
    since = (at or now()) - timedelta(days=DAYS)
    out: list[Decision] = []
    objected = session.execute(
        select(Objection, Award)
        .join(Award, Award.id == Objection.award_id)
        .where(
            Award.household_id == household_id,
            Objection.status.in_((ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED)),
            Objection.decided_at >= since,
        )
        .order_by(Objection.decided_at.desc(), Objection.id.desc())
    ).all()  # not limited here: upholding one objection closes all of an award's
    upheld_awards = set()
    for objection, award in objected:
        if objection.status == ObjectionStatus.UPHELD:
            if award.id in upheld_awards:
                continue  # one line an award, however many objections were upheld with it
            upheld_awards.add(award.id)
        out.append(
            Decision(
                kind=objection.status.value,
                at=objection.decided_at,
                award=award,
                reason=objection.decision_reason,
                objection=objection.reason,
            )
        )
    rejected = session.scalars(
        select(Award)
        .where(
            Award.household_id == household_id,
            Award.status == AwardStatus.REJECTED,
            or_(Award.reviewed_at >= since, Award.created_at >= since),
        )
        .order_by(Award.id.desc())
    )
    for award in rejected:
        if award.id in upheld_awards:
            continue
        at_ = award.reviewed_at or award.created_at
        if at_ < since:
            continue
        out.append(Decision(kind="rejected", at=at_, award=award, reason=award.reject_reason))
    out.sort(key=lambda d: (d.at, d.award.id), reverse=True)
    return out[:LIMIT]
