"""The JSON API, /api/v1 (contract: API.md)."""

from __future__ import annotations

from flask import Blueprint, g, request

from app.extensions import csrf
from app.security import load_api_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    load_api_user()
    # Cookie-authenticated writes need the CSRF token; bearer tokens do not.
    if not g.via_token and request.method not in ("GET", "HEAD", "OPTIONS"):
        if request.endpoint != "api.issue_token":
            csrf.protect()


from app.api import auth, households, ledger, openapi, rules, store  # noqa: E402,F401
