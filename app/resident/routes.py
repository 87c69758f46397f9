"""Pages for residents (我的积分) and the staff home."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from app.awards.shared import confirm_lazily
from app.db import get_session
from app.security import STAFF, require_role
from points import awards, ledger

bp = Blueprint("resident", __name__)


@bp.get("/me")
@require_role()
def my_points():
    user = g.user
    confirm_lazily(user.village_id)
    session = get_session()
    household = user.resident.household if user.resident else None
    entries = ledger.entries(session, household.id, limit=30) if household else []
    standing = awards.standing(session, household) if household else None
    objections = awards.objections_by(session, user.id)[:10]
    return render_template(
        "resident/my_points.html",
        household=household,
        entries=entries,
        standing=standing,
        objections=objections,
    )


@bp.get("/staff")
@require_role(*STAFF)
def staff_home():
    return render_template("resident/staff_home.html")
