"""The integrity check."""

from __future__ import annotations

from flask import g

from app.api import bp
from app.api.common import endpoint
from app.db import get_session
from app.security import require_role
from points import postings
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
