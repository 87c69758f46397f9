"""Login sessions, bearer tokens and the one permission helper used by pages and API."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import UserMixin, current_user

from app.db import get_session
from app.extensions import login_manager
from points import users as user_service
from points.models import Role, User


class SessionUser(UserMixin):
    """Flask-Login's view of a :class:`User`; the id carries the session version."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.active


@login_manager.user_loader
def _load_user(ident: str) -> SessionUser | None:
    try:
        user_id, version = (int(x) for x in ident.split(":", 1))
    except ValueError:
        return None
    user = get_session().get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return SessionUser(user)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def load_api_user() -> None:
    """For /api/: a bearer token when given (401 when invalid), else the session cookie."""
    token = bearer_token()
    if token is not None:
        user = user_service.user_for_token(get_session(), token)
        if user is None:
            abort(401)
        g.api_user = user
        g.via_token = True
    else:
        g.via_token = False


def acting_user() -> User | None:
    user = g.get("api_user")
    if user is not None:
        return user
    if current_user.is_authenticated:
        return current_user.user
    return None


def require_user() -> User:
    user = acting_user()
    if user is None:
        if is_api_request():
            abort(401)
        abort(login_manager.unauthorized())
    if user.village_id is None:
        abort(403)
    return user


def require_role(*roles: Role | str):
    """Decorator: the acting user must hold one of ``roles`` (none given: any logged-in user)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = require_user()
            if roles and not user.has_role(*roles):
                abort(403)
            g.user = user
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
