"""The village office: roster import, households over time, bulk awards, exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/admin")

from app.office import bulk, exports, households, roster, rules  # noqa: E402,F401
