"""Who stands behind a login: the four-eyes rule between logins, not only within one.

An admin could otherwise make a second login (or give a role to one, or reset its password
and log in as it) and approve their own award with it. A login's *makers* are the logins that
created it, granted it a role, or set its password by a reset the login has not since
replaced with its own; and their makers in turn. A reviewer whose makers include the award's
author, or a member of the award's household, is not a second pair of eyes. The supervisors
are given their role from the command line or by the county, so a village login is never
their maker, and they can always review."""

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
        select(AuditLog.action, AuditLog.user_id, AuditLog.before, AuditLog.after)
        .where(
            AuditLog.object_type == "user",
            AuditLog.object_id == user_id,
            AuditLog.action.in_((*MAKER_ACTIONS, "user.password")),
        )
        .order_by(AuditLog.id)
    ).all()
    makers: set[int] = set()
    reset_by: set[int] = set()
    for action, actor, before, after in rows:
        if actor is None or actor == user_id:
            if action == "user.password":  # the login chose its own password again
                reset_by.clear()
            continue
        if action == "user.password_reset":
            reset_by = {actor}
        elif action == "user.create" or _granted(before, after):
            makers.add(actor)
    return makers | reset_by


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


def made_by_the_interested(session: Session, award: Award, reviewer: User) -> bool:
    """True when the award's author, or a login of the award's household, is behind the
    reviewer's login."""
    makers = makers_of(session, reviewer.id)
    if not makers:
        return False
    if award.created_by_id in makers:
        return True
    household_logins = session.scalars(
        select(User.id)
        .join(Resident, Resident.id == User.resident_id)
        .where(Resident.household_id == award.household_id, User.id.in_(makers))
    ).first()
    return household_logins is not None
