"""Login, logout and passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth.forms import ChangePasswordForm, LoginForm
from app.db import get_session
from app.forms import apply_domain_error, invalid_status
from app.ratelimits import LoginAttempt
from app.security import SessionUser, require_login
from points import users as user_service
from points.errors import DomainError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        attempt = LoginAttempt(form.username.data)
        attempt.check()
        session = get_session()
        try:
            user = user_service.authenticate(session, form.username.data, form.password.data)
        except DomainError as exc:
            attempt.failed()
            return render_template("auth/login.html", form=form, error=exc.code), 401
        if user.village_id is None and not user.is_county_officer:
            attempt.failed()
            return render_template("auth/login.html", form=form, error="invalid_credentials"), 401
        user_service.record_login(session, user)
        session.commit()
        login_user(SessionUser(user), remember=form.remember.data)
        response = redirect(_safe_next(request.args.get("next")) or url_for("home"))
        return attempt.succeeded(response)
    return render_template("auth/login.html", form=form), invalid_status(form)


@bp.post("/logout")
def logout():
    """End this login and every other one of the user: their session and remember-me cookies
    (a copy taken before logging out included) and their bearer tokens."""
    if current_user.is_authenticated:
        session = get_session()
        user_service.end_sessions(session, session.merge(current_user.user))
        session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@require_login
def change_password():
    form = ChangePasswordForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        session = get_session()
        user = session.merge(g.user)
        try:
            user_service.change_password(
                session, user, current=form.current_password.data, new=form.new_password.data
            )
        except DomainError as exc:
            session.rollback()
            status = apply_domain_error(form, exc)
        else:
            session.commit()
            # The password change ended every login of the user; this browser logs in again
            # (remembered again if it was), with cookies of new values.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(SessionUser(user), remember=remembered in request.cookies)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home"))
    return render_template("auth/password.html", form=form), status
