"""Rate limits on failed logins, per username and per address (pages and API alike), and on
public posting checks per address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, request
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


PUBLIC_CHECKS_PER_ADDRESS = "60 per 10 minutes"


def _public_address() -> str:
    return "public-check:" + (get_remote_address() or "")


def public_check_limits(view):
    """Public, login-free checks that read the whole ledger (a posting's code): limited per
    address, so that no one can keep the database busy with them."""
    view = limiter.shared_limit(
        PUBLIC_CHECKS_PER_ADDRESS, scope="public-check", key_func=_public_address
    )(view)
    view.rate_limited = True
    return view


def is_rate_limited(view) -> bool:
    """Whether ``view`` carries limits of :func:`login_limits` (decorators that use
    ``functools.wraps`` above it keep the mark)."""
    return getattr(view, "rate_limited", False)


def init_limiter(app: Flask) -> None:
    """Bind the limiter to ``app``, its per-request work done only for views with limits.

    The only limits are the login views'; the limiter has no default or application-wide
    limits (``app.extensions``). Left as they are, its hooks would still, for every request,
    resolve the limits that apply (none), look for headers to add and reset their state.
    Each hook it adds here is wrapped to run only when the request's view carries limits, so
    those views' limits count as before, whatever the request carries (a bearer token
    included).
    """
    hook_lists = (
        app.before_request_funcs.setdefault(None, []),
        app.after_request_funcs.setdefault(None, []),
        app.teardown_request_funcs.setdefault(None, []),
    )
    before = [len(hooks) for hooks in hook_lists]
    limiter.init_app(app)
    for hooks, known in zip(hook_lists, before, strict=True):
        hooks[known:] = [_for_limited_views(hook) for hook in hooks[known:]]


def _for_limited_views(hook: Callable) -> Callable:
    """``hook`` for requests to views with limits; for the others an after-request hook
    hands the response on and the other hooks do nothing."""

    @wraps(hook)
    def gated(*args: Any) -> Any:
        if is_rate_limited(current_app.view_functions.get(request.endpoint)):
            return hook(*args)
        return args[0] if args else None  # after_request's response (teardown ignores it)

    return gated
