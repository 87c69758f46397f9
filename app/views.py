"""The home page, language switch and template helpers."""

from __future__ import annotations

from flask import Flask, g, redirect, request, session, url_for
from flask_babel import get_locale

from app import LANGUAGES
from app.timeutil import local_time
from points.access import can_see_objector
from points.models import Role


def register(app: Flask) -> None:
    @app.get("/")
    def home():
        user = g.get("user")
        if user is None:
            return redirect(url_for("auth.login"))
        if user.is_county_officer:
            return redirect(url_for("county.table"))
        if user.is_staff:
            return redirect(url_for("resident.staff_home"))
        return redirect(url_for("resident.my_points"))

    @app.get("/lang/<lang>")
    def set_language(lang: str):
        if lang in LANGUAGES:
            session["lang"] = lang
        target = request.referrer or url_for("home")
        if not target.startswith(request.host_url):
            target = url_for("home")
        return redirect(target)

    @app.template_filter("localtime")
    def _localtime(value, fmt: str = "%Y-%m-%d %H:%M"):
        user = g.get("user")
        return local_time(value, user.village if user else None, fmt)

    @app.context_processor
    def _globals():
        user = g.get("user")
        return {
            "acting_user": user,
            "Role": Role,
            "locale": str(get_locale() or "zh"),
            "has_role": (lambda *roles: bool(user) and user.has_role(*roles)),
            "can_see_objector": (lambda objection: can_see_objector(user, objection)),
        }
