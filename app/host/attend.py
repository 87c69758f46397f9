"""Residents' own pages: my card, and checking in by the event's rotating code."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request

from app.db import get_session
from app.host.routes import inline_svg
from app.security import require_role
from app.timeutil import local_time
from points import cards, checkin_notes, events
from points.clock import now
from points.errors import DomainError
from points.event_models import CheckinMethod
from points.models import Role

bp = Blueprint("attend", __name__)


@bp.get("/me/card")
@require_role()
def my_card():
    resident = g.user.resident
    if resident is None:
        abort(404)
    secret = current_app.config["SECRET_KEY"]
    return render_template(
        "host/my_card.html",
        resident=resident,
        svg=inline_svg(cards.payload_for(secret, resident)),
        short_code=cards.short_code_for(secret, resident),
        # Kept on the phone by the service worker (/me/sw.js): the copy says how old it is.
        refreshed=local_time(now(), g.user.village),
    )


@bp.route("/c/<payload>", methods=["GET", "POST"])
@require_role(Role.RESIDENT)
def event_checkin(payload: str):
    """Opened from the projector's QR: one tap checks the resident in."""
    resident = g.user.resident
    if resident is None:
        abort(403)
    session = get_session()
    result = error = event = None
    try:
        event = events.resolve_rotating(
            session, current_app.config["SECRET_KEY"], g.user.village_id, payload
        )
        if request.method == "POST":
            result = events.check_in(
                session,
                event=event,
                resident=resident,
                method=CheckinMethod.EVENT_QR,
                client_id=(request.form.get("client_id") or None),
                device=(request.headers.get("User-Agent") or "")[:200],
                by_id=g.user.id,
            )
            session.commit()
    except DomainError as exc:
        session.rollback()
        error = exc.code
    status = 400 if error in ("expired_code", "invalid_event_code") else 409 if error else 200
    zero = None
    if result is not None and result.created:
        status = 201
        if not result.points_awarded:
            rows = events.attendances(session, event)
            zero = checkin_notes.zero_reasons(event, rows).get(result.attendance_id)
    return render_template(
        "host/event_checkin.html",
        event=event,
        result=result,
        error=error,
        payload=payload,
        zero=zero,
    ), status
