"""Who may see what, beyond plain roles. Used by pages and the API alike."""

from __future__ import annotations

from points.models import STAFF_ROLES, Household, Objection, Resident, Role, User


def is_staff(user: User) -> bool:
    return bool(user.roles & STAFF_ROLES)


def own_household_id(user: User) -> int | None:
    return user.resident.household_id if user.resident is not None else None


def can_view_household(user: User, household: Household) -> bool:
    if household.village_id != user.village_id:
        return False
    return is_staff(user) or own_household_id(user) == household.id


def can_view_resident(user: User, resident: Resident) -> bool:
    if resident.village_id != user.village_id:
        return False
    return is_staff(user) or user.resident_id == resident.id


def has_any(user: User, roles: tuple[Role | str, ...]) -> bool:
    return user.has_role(*roles)


def can_see_objector(user: User | None, objection: Objection) -> bool:
    """Who objected is the supervisory committee's to know, and the objector's own: not the
    household objected to, not the committee whose award it is, not other staff."""
    if user is None or objection.village_id != user.village_id:
        return False
    return user.id == objection.user_id or Role.SUPERVISOR in user.roles
