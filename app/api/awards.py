"""Awards, claims, objections and corrections over the API."""

from __future__ import annotations

from flask import Response, abort, g
from marshmallow import fields, validate

from app.api import bp
from app.api.common import Body, ListQuery, Query, binary, endpoint, id_field, list_response
from app.api.serializers import award_dict, ledger_entry_dict, objection_dict
from app.awards.shared import confirm_lazily, store_photo_base64, uploads_dir
from app.db import get_session
from app.security import STAFF, require_resident, require_role
from points import access, awards, evidence, expiry, residents, rules
from points.models import AwardStatus, Role

STATUSES = [s.value for s in AwardStatus]
UPLOAD_ERRORS = (
    "upload_rate_limited",
    "upload_quota_exceeded",
    "village_quota_exceeded",
    "storage_full",
)


class AwardBody(Body):
    resident_id = id_field(required=True, strict=True)
    rule_id = id_field(required=True, strict=True)
    quantity = fields.Integer(load_default=1, strict=True)
    note = fields.String(load_default="")
    photo = fields.String(load_default=None, allow_none=True)  # base64 JPEG/PNG/WebP


class BulkBody(Body):
    rule_id = id_field(required=True, strict=True)
    resident_ids = fields.List(id_field(strict=True), required=True)
    quantity = fields.Integer(load_default=1, strict=True)
    note = fields.String(load_default="")


class ClaimBody(Body):
    rule_id = id_field(required=True, strict=True)
    note = fields.String(load_default="")
    photo = fields.String(load_default=None, allow_none=True)


class ReasonBody(Body):
    reason = fields.String(required=True)


class DecisionBody(Body):
    decision = fields.String(required=True, validate=validate.OneOf(["uphold", "dismiss"]))
    reason = fields.String(required=True)


class AwardQuery(ListQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    household_id = id_field(load_default=None)


class ObjectionQuery(Query):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "mine"]))


def _village():
    return g.user.village


@bp.post("/awards")
@require_role(Role.HOST, Role.ADMIN)
@endpoint(
    body=AwardBody,
    responses={201: "award"},
    errors=("not_found", "monthly_cap_reached", "rule_inactive", *UPLOAD_ERRORS),
    idempotent=True,
)
def create_award(data):
    """Award (or deduct) points to a resident under a rule; confirmed at once unless reviewed."""
    session = get_session()
    village = _village()
    rule = rules.get_rule(session, village.id, data["rule_id"])
    resident = residents.get_resident(session, village.id, data["resident_id"])
    award = awards.create_award(
        session,
        village=village,
        rule=rule,
        resident=resident,
        by=g.user,
        quantity=data["quantity"],
        note=data["note"],
        evidence_path=store_photo_base64(data["photo"]),
    )
    return award_dict(award), 201


@bp.post("/awards/bulk")
@require_role(Role.HOST, Role.ADMIN)
@endpoint(
    body=BulkBody,
    responses={201: "the awards made"},
    errors=("not_found", "monthly_cap_reached", "rule_inactive"),
    idempotent=True,
)
def bulk_award(data):
    """One rule to many residents at once; all or nothing."""
    session = get_session()
    village = _village()
    rule = rules.get_rule(session, village.id, data["rule_id"])
    made = awards.bulk_award(
        session,
        village=village,
        rule=rule,
        resident_ids=data["resident_ids"],
        by=g.user,
        quantity=data["quantity"],
        note=data["note"],
    )
    return {"items": [award_dict(a) for a in made]}, 201


@bp.post("/claims")
@require_role()
@require_resident
@endpoint(
    body=ClaimBody,
    responses={201: "claim (an award waiting for review)"},
    errors=("not_found", "not_claimable", "monthly_cap_reached", *UPLOAD_ERRORS),
    idempotent=True,
)
def create_claim(data):
    """A resident's own 申报 / 随手拍 under a claimable rule; always reviewed."""
    session = get_session()
    village = _village()
    rule = rules.get_rule(session, village.id, data["rule_id"])
    award = awards.create_award(
        session,
        village=village,
        rule=rule,
        resident=g.user.resident,
        by=g.user,
        note=data["note"],
        evidence_path=store_photo_base64(data["photo"]),
        is_claim=True,
    )
    return award_dict(award), 201


@bp.get("/awards")
@require_role(*STAFF)
@endpoint(query=AwardQuery, responses={200: "list of awards"})
def list_awards(args):
    """The village's awards, newest first; ``status`` filters."""
    confirm_lazily(g.actor.village_id)
    limit = residents.clean_limit(args["limit"])
    page = awards.list_awards(
        get_session(),
        g.actor.village_id,
        status=AwardStatus(args["status"]) if args["status"] else None,
        household_id=args["household_id"],
        limit=limit,
        cursor=args["cursor"],
    )
    return list_response([award_dict(a) for a in page.items], page.next_cursor), 200


@bp.get("/awards/mine")
@require_role()
@endpoint(query=ListQuery, responses={200: "the household's awards and claims"})
def my_awards(args):
    """Awards and claims concerning the acting resident's household, newest first."""
    confirm_lazily(g.actor.village_id)
    household_id = access.own_household_id(g.user)
    if household_id is None:
        return list_response([], None), 200
    page = awards.list_awards(
        get_session(),
        g.actor.village_id,
        household_id=household_id,
        limit=residents.clean_limit(args["limit"]),
        cursor=args["cursor"],
    )
    return list_response([award_dict(a) for a in page.items], page.next_cursor), 200


@bp.get("/awards/board")
@require_role()
@endpoint(responses={200: "awards posted and inside their objection window"})
def board():
    """积分公示: awards open for objections, for any user of the village."""
    confirm_lazily(g.actor.village_id)
    items = awards.public_board(get_session(), g.actor.village_id)
    return list_response([award_dict(a) for a in items], None), 200


def _visible_award(award_id: int):
    award = awards.get_award(get_session(), g.actor.village_id, award_id)
    if not (access.is_staff(g.user) or access.own_household_id(g.user) == award.household_id):
        abort(404)
    return award


@bp.get("/awards/<int:award_id>")
@require_role()
@endpoint(responses={200: "award with its objections"}, errors=("not_found",))
def get_award(award_id: int):
    """One award (staff, or the household concerned)."""
    award = _visible_award(award_id)
    out = award_dict(award)
    out["objections"] = [objection_dict(o, g.user) for o in award.objections]
    return out, 200


@bp.get("/awards/<int:award_id>/evidence")
@require_role()
@binary(
    media_types=("image/jpeg", "image/png", "image/webp"),
    summary="The award's photo evidence (staff, or the household concerned).",
    errors=("not_found",),
)
def award_evidence(award_id: int):
    """The award's photo: the village's staff and the household concerned only."""
    award = _visible_award(award_id)
    path = evidence.resolve(uploads_dir(), award.evidence_path) if award.evidence_path else None
    if path is None:
        abort(404)
    mimetype = evidence.MEDIA_TYPES[path.suffix.lstrip(".")]
    return Response(
        path.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "private, no-store"}
    )


@bp.post("/awards/<int:award_id>/approve")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    responses={200: "published"},
    errors=("not_found", "award_not_pending", "conflict_of_interest"),
)
def approve_award(award_id: int):
    """Approve a pending award: posted for the village's objection window."""
    session = get_session()
    award = awards.approve(
        session, awards.get_award(session, g.actor.village_id, award_id), by=g.user
    )
    return award_dict(award), 200


@bp.post("/awards/<int:award_id>/reject")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    body=ReasonBody,
    responses={200: "rejected"},
    errors=("not_found", "award_not_pending", "conflict_of_interest"),
)
def reject_award(award_id: int, data):
    """Reject a pending award with a reason."""
    session = get_session()
    award = awards.get_award(session, g.actor.village_id, award_id)
    awards.reject(session, award, by=g.user, reason=data["reason"])
    return award_dict(award), 200


@bp.post("/awards/<int:award_id>/objections")
@require_role()
@require_resident
@endpoint(
    body=ReasonBody,
    responses={201: "objection"},
    errors=("not_found", "not_in_objection_window", "already_objected"),
    idempotent=True,
)
def object_to_award(award_id: int, data):
    """A resident of the village objects to a posted award; the award is held."""
    session = get_session()
    award = awards.get_award(session, g.actor.village_id, award_id)
    objection = awards.object_to(session, award, by=g.user, reason=data["reason"])
    return objection_dict(objection, g.user), 201


@bp.get("/objections")
@require_role()
@endpoint(query=ObjectionQuery, responses={200: "objections"})
def list_objections(args):
    """``status=open``: the queue (admin, supervisor); ``status=mine``: the user's own."""
    session = get_session()
    if args["status"] == "mine":
        items = awards.objections_by(session, g.actor.id)
    else:
        if not g.user.has_role(Role.ADMIN, Role.SUPERVISOR):
            abort(403)
        items = awards.open_objections(session, g.actor.village_id)
    return list_response([objection_dict(o, g.user) for o in items], None), 200


@bp.post("/objections/<int:objection_id>/decide")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    body=DecisionBody,
    responses={200: "decided"},
    errors=("not_found", "objection_closed", "conflict_of_interest"),
)
def decide_objection(objection_id: int, data):
    """Uphold (the award is rejected) or dismiss (it continues) with a written reason."""
    session = get_session()
    objection = awards.get_objection(session, g.actor.village_id, objection_id)
    awards.decide_objection(
        session,
        objection,
        by=g.user,
        uphold=data["decision"] == "uphold",
        reason=data["reason"],
    )
    out = objection_dict(objection, g.user)
    out["award_status"] = objection.award.status.value
    return out, 200


@bp.post("/ledger/entries/<int:entry_id>/correct")
@require_role(Role.ADMIN)
@endpoint(
    body=ReasonBody,
    responses={201: "the correction entry"},
    errors=("not_found", "already_corrected"),
    idempotent=True,
)
def correct_entry(entry_id: int, data):
    """Reverse a ledger entry with a new, linked correction entry and a reason."""
    fix = awards.correct_entry(
        get_session(),
        village_id=g.actor.village_id,
        entry_id=entry_id,
        reason=data["reason"],
        by=g.user,
    )
    return ledger_entry_dict(fix), 201


class ExpiryBody(Body):
    mode = fields.String(required=True, validate=validate.OneOf(["none", "annual"]))
    month = fields.Integer(load_default=12, strict=True)
    day = fields.Integer(load_default=31, strict=True)


def _expiry_dict(village) -> dict:
    return {
        "mode": village.expiry_mode.value,
        "month": village.expiry_month,
        "day": village.expiry_day,
        "objection_days": village.objection_days,
    }


@bp.get("/village/points-settings")
@require_role()
@endpoint(responses={200: "the village's objection window and expiry (积分清零) setting"})
def points_settings():
    """Objection window (days) and expiry: ``none``, or ``annual`` on month/day."""
    return _expiry_dict(g.user.village), 200


@bp.post("/village/expiry")
@require_role(Role.ADMIN)
@endpoint(body=ExpiryBody, responses={200: "the new setting"})
def set_expiry(data):
    """Set the village's 积分清零: none, or annual on a date (run `flask expire-points`)."""
    village = g.user.village
    expiry.set_expiry(
        get_session(),
        village,
        mode=data["mode"],
        month=data["month"],
        day=data["day"],
        by_id=g.actor.id,
    )
    return _expiry_dict(village), 200
