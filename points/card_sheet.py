"""Who goes on a printed sheet of cards: one household, one group, or the whole village."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.errors import NotFound
from points.models import Group, Household, Resident, ResidentStatus


def residents_for_sheet(
    session: Session,
    village_id: int,
    *,
    household_id: int | None = None,
    group_id: int | None = None,
    household_number: str | None = None,
) -> list[Resident]:
    """Active residents in household-number order (a household's members together)."""
    stmt = (
        select(Resident)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.village_id == village_id, Resident.status == ResidentStatus.ACTIVE)
        .order_by(Household.number, Resident.id)
    )
    if household_id is not None:
        household = session.get(Household, household_id)
        if household is None or household.village_id != village_id:
            raise NotFound("household")
        stmt = stmt.where(Household.id == household_id)
    if household_number:
        stmt = stmt.where(Household.number == household_number.strip())
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or group.village_id != village_id:
            raise NotFound("group")
        stmt = stmt.where(Household.group_id == group_id)
    return list(session.scalars(stmt))
