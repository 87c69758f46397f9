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
from points.models import (
    ApiToken,
    AuditLog,
    Resident,
    ResidentStatus,
    Role,
    User,
    UserRole,
    Village,
    with_implied_roles,
)

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


class SupervisorPasswordFromCommandLine(DomainError):
    code = "supervisor_password_from_command_line"
    status = 403


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


def check_role_change(
    session: Session,
    *,
    village_id: int,
    before: Iterable[Role],
    after: Iterable[Role],
    by_id: int | None,
) -> None:
    """The four-eyes rule holds between people, not logins: the supervisory committee
    (村务监督委员会) is elected apart from the committee it supervises. So the supervisor
    role is granted or taken only from the command line (``by_id`` None: someone at the
    server) or by an officer of the village's county, never by a login of the village, and
    a village login cannot make anyone admin and supervisor at once."""
    if by_id is None:
        return
    by = session.get(User, by_id)
    if by is not None and by.is_county_officer:
        village = session.get(Village, village_id)
        if village is not None and village.county_id == by.county_id:
            return
    before, after = set(before), set(after)
    if (Role.SUPERVISOR in before) != (Role.SUPERVISOR in after):
        raise ValidationFailed(
            {"roles": "only the command line or the county grants or removes the supervisor role"}
        )
    if Role.SUPERVISOR in after and Role.ADMIN in after:
        raise ValidationFailed({"roles": "an admin cannot also be a supervisor"})


def _check_resident(session: Session, village_id: int | None, resident_id: int | None) -> None:
    if resident_id is None:
        return
    resident = session.get(Resident, resident_id)
    if resident is None or resident.village_id != village_id:
        raise ValidationFailed({"resident": "no such resident in this village"})
    if resident.status != ResidentStatus.ACTIVE:
        raise ValidationFailed({"resident": "not an active resident"})
    if session.scalar(select(User.id).where(User.resident_id == resident_id)) is not None:
        raise ValidationFailed({"resident": "this resident already has a login"})


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
    if village_id is not None:
        check_role_change(session, village_id=village_id, before=(), after=role_list, by_id=by_id)
    _check_resident(session, village_id, resident_id)
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
        after={
            "username": username,
            "roles": [r.value for r in role_list],
            "resident_id": resident_id,
        },
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
    check_role_change(
        session,
        village_id=user.village_id,
        before=(r.role for r in user.role_rows if r.village_id == user.village_id),
        after=role_list,
        by_id=by_id,
    )
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
    after = sorted(r.value for r in role_list)
    if after != before:  # saving the login's page unchanged is not a change of roles
        audit.record(
            session,
            action="user.roles",
            obj=user,
            by_id=by_id,
            village_id=user.village_id,
            before={"roles": before},
            after={"roles": after},
        )
    return user


def set_active(session: Session, user: User, active: bool, *, by_id: int | None) -> User:
    if by_id == user.id and not active:
        raise ValidationFailed({"active": "you cannot disable your own login"})
    if active and user.resident is not None and user.resident.status != ResidentStatus.ACTIVE:
        raise ValidationFailed({"active": "the resident has moved out or died"})
    return _set_active(session, user, active, by_id=by_id)


def _set_active(
    session: Session, user: User, active: bool, *, by_id: int | None, why: str | None = None
) -> User:
    """Enable or disable a login; disabling revokes its tokens and ends its sessions."""
    before = {"active": user.active}
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()
    after: dict = {"active": active}
    if why:
        after["why"] = why
    audit.record(
        session,
        action="user.active",
        obj=user,
        by_id=by_id,
        village_id=user.village_id,
        before=before,
        after=after,
    )
    return user


def end_resident_login(session: Session, resident_id: int, *, why: str, by_id: int | None) -> None:
    """A resident who moved out or died keeps no way in: the login linked to them is
    disabled, its tokens revoked and its sessions ended. Marking them active again does not
    re-enable it: the committee does that on the login's page if it is wanted."""
    user = session.scalar(select(User).where(User.resident_id == resident_id))
    if user is not None and user.active:
        _set_active(session, user, False, by_id=by_id, why=why)


def link_resident(
    session: Session, user: User, resident_id: int | None, *, by_id: int | None
) -> User:
    """Link a login to the resident it belongs to (or unlink it with None). A staff member
    who lives in the village is linked, so the own-household rules apply to them: their
    awards to their own family wait for someone else's review, and they can neither review
    nor decide an objection concerning their household."""
    if resident_id == user.resident_id:
        return user
    _check_resident(session, user.village_id, resident_id)
    before = {"resident_id": user.resident_id}
    user.resident_id = resident_id
    session.flush()
    session.expire(user, ["resident"])
    audit.record(
        session,
        action="user.resident",
        obj=user,
        by_id=by_id,
        village_id=user.village_id,
        before=before,
        after={"resident_id": resident_id},
    )
    return user


# The audit actions that change who may do what: the supervisors' list of them.
ROLE_ACTIONS = ("user.create", "user.roles", "user.active", "user.resident")


@dataclass(frozen=True)
class RoleChange:
    at: datetime
    action: str
    login: str  # the login changed
    by: str | None  # who changed it; None: the command line
    before: dict
    after: dict


def role_changes(session: Session, village_id: int, *, limit: int = 200) -> list[RoleChange]:
    """Every creation of a login, change of roles, disabling and link to a resident in the
    village, newest first, with who made it."""
    rows = list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.village_id == village_id, AuditLog.action.in_(ROLE_ACTIONS))
            .order_by(AuditLog.id.desc())
            .limit(limit)
        )
    )
    ids = {r.user_id for r in rows} | {r.object_id for r in rows}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    return [
        RoleChange(
            at=r.created_at,
            action=r.action,
            login=names.get(r.object_id, ""),
            by=names.get(r.user_id) if r.user_id is not None else None,
            before=r.before or {},
            after=r.after or {},
        )
        for r in rows
    ]


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


def record_login(session: Session, user: User) -> None:
    """Log a staff member's (or a county officer's) login in the audit log; residents'
    logins are theirs alone and are not logged."""
    if user.is_staff or user.is_county_officer:
        audit.record(
            session, action="user.login", obj=user, by_id=user.id, village_id=user.village_id
        )


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
    """An admin sets a new password; the user's sessions and tokens end. A supervisor's is
    set only from the command line (``by_id`` None), as their role is: an admin who set it
    could act as the supervisor who checks them."""
    if by_id is not None and Role.SUPERVISOR in user.roles:
        raise SupervisorPasswordFromCommandLine(user_id=user.id)
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
