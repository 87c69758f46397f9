"""The integrity check, and the role changes the supervisory committee reads."""

from __future__ import annotations

from flask import g

from app.api import bp
from app.api.common import endpoint, iso, list_response
from app.db import get_session
from app.security import require_role
from points import postings, users
from points.models import Role


@bp.get("/ledger/verify")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(responses={200: "verification report"})
def verify_ledger():
    """Recompute every hash chain, cached balance and posting code of the village."""
    report = postings.verify(get_session(), village_id=g.actor.village_id)
    return {
        "ok": report.ok,
        "entries": report.entries,
        "households": report.households,
        "problems": [p.as_dict() for p in report.problems],
    }, 200


@bp.get("/role-changes")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(responses={200: "role changes, newest first"})
def role_changes():
    """Every login made, role given or taken, login disabled or linked to a resident, newest
    first; ``by`` null means the command line."""
    rows = users.role_changes(get_session(), g.actor.village_id)
    return list_response(
        [
            {
                "at": iso(c.at),
                "action": c.action,
                "login": c.login,
                "by": c.by,
                "before": c.before,
                "after": c.after,
            }
            for c in rows
        ],
        None,
    ), 200
