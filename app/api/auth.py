"""Tokens and the acting user."""

from __future__ import annotations

from flask import g
from marshmallow import fields

from app.api import bp
from app.api.common import Body, endpoint, iso
from app.api.serializers import user_dict
from app.awards.shared import confirm_lazily
from app.db import get_session
from app.ratelimits import LoginAttempt
from app.security import bearer_token, require_role
from points import users as user_service
from points.errors import DomainError


class TokenBody(Body):
    username = fields.String(required=True)
    password = fields.String(required=True)


@bp.post("/auth/token")
@endpoint(body=TokenBody, responses={200: "token"}, errors=("invalid_credentials", "rate_limited"))
def issue_token(data):
    """Exchange a username and password for a bearer token (30 days, revocable)."""
    attempt = LoginAttempt(data["username"])
    attempt.check()
    session = get_session()
    try:
        user = user_service.authenticate(session, data["username"], data["password"])
    except DomainError:
        attempt.failed()
        raise
    if user.village_id is None:
        attempt.failed()
        raise user_service.InvalidCredentials()
    token, row = user_service.issue_token(session, user)
    return {"token": token, "expires_at": iso(row.expires_at), "user": user_dict(user)}, 200


@bp.delete("/auth/token")
@require_role()
@endpoint(responses={200: "revoked"})
def revoke_token():
    """Revoke the bearer token this request carries."""
    token = bearer_token()
    revoked = user_service.revoke_token(get_session(), token) if token else False
    return {"revoked": revoked}, 200


@bp.get("/me")
@require_role()
@endpoint(responses={200: "me"})
def me():
    """The acting user, their resident record and household."""
    confirm_lazily(g.actor.village_id)
    user = g.user
    resident = user.resident
    household = resident.household if resident else None
    return {
        "user": user_dict(user),
        "resident": (
            {"id": resident.id, "name": resident.name, "status": resident.status.value}
            if resident
            else None
        ),
        "household": (
            {
                "id": household.id,
                "number": household.number,
                "balance": household.balance,
                "pending": household.pending,
                "honour_score": household.honour_score,
            }
            if household
            else None
        ),
    }, 200
