"""Rate limits on failed logins, per username and per address (pages and API alike)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from app.extensions import limiter

FAILED_LOGINS_PER_USERNAME = "10 per 15 minutes"
FAILED_LOGINS_PER_ADDRESS = "30 per 15 minutes"


def _username() -> str:
    name = request.form.get("username")
    if name is None:
        data = request.get_json(silent=True)
        name = data.get("username") if isinstance(data, dict) else ""
    return "login-user:" + str(name or "").strip().lower()[:64]


def _address() -> str:
    return "login-addr:" + (get_remote_address() or "")


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def login_limits(view):
    """Count failed attempts only; once over either limit every attempt answers 429."""
    view = limiter.limit(FAILED_LOGINS_PER_USERNAME, key_func=_username, deduct_when=_failed)(view)
    view = limiter.limit(FAILED_LOGINS_PER_ADDRESS, key_func=_address, deduct_when=_failed)(view)
    view.rate_limited = True
    return view


def is_rate_limited(view) -> bool:
    """Whether ``view`` carries limits of :func:`login_limits` (decorators that use
    ``functools.wraps`` above it keep the mark)."""
    return getattr(view, "rate_limited", False)


@limiter.request_filter
def _without_limits() -> bool:
    """The limiter skips every request whose view has no limit of its own.

    The only limits are the login views'; the limiter has no default or application-wide
    limits (``app.extensions``). Without this filter it would still resolve, for every
    request, the limits that apply to it, only to find none. The filter is asked both before
    the request and inside a limited view, and answers no for those views, so their limits
    count as before, whatever the request carries (a bearer token included).
    """
    return not is_rate_limited(current_app.view_functions.get(request.endpoint))
