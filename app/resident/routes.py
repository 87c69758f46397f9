"""Pages for residents (我的积分) and the staff home."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from app.db import get_session
from app.security import STAFF, require_role
from points import ledger

bp = Blueprint("resident", __name__)


@bp.get("/me")
@require_role()
def my_points():
    user = g.user
    household = user.resident.household if user.resident else None
    entries = ledger.entries(get_session(), household.id, limit=30) if household else []
    return render_template("resident/my_points.html", household=household, entries=entries)


@bp.get("/staff")
@require_role(*STAFF)
def staff_home():
    return render_template("resident/staff_home.html")
