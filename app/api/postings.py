"""户积分公示 (postings) and the public board over the API; the public part needs no login."""

from __future__ import annotations

from flask import g
from marshmallow import fields

from app.api import bp
from app.api.common import Body, Query, endpoint, iso
from app.db import get_session
from app.ratelimits import public_check_limits
from app.security import require_role
from points import board, postings, villages
from points.models import Role


class PostingBody(Body):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})


class CodeQuery(Query):
    code = fields.String(required=True)


def posting_dict(p) -> dict:
    return {
        "id": p.id,
        "month": p.month,
        "verification_code": postings.format_code(p.code),
        "posted_from": iso(p.posted_from),
        "posted_until": iso(p.posted_until),
        "households": len(p.rows),
    }


@bp.post("/postings")
@require_role(Role.ADMIN)
@endpoint(
    body=PostingBody,
    responses={201: "the posting, frozen, with its verification code"},
    errors=("bad_request", "already_posted"),
    idempotent=True,
)
def create_posting(data):
    """Post the month's 户积分公示: every household's earned, spent and balance, frozen."""
    posting = postings.create_posting(
        get_session(), village=g.user.village, month_text=data["month"], by_id=g.actor.id
    )
    return posting_dict(posting), 201


@bp.get("/public/villages/<code>/postings/verify")
@public_check_limits
@endpoint(query=CodeQuery, responses={200: "whether the posting still matches the ledger"})
def verify_posting(code, args):
    """Anyone: does today's ledger still hold exactly what the posting with this code showed?"""
    session = get_session()
    village = villages.get_village_by_code(session, code)
    check = postings.verify_code(session, village=village, code=args["code"])
    return {"matches": check.matches, "month": check.month}, 200


@bp.get("/public/villages/<code>/board")
@endpoint(responses={200: "the village's public board"})
def public_board(code):
    """Anyone: the village's board with masked names (张*国), never phones or ids."""
    session = get_session()
    village = villages.get_village_by_code(session, code)
    return board.board_json(session, village), 200
