"""Logins, roles, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from points import audit
from points.clock import now
from points.db import DirectStatement
from points.errors import DomainError, DuplicateUsername, NotFound, ValidationFailed
from points.models import ApiToken, Role, User, UserRole, Village, with_implied_roles

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD = 8
TOKEN_LIFETIME = timedelta(days=30)
PASSWORD_METHOD = "scrypt"
# Users of different villages may share a username; a bare name is tried against at most
# this many of them (see authenticate).
MAX_NAMESAKES = 3
# Hashes to compare against in place of missing users, so timing does not tell (one per
# hashing method, made when first needed).
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = PASSWORD_METHOD
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not a password", method=method)
    return _DUMMY_HASHES[method]


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401


class WrongPassword(DomainError):
    code = "wrong_password"
    status = 400


def credential_problems(username: str | None, password: str | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not USERNAME_RE.match(username or ""):
        problems["username"] = "3-64 letters, digits, . _ or -"
    problems.update(password_problems(password))
    return problems


def password_problems(password: str | None, field: str = "password") -> dict[str, str]:
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return {field: "at least 8 characters"}
    if len(password) > 200:
        return {field: "at most 200 characters"}
    if password.isdigit() and len(set(password)) <= 2:
        return {field: "too easy to guess"}
    return {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def parse_roles(roles: Iterable[str | Role]) -> list[Role]:
    out: list[Role] = []
    for r in roles:
        try:
            role = Role(r)
        except ValueError:
            raise ValidationFailed({"roles": "unknown role"}) from None
        if role not in out:
            out.append(role)
    return out


def check_username_free(session: Session, username: str, village_id: int | None) -> None:
    """Usernames are unique in a village (and among county officers, who have none): a
    village's admin learns only whether a name is taken in their own village, never in
    another's."""
    taken = select(User.id).where(
        User.username == username,
        User.village_id == village_id if village_id is not None else User.village_id.is_(None),
    )
    if session.scalar(taken) is not None:
        raise DuplicateUsername(username=username)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    village_id: int | None,
    roles: Iterable[str | Role],
    resident_id: int | None = None,
    full_name: str = "",
    by_id: int | None = None,
) -> User:
    username = (username or "").strip()
    problems = credential_problems(username, password)
    try:
        role_list = parse_roles(roles)
    except ValidationFailed as exc:
        problems.update(exc.fields)
        role_list = []
    if not role_list and "roles" not in problems:
        problems["roles"] = "at least one role"
    if len(full_name or "") > 50:
        problems["full_name"] = "at most 50 characters"
    if problems:
        raise ValidationFailed(problems)
    check_username_free(session, username, village_id)
    user = User(
        username=username,
        password_hash=hash_password(password),
        village_id=village_id,
        resident_id=resident_id,
        full_name=(full_name or "").strip(),
    )
    session.add(user)
    session.flush()
    if village_id is not None:
        for role in role_list:
            session.add(UserRole(user_id=user.id, village_id=village_id, role=role))
    session.flush()
    session.refresh(user)
    audit.record(
        session,
        action="user.create",
        obj=user,
        by_id=by_id,
        village_id=village_id,
        after={"username": username, "roles": [r.value for r in role_list]},
    )
    return user


def set_roles(
    session: Session, user: User, roles: Iterable[str | Role], *, by_id: int | None
) -> User:
    role_list = parse_roles(roles)
    if user.village_id is None:
        raise ValidationFailed({"roles": "user has no village"})
    if by_id == user.id and Role.ADMIN in user.roles and Role.ADMIN not in role_list:
        raise ValidationFailed({"roles": "you cannot remove your own admin role"})
    before = sorted(r.role.value for r in user.role_rows)
    wanted = set(role_list)
    for row in list(user.role_rows):
        if row.village_id == user.village_id and row.role not in wanted:
            user.role_rows.remove(row)
    session.flush()
    held = {r.role for r in user.role_rows if r.village_id == user.village_id}
    for role in role_list:
        if role not in held:
            user.role_rows.append(UserRole(village_id=user.village_id, role=role))
    session.flush()
    audit.record(
        session,
        action="user.roles",
        obj=user,
        by_id=by_id,
        village_id=user.village_id,
        before={"roles": before},
        after={"roles": sorted(r.value for r in role_list)},
    )
    return user


def set_active(session: Session, user: User, active: bool, *, by_id: int | None) -> User:
    if by_id == user.id and not active:
        raise ValidationFailed({"active": "you cannot disable your own login"})
    before = {"active": user.active}
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()
    audit.record(
        session,
        action="user.active",
        obj=user,
        by_id=by_id,
        village_id=user.village_id,
        before=before,
        after={"active": active},
    )
    return user


def split_login(login: str | None) -> tuple[str, str | None]:
    """``name`` or ``name@village-code`` (usernames hold no ``@``): the name and the code."""
    name, at, code = (login or "").strip().partition("@")
    return name.strip(), (code.strip() or None) if at else None


def authenticate(session: Session, username: str, password: str) -> User:
    """The user whose login name and password these are.

    A username is unique only within a village, so a bare name may belong to a few users of
    different villages: the password is tried against each of them and the login succeeds
    only when exactly one matches. ``name@village-code`` names one village's user (the way
    in when more than :data:`MAX_NAMESAKES` share a name, or when namesakes share a password
    too). The password is always checked :data:`MAX_NAMESAKES` times (against dummy hashes
    where there are fewer users), so the time taken does not tell how many villages have a
    user of that name, or whether any has.
    """
    name, village_code = split_login(username)
    query = select(User).where(User.username == name).order_by(User.id)
    if village_code is not None:
        query = query.join(Village, Village.id == User.village_id).where(
            Village.code == village_code
        )
    candidates = list(session.scalars(query.limit(MAX_NAMESAKES + 1)))
    if len(candidates) > MAX_NAMESAKES:
        candidates = []  # too many namesakes for a bare name: name@village-code
    hashes = [u.password_hash for u in candidates]
    hashes += [_dummy_hash()] * (MAX_NAMESAKES - len(hashes))
    checks = [check_password_hash(h, password or "") for h in hashes]
    matches = [u for u, ok in zip(candidates, checks, strict=False) if ok]
    if len(matches) != 1 or not matches[0].active:
        raise InvalidCredentials()
    return matches[0]


def change_password(session: Session, user: User, *, current: str, new: str) -> User:
    if not check_password_hash(user.password_hash, current or ""):
        raise WrongPassword()
    problems = password_problems(new, "new_password")
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    audit.record(
        session, action="user.password", obj=user, by_id=user.id, village_id=user.village_id
    )
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every login of ``user``: session and remember-me cookies carry the session
    version, so bumping it refuses them all, and every bearer token is revoked. (After a
    password change the web layer logs the changing browser in again under the new one.)"""
    user.session_version += 1
    revoke_all_tokens(session, user)


def reset_password(session: Session, user: User, *, new: str, by_id: int | None) -> User:
    """An admin sets a new password; the user's sessions and tokens end."""
    problems = password_problems(new)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    audit.record(
        session, action="user.password_reset", obj=user, by_id=by_id, village_id=user.village_id
    )
    return user


def get_user(session: Session, village_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.village_id != village_id:
        raise NotFound("user")
    return user


def list_users(session: Session, village_id: int) -> list[User]:
    return list(
        session.scalars(select(User).where(User.village_id == village_id).order_by(User.id))
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, user: User, *, lifetime: timedelta = TOKEN_LIFETIME
) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored, so this is the one time it is seen."""
    token = "cy_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=now() + lifetime)
    session.add(row)
    session.flush()
    return token, row


@dataclass(frozen=True)
class Actor:
    """Who is acting: enough to check permissions and to sign entries, without loading the
    user, the village and the resident (a scan or a redemption needs no more)."""

    id: int
    village_id: int | None
    resident_id: int | None
    roles: frozenset[Role]

    def has_role(self, *roles: Role | str) -> bool:
        return any(Role(r) in self.roles for r in roles)

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.village_id, user.resident_id, user.roles)


_TOKENS, _USERS, _USER_ROLES = ApiToken.__table__, User.__table__, UserRole.__table__
# One query per API request, built once: the token's user, if the token is live and the
# user active, with a row per role the user holds in its own village.
_TOKEN_ACTOR = DirectStatement(
    select(_USERS.c.id, _USERS.c.village_id, _USERS.c.resident_id, _USER_ROLES.c.role)
    .select_from(
        _TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id).outerjoin(
            _USER_ROLES,
            and_(
                _USER_ROLES.c.user_id == _USERS.c.id,
                _USER_ROLES.c.village_id == _USERS.c.village_id,
            ),
        )
    )
    .where(
        _TOKENS.c.token_hash == bindparam("token_hash"),
        _TOKENS.c.revoked_at.is_(None),
        _TOKENS.c.expires_at > bindparam("now"),
        _USERS.c.active.is_(True),
    )
)


def actor_for_token(session: Session, token: str) -> Actor | None:
    """The acting user of a live bearer token; None for an unknown, expired or revoked one."""
    params = {"token_hash": _token_hash(token or ""), "now": now()}
    rows = _TOKEN_ACTOR.all(session.connection(), params)
    if not rows:
        return None
    user_id, village_id, resident_id, _ = rows[0]
    # The role column's type already gives Role members (None: the user holds no role here).
    roles = with_implied_roles([row[3] for row in rows if row[3] is not None])
    return Actor(user_id, village_id, resident_id, roles)


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token or "")))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now()
    session.flush()
    return True


def revoke_all_tokens(session: Session, user: User) -> None:
    at: datetime = now()
    for row in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        row.revoked_at = at
    session.flush()
