"""Events and check-in (议事会, 志愿服务; 签到, 签退) over the API."""

from __future__ import annotations

from flask import abort, current_app, g, request
from marshmallow import fields

from app.api import bp
from app.api.common import Body, Query, endpoint, id_field, iso, list_response
from app.db import get_session
from app.security import STAFF, require_role
from points import cards, events
from points.errors import ValidationFailed
from points.event_models import Attendance, CheckinMethod, Event
from points.models import Role
from points.residents import get_resident

HOSTS = (Role.HOST, Role.ADMIN)


class EventBody(Body):
    title = fields.String(required=True)
    kind = fields.String(required=True)
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    rule_id = id_field(required=True, strict=True)
    location = fields.String(load_default="")
    topic_id = id_field(load_default=None, allow_none=True, strict=True)
    invite_scope = fields.String(load_default="village")
    invited_ids = fields.List(id_field(strict=True), load_default=list)
    one_per_household = fields.Boolean(load_default=False)


class ScanBody(Body):
    card = fields.String(load_default=None, allow_none=True)
    resident_id = id_field(load_default=None, allow_none=True, strict=True)
    scanned_at = fields.AwareDateTime(load_default=None, allow_none=True)
    client_id = fields.String(load_default=None, allow_none=True)


class SelfCheckinBody(Body):
    payload = fields.String(required=True)
    client_id = fields.String(load_default=None, allow_none=True)


class UndoBody(Body):
    reason = fields.String(required=True)


def event_dict(event: Event) -> dict:
    return {
        "id": event.id,
        "title": event.title,
        "kind": event.kind.value,
        "status": event.status.value,
        "location": event.location,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "rule_id": event.rule_id,
        "topic_id": event.topic_id,
        "invite_scope": event.invite_scope.value,
        "invited_ids": list(event.invited_ids or []),
        "one_per_household": event.one_per_household,
        "opened_at": iso(event.opened_at),
        "closed_at": iso(event.closed_at),
    }


def attendance_dict(a: Attendance) -> dict:
    h = a.household
    return {
        "id": a.id,
        "resident": {"id": a.resident.id, "name": a.resident.name},
        "household": {"id": h.id, "number": h.number, "group": h.group.name if h.group else None},
        "method": a.method.value,
        "checked_in_at": iso(a.checked_in_at),
        "recorded_at": iso(a.recorded_at),
        "client_id": a.client_id,
        "checked_out_at": iso(a.checked_out_at),
        "hours": a.half_hours / 2 if a.half_hours is not None else None,
        "points_awarded": a.points_awarded,
        "undone": a.undone_at is not None,
        "undo_reason": a.undo_reason or None,
    }


def checkin_response(result: events.CheckinResult):
    resident = result.resident
    who = {"id": resident.id, "name": resident.name}
    if not result.created:
        return {
            "already": True,
            "attendance_id": result.attendance_id,
            "checked_in_at": iso(result.checked_in_at),
            "resident": who,
        }, 200
    return {
        "attendance_id": result.attendance_id,
        "resident": who,
        "household": {
            "id": resident.household_id,
            "number": result.household_number,
            "balance": result.balance,
        },
        "checked_in_at": iso(result.checked_in_at),
        "method": result.method.value,
        "points_awarded": result.points_awarded,
    }, 201


def _event(event_id: int, *, lock: bool = False) -> Event:
    return events.get_event(get_session(), g.actor.village_id, event_id, lock=lock)


def _device() -> str:
    return (request.headers.get("User-Agent") or "")[:200]


def _resident_from(data) -> object:
    if data.get("card"):
        return None
    if data.get("resident_id") is None:
        raise ValidationFailed({"card": "a card or a resident_id"})
    return get_resident(get_session(), g.actor.village_id, data["resident_id"])


@bp.post("/events")
@require_role(*HOSTS)
@endpoint(body=EventBody, responses={201: "event"}, errors=("bad_request",), idempotent=True)
def create_event(data):
    """Schedule a meeting or volunteer event."""
    event = events.create_event(
        get_session(), village_id=g.actor.village_id, by_id=g.actor.id, **data
    )
    return event_dict(event), 201


@bp.get("/events")
@require_role(*STAFF)
@endpoint(responses={200: "events, newest first"})
def list_events():
    """The village's events."""
    items = events.list_events(get_session(), g.actor.village_id)
    return list_response([event_dict(e) for e in items], None), 200


@bp.get("/events/<int:event_id>")
@require_role(*STAFF)
@endpoint(responses={200: "event"}, errors=("not_found",))
def get_event(event_id: int):
    """One event."""
    return event_dict(_event(event_id)), 200


@bp.post("/events/<int:event_id>/open")
@require_role(*HOSTS)
@endpoint(responses={200: "opened"}, errors=("not_found", "invalid_transition"))
def open_event(event_id: int):
    """Open the event for check-in."""
    event = events.open_event(get_session(), _event(event_id, lock=True), by_id=g.actor.id)
    return event_dict(event), 200


@bp.post("/events/<int:event_id>/close")
@require_role(*HOSTS)
@endpoint(responses={200: "closed"}, errors=("not_found", "invalid_transition"))
def close_event(event_id: int):
    """Close the event; volunteers not checked out are settled at the event's end."""
    event = events.close_event(get_session(), _event(event_id), by_id=g.actor.id)
    return event_dict(event), 200


@bp.post("/events/<int:event_id>/checkins")
@require_role(*HOSTS)
@endpoint(
    body=ScanBody,
    responses={201: "checked in", 200: "already checked in"},
    errors=("bad_request", "invalid_card", "event_not_open", "not_found"),
    idempotent=True,
)
def check_in(event_id: int, data):
    """Check a resident in by card payload, short code or id (queued scans: scanned_at)."""
    result = events.scan(
        get_session(),
        current_app.config["SECRET_KEY"],
        village_id=g.actor.village_id,
        event_id=event_id,
        card=data["card"],
        resident_id=data["resident_id"],
        scanned_at=data["scanned_at"],
        client_id=data["client_id"],
        device=_device(),
        by_id=g.actor.id,
    )
    return checkin_response(result)


@bp.post("/events/<int:event_id>/checkouts")
@require_role(*HOSTS)
@endpoint(
    body=ScanBody,
    responses={200: "checked out"},
    errors=("bad_request", "invalid_card", "event_not_open", "not_checked_in", "not_found"),
    idempotent=True,
)
def check_out(event_id: int, data):
    """Check a volunteer out: hours in half-hour steps, points per hour."""
    session = get_session()
    event = _event(event_id)
    resident = _resident_from(data) or cards.resolve(
        session, current_app.config["SECRET_KEY"], g.actor.village_id, data["card"]
    )
    att = events.check_out(
        session, event=event, resident=resident, at=data["scanned_at"], by_id=g.actor.id
    )
    return {
        "attendance_id": att.id,
        "resident": {"id": resident.id, "name": resident.name},
        "hours": (att.half_hours or 0) / 2,
        "points_awarded": att.points_awarded,
    }, 200


@bp.post("/events/<int:event_id>/attendance/<int:attendance_id>/undo")
@require_role(*HOSTS)
@endpoint(body=UndoBody, responses={200: "undone"}, errors=("bad_request", "already_undone"))
def undo_checkin(event_id: int, attendance_id: int, data):
    """Undo a mistaken check-in; its points (and a meeting's duty points posted for it) are
    reversed by correction entries. The resident can then be checked in again (a new
    attendance with a new award)."""
    event = _event(event_id)
    att = get_session().get(Attendance, attendance_id)
    if att is None or att.event_id != event.id:
        abort(404)
    att = events.undo_checkin(
        get_session(), attendance=att, reason=data["reason"], by_id=g.actor.id
    )
    return attendance_dict(att), 200


@bp.get("/events/<int:event_id>/rotating-qr")
@require_role(*HOSTS)
@endpoint(responses={200: "the current event code"}, errors=("not_found",))
def rotating_qr(event_id: int):
    """The event's rotating code for residents to scan (new every 30 s)."""
    payload, expires_in = events.rotating_payload(
        current_app.config["SECRET_KEY"], _event(event_id)
    )
    return {"payload": payload, "expires_in": expires_in}, 200


@bp.post("/checkin")
@require_role(Role.RESIDENT)
@endpoint(
    body=SelfCheckinBody,
    responses={201: "checked in", 200: "already checked in"},
    errors=("expired_code", "invalid_event_code", "event_not_open"),
)
def self_check_in(data):
    """A resident checks in by scanning the event's rotating code."""
    session = get_session()
    if g.user.resident is None:
        abort(403)
    event = events.resolve_rotating(
        session, current_app.config["SECRET_KEY"], g.actor.village_id, data["payload"]
    )
    result = events.check_in(
        session,
        event=event,
        resident=g.user.resident,
        method=CheckinMethod.EVENT_QR,
        client_id=data["client_id"],
        device=_device(),
        by_id=g.actor.id,
    )
    return checkin_response(result)


@bp.get("/events/<int:event_id>/attendance")
@require_role(*STAFF)
@endpoint(responses={200: "attendance with the rate against the invited"}, errors=("not_found",))
def attendance(event_id: int):
    """Who checked in, when and how; the rate against the invited, per group; flags."""
    report = events.attendance_report(get_session(), _event(event_id))
    return {
        "items": [attendance_dict(a) for a in report.rows],
        "checked_in": report.checked_in,
        "invited": report.invited,
        "rate": report.rate,
        "unit": report.unit,
        "by_group": report.by_group,
        "flags": report.flags,
    }, 200


class SearchQuery(Query):
    q = fields.String(load_default="")


@bp.get("/events/<int:event_id>/residents")
@require_role(*HOSTS)
@endpoint(query=SearchQuery, responses={200: "matching residents"}, errors=("not_found",))
def search_residents(event_id: int, args):
    """Residents matching a name, pinyin initials or household number (manual check-in)."""
    items = events.search_for_event(get_session(), _event(event_id), args["q"])
    return list_response(items, None), 200
