"""Who stands behind a login: the four-eyes rule between logins, not only within one.

An admin could otherwise make a second login (or give a role to one, or reset its password
and log in as it) and approve their own award with it, or enter an award through such a login
and approve it as themselves. A login's *makers* are the logins that created it, granted it a
role or reset its password (for good: whoever knew the reset password could have chosen the
"own" one that followed), and their makers in turn. Reviewer and author must not stand behind
each other, nor may a login of the award's household stand behind the reviewer. The
supervisors get their role, and a new password, only from the command line or the county,
so a village login is never their maker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.models import AuditLog, Award, Resident, User

MAKER_ACTIONS = ("user.create", "user.roles", "user.password_reset")
DEPTH = 6  # logins making logins making logins: deeper chains are not seen in a village


def _granted(before: dict | None, after: dict | None) -> bool:
    """A role change that gave a role (taking one away makes no one a maker)."""
    return bool(set((after or {}).get("roles") or ()) - set((before or {}).get("roles") or ()))


def _direct_makers(session: Session, user_id: int) -> set[int]:
    rows = session.execute(
        select(AuditLog.action, AuditLog.user_id, AuditLog.before, AuditLog.after).where(
            AuditLog.object_type == "user",
            AuditLog.object_id == user_id,
            AuditLog.action.in_(MAKER_ACTIONS),
        )
    ).all()
    return {
        actor
        for action, actor, before, after in rows
        if actor is not None
        and actor != user_id
        and (action != "user.roles" or _granted(before, after))
    }


def makers_of(session: Session, user_id: int) -> set[int]:
    """Every login behind ``user_id`` (not itself), up to ``DEPTH`` steps back."""
    seen: set[int] = set()
    frontier = {user_id}
    for _ in range(DEPTH):
        found: set[int] = set()
        for uid in frontier:
            found |= _direct_makers(session, uid)
        frontier = found - seen - {user_id}
        if not frontier:
            break
        seen |= frontier
    return seen


def household_behind(session: Session, household_id: int, makers: set[int]) -> bool:
    """Whether a login of the household is among ``makers``."""
    if not makers:
        return False
    found = session.scalars(
        select(User.id)
        .join(Resident, Resident.id == User.resident_id)
        .where(Resident.household_id == household_id, User.id.in_(makers))
    ).first()
    return found is not None


def made_by_the_interested(session: Session, award: Award, reviewer: User) -> bool:
    """True when the award's author, or a login of the award's household, is behind the
    reviewer's login, or the reviewer is behind the author's."""
    makers = makers_of(session, reviewer.id)
    if award.created_by_id in makers:
        return True
    if award.created_by_id is not None and reviewer.id in makers_of(session, award.created_by_id):
        return True
    return household_behind(session, award.household_id, makers)
