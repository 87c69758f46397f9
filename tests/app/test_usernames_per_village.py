"""Usernames are unique within a village: an admin of one village cannot learn which names
another village's users have, and a login name shared by users of different villages still
logs each of them in (finding 8 of issue 14)."""

from __future__ import annotations

import pytest

from points import county as county_service
from points import users
from points.errors import DuplicateUsername
from points.models import Role
from tests.conftest import PASSWORD


def _resident_body(username, password="a-long-password", number="8001"):
    return {
        "household_number": number,
        "name": "赵小红",
        "username": username,
        "password": password,
    }


def test_an_admin_cannot_learn_another_villages_usernames(
    client, village, other_village, make_user, token_for
):
    make_user(other_village, username="zhaoxh")
    h = token_for(make_user(village, roles=[Role.ADMIN]))
    # Taken in the other village only: the name is free here, and nothing tells otherwise.
    r = client.post("/api/v1/residents", json=_resident_body("zhaoxh"), headers=h)
    assert r.status_code == 201, r.json
    # Taken in this village: 409 duplicate_username, as the API promises.
    r = client.post("/api/v1/residents", json=_resident_body("zhaoxh", number="8002"), headers=h)
    assert r.status_code == 409 and r.json["error"] == "duplicate_username"
    assert r.json["message"] == "该用户名已被使用。"


def test_namesakes_of_two_villages_each_log_in_to_their_own_account(
    app, village, other_village, session
):
    here = users.create_user(
        session,
        username="wangli",
        password="password-here",
        village_id=village.id,
        roles=[Role.HOST],
    )
    there = users.create_user(
        session,
        username="wangli",
        password="password-there",
        village_id=other_village.id,
        roles=[Role.HOST],
    )
    session.commit()
    c = app.test_client()
    r = c.post("/api/v1/auth/token", json={"username": "wangli", "password": "password-here"})
    assert r.status_code == 200 and r.json["user"]["village"]["code"] == village.code
    r = c.post("/api/v1/auth/token", json={"username": "wangli", "password": "password-there"})
    assert r.status_code == 200 and r.json["user"]["village"]["code"] == other_village.code
    r = c.post("/login", data={"username": "wangli", "password": "password-there"})
    assert r.status_code == 302
    assert c.get("/api/v1/me").json["user"]["id"] == there.id != here.id


def test_namesakes_with_one_password_need_the_village_code(app, village, other_village, session):
    for v in (village, other_village):
        users.create_user(
            session, username="lihua", password=PASSWORD, village_id=v.id, roles=[Role.HOST]
        )
    session.commit()
    c = app.test_client()
    r = c.post("/login", data={"username": "lihua", "password": PASSWORD})
    assert r.status_code == 401 and "用户名@村代码" in r.get_data(as_text=True)
    r = c.post("/login", data={"username": f"lihua@{other_village.code}", "password": PASSWORD})
    assert r.status_code == 302
    assert c.get("/api/v1/me").json["user"]["village"]["code"] == other_village.code
    r = c.post(
        "/api/v1/auth/token", json={"username": f"lihua@{village.code}", "password": PASSWORD}
    )
    assert r.status_code == 200 and r.json["user"]["village"]["code"] == village.code
    wrong = c.post(
        "/api/v1/auth/token", json={"username": "lihua@no-such-village", "password": PASSWORD}
    )
    assert wrong.status_code == 401


def test_the_password_is_checked_as_often_whoever_has_the_name(
    monkeypatch, session, village, other_village, make_village
):
    """No timing tells how many villages have a user of a name, or whether any has."""
    calls = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    for n, v in enumerate((village, other_village)):
        users.create_user(
            session,
            username="zhou",
            password=f"password-{n}",
            village_id=v.id,
            roles=[Role.HOST],
        )
    many = [make_village() for _ in range(users.MAX_NAMESAKES + 1)]
    for v in many:
        users.create_user(
            session, username="chen", password=PASSWORD, village_id=v.id, roles=[Role.HOST]
        )
    for name, password in (
        ("nobody-at-all", PASSWORD),
        ("zhou", "password-1"),
        ("zhou", "wrong-password"),
        ("chen", PASSWORD),
    ):
        calls.clear()
        try:
            users.authenticate(session, name, password)
        except users.InvalidCredentials:
            pass
        assert len(calls) == users.MAX_NAMESAKES, name
    # More namesakes than are tried: a bare name logs none of them in; name@code does.
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(session, "chen", PASSWORD)
    assert users.authenticate(session, f"chen@{many[-1].code}", PASSWORD).village_id == many[-1].id


def test_county_officers_keep_one_namespace(session, village, make_user):
    make_user(village, username="officer-li")
    county = county_service.create_county(session, code="cty", name="测试县")
    officer = county_service.create_officer(
        session, county=county, username="officer-li", password=PASSWORD
    )
    assert officer.village_id is None
    with pytest.raises(DuplicateUsername):
        county_service.create_officer(
            session, county=county, username="officer-li", password=PASSWORD
        )
