"""The four registers (议题收集册, 议前调研册, 会议记录, 办理公示簿): filled in next."""

from __future__ import annotations

from flask import render_template

from app.security import STAFF, require_role
from app.topics.routes import bp


@bp.get("/registers")
@require_role(*STAFF)
def registers_index():
    return render_template("topics/registers.html")
