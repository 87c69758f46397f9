"""Residents' QR cards: payload, PNG/SVG image, reissue, and resolving a scanned card."""

from __future__ import annotations

from flask import Response, abort, current_app, g
from marshmallow import fields

from app.api import bp
from app.api.common import Body, binary, endpoint
from app.db import get_session
from app.security import require_role
from points import cards, qr, residents
from points.models import Role


class ResolveBody(Body):
    payload = fields.String(required=True)


def secret() -> str:
    return current_app.config["SECRET_KEY"]


def visible_resident(resident_id: int):
    """The resident for staff of the village or for the resident themself; else 404."""
    resident = residents.get_resident(get_session(), g.actor.village_id, resident_id)
    if not (g.user.is_staff or g.user.resident_id == resident.id):
        abort(404)
    return resident


def card_dict(resident) -> dict:
    return {
        "resident_id": resident.id,
        "payload": cards.payload_for(secret(), resident),
        "short_code": cards.short_code_for(secret(), resident),
        "version": resident.card_version,
    }


@bp.get("/residents/<int:resident_id>/card")
@require_role()
@endpoint(responses={200: "the card's QR payload and short code"}, errors=("not_found",))
def get_card(resident_id: int):
    """A resident's card (staff, or the resident themself)."""
    return card_dict(visible_resident(resident_id)), 200


def _image(resident_id: int, fmt: str) -> Response:
    resident = visible_resident(resident_id)
    payload = cards.payload_for(secret(), resident)
    if fmt == "png":
        body, mimetype = qr.png(payload), "image/png"
    else:
        body, mimetype = qr.svg(payload), "image/svg+xml"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/residents/<int:resident_id>/card.png")
@require_role()
@binary(media_types=("image/png",), summary="PNG image of the card QR.", errors=("not_found",))
def card_png(resident_id: int):
    """PNG image of the card QR."""
    return _image(resident_id, "png")


@bp.get("/residents/<int:resident_id>/card.svg")
@require_role()
@binary(media_types=("image/svg+xml",), summary="SVG image of the card QR.", errors=("not_found",))
def card_svg(resident_id: int):
    """SVG image of the card QR."""
    return _image(resident_id, "svg")


@bp.post("/residents/<int:resident_id>/card/reissue")
@require_role(Role.ADMIN)
@endpoint(responses={200: "the new card"}, errors=("not_found",))
def reissue_card(resident_id: int):
    """A new card; the old payload and short code then answer ``invalid_card``."""
    resident = residents.get_resident(get_session(), g.actor.village_id, resident_id)
    cards.reissue(get_session(), resident, by_id=g.actor.id)
    return card_dict(resident), 200


@bp.post("/cards/resolve")
@require_role(Role.HOST, Role.CLERK, Role.ADMIN)
@endpoint(body=ResolveBody, responses={200: "resident and household"}, errors=("invalid_card",))
def resolve_card(data):
    """Who a scanned card (payload or short code) belongs to."""
    resident = cards.resolve(get_session(), secret(), g.actor.village_id, data["payload"])
    h = resident.household
    return {
        "resident": {"id": resident.id, "name": resident.name},
        "household": {"id": h.id, "number": h.number, "balance": h.balance},
    }, 200
