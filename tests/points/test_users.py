"""Logins, roles, passwords and tokens."""

from datetime import timedelta

import pytest

from points import users
from points.errors import DuplicateUsername, ValidationFailed
from points.models import Role, UserRole


def test_admin_implies_host_and_clerk(session, village):
    u = users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["admin"]
    )
    assert u.roles == {Role.ADMIN, Role.HOST, Role.CLERK}
    assert u.has_role("host") and not u.has_role("supervisor")


def test_bad_and_duplicate_users(session, village):
    users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["host"]
    )
    with pytest.raises(DuplicateUsername):
        users.create_user(
            session, username="cwork", password="long-enough", village_id=village.id, roles=["host"]
        )
    with pytest.raises(ValidationFailed) as exc:
        users.create_user(
            session, username="a", password="short", village_id=village.id, roles=["boss"]
        )
    assert set(exc.value.fields) == {"username", "password", "roles"}


def test_authenticate_and_passwords(session, village):
    u = users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["host"]
    )
    assert users.authenticate(session, "cwork", "long-enough").id == u.id
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(session, "cwork", "wrong-password")
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(session, "nobody", "long-enough")
    with pytest.raises(users.WrongPassword):
        users.change_password(session, u, current="nope", new="another-long-one")
    version = u.session_version
    users.change_password(session, u, current="long-enough", new="another-long-one")
    assert u.session_version == version + 1
    assert users.authenticate(session, "cwork", "another-long-one").id == u.id
    users.set_active(session, u, False, by_id=None)
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(session, "cwork", "another-long-one")


def test_password_hash_is_strong_by_default(monkeypatch):
    """The suite hashes with fast PBKDF2 (conftest); the module's own default is scrypt."""
    from tests.conftest import PRODUCTION_PASSWORD_METHOD

    assert PRODUCTION_PASSWORD_METHOD == "scrypt"
    monkeypatch.setattr(users, "PASSWORD_METHOD", PRODUCTION_PASSWORD_METHOD)
    hashed = users.hash_password("long-enough-pw")
    assert hashed.startswith("scrypt:") and "long-enough-pw" not in hashed


def test_tokens_expire_and_revoke(session, village, fixed_clock):
    u = users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["host"]
    )
    token, row = users.issue_token(session, u)
    assert row.token_hash != token and len(row.token_hash) == 64  # stored hashed
    assert users.actor_for_token(session, token).id == u.id
    fixed_clock.advance(days=31)
    assert users.actor_for_token(session, token) is None
    token2, _ = users.issue_token(session, u, lifetime=timedelta(hours=1))
    assert users.revoke_token(session, token2) is True
    assert users.actor_for_token(session, token2) is None
    token3, _ = users.issue_token(session, u)
    users.reset_password(session, u, new="brand-new-pass", by_id=None)
    assert users.actor_for_token(session, token3) is None


def test_token_actor_has_the_roles_held_in_its_own_village(session, village, other_village):
    u = users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["admin"]
    )
    session.add(UserRole(user_id=u.id, village_id=other_village.id, role=Role.SUPERVISOR))
    session.flush()
    token, _ = users.issue_token(session, u)
    actor = users.actor_for_token(session, token)
    assert (actor.id, actor.village_id, actor.resident_id) == (u.id, village.id, None)
    assert actor.roles == {Role.ADMIN, Role.HOST, Role.CLERK}  # admin brings host and clerk
    assert all(type(role) is Role for role in actor.roles)
    users.set_roles(session, u, [], by_id=None)
    actor = users.actor_for_token(session, token)
    assert actor.id == u.id and actor.roles == frozenset()
    u.active = False  # the query's own check (set_active also revokes the tokens)
    session.flush()
    assert users.actor_for_token(session, token) is None


def test_cannot_remove_own_admin_role(session, village):
    u = users.create_user(
        session, username="cwork", password="long-enough", village_id=village.id, roles=["admin"]
    )
    with pytest.raises(ValidationFailed):
        users.set_roles(session, u, ["host"], by_id=u.id)
    with pytest.raises(ValidationFailed):
        users.set_active(session, u, False, by_id=u.id)
    with pytest.raises(ValidationFailed):  # nor give themself the supervisor's (issue 14)
        users.set_roles(session, u, ["admin", "supervisor"], by_id=u.id)
    assert Role.SUPERVISOR not in u.roles


def test_the_supervisor_role_comes_from_the_command_line_or_the_county(
    session, village, make_village
):
    """The four-eyes rule holds between people: a village's admin can neither make a
    supervisor's login, nor add or remove the role, nor make anyone admin and supervisor at
    once; the command line (no acting login) and the village's county officer can
    (issue 14, finding 3). Every change is in the list the supervisors read."""
    from points import county as counties

    admin = users.create_user(
        session, username="cw-admin", password="long-enough", village_id=village.id, roles=["admin"]
    )
    host = users.create_user(
        session, username="cw-host", password="long-enough", village_id=village.id, roles=["host"]
    )
    for roles in (["supervisor"], ["admin", "supervisor"]):
        with pytest.raises(ValidationFailed) as caught:
            users.create_user(
                session,
                username="second-me",
                password="long-enough",
                village_id=village.id,
                roles=roles,
                by_id=admin.id,
            )
        assert "roles" in caught.value.fields
    for who, roles in ((host, ["host", "supervisor"]), (admin, ["admin", "supervisor"])):
        with pytest.raises(ValidationFailed):
            users.set_roles(session, who, roles, by_id=admin.id)
        assert Role.SUPERVISOR not in who.roles
    # From the command line: allowed, even both at once (a small village's installer).
    sup = users.create_user(
        session,
        username="cw-sup",
        password="long-enough",
        village_id=village.id,
        roles=["supervisor"],
    )
    with pytest.raises(ValidationFailed):  # the admin cannot take it away either
        users.set_roles(session, sup, ["host"], by_id=admin.id)
    with pytest.raises(ValidationFailed):  # nor make the supervisor an admin too
        users.set_roles(session, sup, ["supervisor", "admin"], by_id=admin.id)
    users.set_roles(session, sup, ["supervisor", "host"], by_id=admin.id)  # other roles: yes
    users.set_roles(session, host, ["host", "supervisor"], by_id=None)
    assert Role.SUPERVISOR in host.roles
    # The county's officer may; another county's may not.
    home = counties.create_county(session, code="cw-county", name="本县")
    counties.attach_village(session, home, village)
    officer = counties.create_officer(
        session, county=home, username="cw-officer", password="long-enough", full_name="县局"
    )
    users.set_roles(session, host, ["host"], by_id=officer.id)
    assert Role.SUPERVISOR not in host.roles
    away = counties.create_county(session, code="cw-away", name="外县")
    stranger = counties.create_officer(
        session, county=away, username="cw-stranger", password="long-enough", full_name="外县"
    )
    with pytest.raises(ValidationFailed):
        users.set_roles(session, host, ["host", "supervisor"], by_id=stranger.id)
    changes = users.role_changes(session, village.id)
    assert [(c.action, c.login, c.by) for c in changes[:3]] == [
        ("user.roles", "cw-host", "cw-officer"),
        ("user.roles", "cw-host", None),
        ("user.roles", "cw-sup", "cw-admin"),
    ]
    assert changes[0].before == {"roles": ["host", "supervisor"]}
