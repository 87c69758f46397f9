"""The JSON API, /api/v1 (contract: API.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask_login import current_user

from app.extensions import csrf
from app.security import load_api_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    load_api_user()
    # Cookie-authenticated writes need the CSRF token; bearer tokens do not.
    if (
        not g.via_token
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and request.endpoint != "api.issue_token"
        and current_user.is_authenticated
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


from app.api import (  # noqa: E402,F401
    auth,
    awards,
    cards,
    deliberation,
    events,
    households,
    ledger,
    office,
    openapi,
    postings,
    rules,
    store,
    topics,
)
