"""Logout and a password change end every session of the user: a session or remember-me
cookie captured before them, replayed afterwards, logs no one in, and bearer tokens stop."""

from tests.conftest import PASSWORD

NEW = "new-password-1"


def _login(client, user, remember=False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    r = client.post("/login", data=data)
    assert r.status_code == 302, r.data
    return r


def _cookies(client) -> dict[str, str]:
    return {
        name: client.get_cookie(name).value
        for name in ("session", "remember_token")
        if client.get_cookie(name) is not None
    }


def _replay(app, cookies: dict[str, str], only: str | None = None):
    """A fresh browser carrying the captured cookies (or only one of them)."""
    thief = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            thief.set_cookie(name, value)
    return thief


def test_a_captured_session_cookie_does_not_outlive_logout(app, village, make_user):
    u = make_user(village, roles=["host"])
    victim = app.test_client()
    _login(victim, u)
    captured = _cookies(victim)
    assert _replay(app, captured).get("/staff").status_code == 200  # it did work before
    assert victim.post("/logout").status_code == 302
    assert _replay(app, captured).get("/staff").status_code == 302
    assert _replay(app, captured).get("/api/v1/me").status_code == 401


def test_a_captured_remember_cookie_does_not_outlive_logout(app, village, make_user):
    u = make_user(village, roles=["host"])
    victim = app.test_client()
    _login(victim, u, remember=True)
    captured = _cookies(victim)
    assert "remember_token" in captured
    assert _replay(app, captured, only="remember_token").get("/staff").status_code == 200
    victim.post("/logout")
    assert _replay(app, captured, only="remember_token").get("/staff").status_code == 302


def test_the_remember_cookie_differs_at_every_login(app, village, make_user):
    u = make_user(village)
    first, second = app.test_client(), app.test_client()
    _login(first, u, remember=True)
    _login(second, u, remember=True)
    assert _cookies(first)["remember_token"] != _cookies(second)["remember_token"]


def test_logout_ends_the_users_bearer_tokens_and_other_sessions(app, village, make_user, token_for):
    u = make_user(village, roles=["host"])
    headers = token_for(u)
    phone, office = app.test_client(), app.test_client()
    _login(phone, u)
    _login(office, u)
    other = make_user(village, roles=["host"])
    other_headers = token_for(other)
    phone.post("/logout")
    assert office.get("/staff").status_code == 302
    r = app.test_client().get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    # Another user's token is untouched.
    assert app.test_client().get("/api/v1/me", headers=other_headers).status_code == 200


def test_a_password_change_ends_captured_cookies_and_tokens_but_not_the_changer(
    app, village, make_user, token_for
):
    u = make_user(village, roles=["host"])
    headers = token_for(u)
    changer, elsewhere = app.test_client(), app.test_client()
    _login(changer, u, remember=True)
    _login(elsewhere, u, remember=True)
    captured = _cookies(changer)
    captured_elsewhere = _cookies(elsewhere)
    r = changer.post(
        "/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert r.status_code == 302
    assert changer.get("/staff").status_code == 200  # the one changing stays logged in
    for cookies in (captured, captured_elsewhere):
        for name in ("session", "remember_token"):
            assert _replay(app, cookies, only=name).get("/staff").status_code == 302, name
    assert elsewhere.get("/staff").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    # The changer's new remember cookie works and is not the one captured.
    fresh = _cookies(changer)
    assert fresh["remember_token"] != captured["remember_token"]
    assert _replay(app, fresh, only="remember_token").get("/staff").status_code == 200
