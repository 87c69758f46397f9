"""Login sessions, bearer tokens and the one permission helper used by pages and API."""

from __future__ import annotations

import secrets
from functools import wraps
from typing import Any

from flask import Flask, Request, Response, abort, g, request
from flask.ctx import _AppCtxGlobals
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import UserMixin, current_user
from itsdangerous import URLSafeTimedSerializer

from app.db import get_session
from app.extensions import login_manager
from points import users as user_service
from points.models import Role, User, Village


class SessionUser(UserMixin):
    """Flask-Login's view of a :class:`User`.

    The id, kept in the session cookie and the remember-me cookie, is ``user:version:nonce``:
    the session version ends every cookie of the user when it is bumped (logout, a password
    change or reset, a disabled login), and the nonce, new at each login, makes each login's
    remember-me cookie a value of its own."""

    def __init__(self, user: User, nonce: str | None = None) -> None:
        self.user = user
        self.nonce = nonce or secrets.token_urlsafe(12)

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}:{self.nonce}"

    @property
    def is_active(self) -> bool:
        return self.user.active


@login_manager.user_loader
def _load_user(ident: str) -> SessionUser | None:
    parts = ident.split(":")
    if len(parts) != 3 or not parts[2]:
        return None  # also a cookie of before the nonce: its login ended with the upgrade
    try:
        user_id, version = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    user = get_session().get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return SessionUser(user, parts[2])


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with less work per request: a request that sends no
    cookie at all (an API client with a bearer token) gets an empty session without parsing
    headers for one and answers without working out cookie attributes, and the signing
    serializer is built once per set of keys, not twice a request."""

    _serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None  # (keys, serializer)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        if session or session.modified:
            super().save_session(app, session, response)
        elif session.accessed:
            # An empty session never set or cleared: no cookie to write or delete, only
            # Flask's "Vary: Cookie", added as Flask-Compress adds Accept-Encoding rather than
            # by parsing the header into a set and writing it back.
            vary = response.headers.get("Vary")
            if not vary:
                response.headers["Vary"] = "Cookie"
            elif "cookie" not in (v.strip().lower() for v in vary.split(",")):
                response.headers["Vary"] = f"{vary}, Cookie"

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._serializer
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def load_api_user() -> None:
    """For /api/: a bearer token when given (401 when invalid), else the session cookie.

    A token gives ``g.actor`` (ids and roles) with one query; ``g.user``, the full user,
    is loaded only if the endpoint asks for it (:class:`RequestGlobals`). The token's user
    acts, never the session cookie's: Flask-Login need not work out who that is.
    """
    token = bearer_token()
    if token is not None:
        actor = user_service.actor_for_token(get_session(), token)
        if actor is None:
            abort(401)
        g.token_actor = actor
        g.via_token = True
    else:
        g.user = current_user.user if current_user.is_authenticated else None
        g.via_token = False


class RequestGlobals(_AppCtxGlobals):
    """Flask's ``g``, where a bearer-token request's ``g.user`` is read on first use."""

    def __getattr__(self, name: str) -> Any:
        if name == "user":
            actor = self.__dict__.get("token_actor")
            if actor is not None:
                user = self.__dict__["user"] = get_session().get(User, actor.id)
                return user
        return super().__getattr__(name)

    def get(self, name: str, default: Any = None) -> Any:
        if name == "user" and "user" not in self.__dict__ and "token_actor" in self.__dict__:
            return self.user
        return super().get(name, default)


def current_actor() -> user_service.Actor | None:
    actor = g.get("token_actor")
    if actor is not None:
        return actor
    if current_user.is_authenticated:
        return user_service.Actor.of(current_user.user)
    return None


def current_village() -> Village:
    """The acting user's village (one primary-key read, none when the user is loaded)."""
    return get_session().get(Village, g.actor.village_id)


def require_role(*roles: Role | str):
    """Decorator: the acting user must hold one of ``roles`` (none given: any logged-in user).

    Sets ``g.actor`` (id, village, roles) and ``g.user`` (the full user; for a bearer token
    it is loaded when first used)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                if is_api_request():
                    abort(401)
                abort(login_manager.unauthorized())
            if actor.village_id is None or (roles and not actor.has_role(*roles)):
                abort(403)
            g.actor = actor
            if g.get("token_actor") is None:
                g.user = current_user.user
            return view(*args, **kwargs)

        wrapper.required_roles = tuple(Role(r) for r in roles)
        return wrapper

    return decorator


STAFF = (Role.HOST, Role.CLERK, Role.ADMIN, Role.SUPERVISOR)


def require_resident(view):
    """Under ``require_role``: the acting user must be a resident of the village (a staff login
    without a resident record gets 403), checked before a form or JSON body is read."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user.resident is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def require_login(view):
    """Decorator: any logged-in user, of a village or of a county (their own account's
    pages, such as changing the password)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        g.user = current_user.user
        return view(*args, **kwargs)

    wrapper.required_roles = ()
    return wrapper


def require_county_officer(view):
    """Decorator for the county pages (logged-in pages, no API): the user must be a county
    officer, a login with a county and no village. Village staff get 403 here, as officers
    do everywhere ``require_role`` guards (they have no village)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        user = current_user.user
        if not user.is_county_officer:
            abort(403)
        g.user = user
        return view(*args, **kwargs)

    wrapper.required_roles = ()
    return wrapper
