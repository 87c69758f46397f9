"""Login, logout, passwords, rate limits and CSRF over HTTP."""

from sqlalchemy import select

from points.models import AuditLog
from tests.conftest import PASSWORD


def test_login_logout_and_home_redirects(client, village, make_user, make_resident):
    staff = make_user(village, roles=["host"])
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.location
    r = client.post("/login", data={"username": staff.username, "password": PASSWORD})
    assert r.status_code == 302 and r.location == "/"
    assert client.get("/").location.endswith("/staff")
    assert client.get("/staff").status_code == 200
    r = client.post("/logout")
    assert r.status_code == 302
    assert client.get("/staff").status_code == 302


def test_wrong_password_is_401_with_message(client, village, make_user):
    u = make_user(village)
    r = client.post("/login", data={"username": u.username, "password": "nope-nope-nope"})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.get_data(as_text=True)


def test_login_form_bad_input_is_400(client):
    r = client.post("/login", data={"username": "", "password": ""})
    assert r.status_code == 400
    assert "该字段是必填字段" in r.get_data(as_text=True)


def test_next_parameter_stays_on_site(client, village, make_user):
    u = make_user(village)
    r = client.post(
        "/login?next=https://evil.example/x", data={"username": u.username, "password": PASSWORD}
    )
    assert r.location == "/"
    r = client.post(
        "/login?next=/admin/households", data={"username": u.username, "password": PASSWORD}
    )
    assert r.location == "/admin/households"


def test_failed_logins_are_limited_per_account_and_address(client, village, make_user):
    u = make_user(village)
    for _ in range(10):
        r = client.post("/login", data={"username": u.username, "password": "wrong-wrong"})
        assert r.status_code == 401
    r = client.post("/login", data={"username": u.username, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 15 * 60
    assert "尝试次数过多" in r.get_data(as_text=True)
    # Another username from the same address is not yet blocked ...
    other = make_user(village)
    assert (
        client.post("/login", data={"username": other.username, "password": PASSWORD}).status_code
        == 302
    )
    # ... nor the same username from another address.
    r = client.post(
        "/login",
        data={"username": u.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert r.status_code == 302


def test_failed_logins_are_limited_per_address(client, village, make_user):
    u = make_user(village)
    for i in range(30):
        client.post("/login", data={"username": f"nobody{i}", "password": "wrong-wrong"})
    assert (
        client.post("/login", data={"username": u.username, "password": PASSWORD}).status_code
        == 429
    )
    # Another address is not affected.
    r = client.post(
        "/login",
        data={"username": u.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert r.status_code == 302


def test_successful_logins_do_not_count(client, village, make_user):
    u = make_user(village)
    for _ in range(15):
        assert (
            client.post("/login", data={"username": u.username, "password": PASSWORD}).status_code
            == 302
        )


def test_token_endpoint_rate_limited(client, village, make_user):
    u = make_user(village)
    for _ in range(10):
        r = client.post(
            "/api/v1/auth/token", json={"username": u.username, "password": "wrong-wrong"}
        )
        assert r.status_code == 401 and r.json["error"] == "invalid_credentials"
    r = client.post("/api/v1/auth/token", json={"username": u.username, "password": PASSWORD})
    assert r.status_code == 429 and r.json["error"] == "rate_limited"
    assert r.json["message"] == "尝试次数过多，请稍后再试。" and "Retry-After" in r.headers


def test_a_bearer_token_does_not_lift_the_token_endpoint_limit(
    client, village, make_user, token_for
):
    headers = token_for(make_user(village, roles=["host"]))
    u = make_user(village)
    for _ in range(10):
        r = client.post(
            "/api/v1/auth/token",
            json={"username": u.username, "password": "wrong-wrong"},
            headers=headers,
        )
        assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/token", json={"username": u.username, "password": PASSWORD}, headers=headers
    )
    assert r.status_code == 429 and r.json["error"] == "rate_limited"
    # The token still works where there is no limit.
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_change_password(client, village, make_user, login, session):
    u = make_user(village)
    login(u)
    r = client.post(
        "/password",
        data={
            "current_password": "wrong",
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert r.status_code == 400 and "当前密码不正确" in r.get_data(as_text=True)
    r = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new-password-1",
            "confirm": "other-password",
        },
    )
    assert r.status_code == 400
    r = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert r.status_code == 302
    assert client.get("/staff").status_code in (200, 403)  # still logged in after the change
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"username": u.username, "password": "new-password-1"}
        ).status_code
        == 302
    )
    assert session.scalar(select(AuditLog.id).where(AuditLog.action == "user.password")) is not None


def test_password_change_ends_other_sessions(app, village, make_user, login):
    u = make_user(village, roles=["host"])
    first, second = app.test_client(), app.test_client()
    login(u, first)
    login(u, second)
    assert second.get("/staff").status_code == 200
    first.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert second.get("/staff").status_code == 302  # the old session is no longer valid


def test_a_bearer_token_acts_for_its_user_whatever_the_session_cookie(
    client, village, make_user, login, token_for
):
    cookie_user = make_user(village, roles=["host"])
    token_user = make_user(village, roles=["clerk"])
    login(cookie_user)
    assert client.get("/api/v1/me").json["user"]["username"] == cookie_user.username
    headers = token_for(token_user)
    assert client.get("/api/v1/me", headers=headers).json["user"]["username"] == (
        token_user.username
    )
    # A bad token is refused: the request does not fall back to the cookie.
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer cy_not-a-token"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"
    # Pages do not read bearer tokens: the cookie's user is the one logged in there.
    assert client.get("/staff", headers=headers).status_code == 200
    assert client.get("/api/v1/me").json["user"]["username"] == cookie_user.username


def test_sessions_follow_a_changed_secret_key(app, client, village, make_user, login):
    login(make_user(village, roles=["host"]))
    assert client.get("/staff").status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "rotated-key"
    assert client.get("/staff").status_code == 200  # signed with the old key, a fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    app.secret_key = "another-key"
    assert client.get("/staff").status_code == 302  # no key it was signed with is left


def test_remember_me_cookie(client, village, make_user):
    u = make_user(village)
    r = client.post("/login", data={"username": u.username, "password": PASSWORD, "remember": "y"})
    assert "remember_token=" in " ".join(r.headers.getlist("Set-Cookie"))


def test_csrf_is_enforced_on_forms_and_cookie_api_writes(csrf_app, village, make_user):
    u = make_user(village)
    c = csrf_app.test_client()
    assert c.post("/login", data={"username": u.username, "password": PASSWORD}).status_code == 400
    page = c.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        c.post(
            "/login", data={"username": u.username, "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    r = c.post("/api/v1/residents", json={"household_number": "1", "name": "甲"})
    assert r.status_code == 400 and r.json["error"] == "csrf"
    r = c.post(
        "/api/v1/residents",
        json={"household_number": "1", "name": "甲"},
        headers={"X-CSRFToken": token},
    )
    assert r.status_code == 201


def test_security_headers(client):
    r = client.get("/login")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_security_headers_on_api_answers_once_each(client, village, make_user, token_for):
    headers = token_for(make_user(village))
    for r in (
        client.get("/api/v1/me", headers=headers),
        client.get("/api/v1/no-such-thing", headers=headers),
        client.get("/api/v1/me"),
    ):
        for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert len(r.headers.getlist(name)) == 1, name
        assert r.headers.getlist("Content-Security-Policy")[0].startswith("default-src 'self';")
        assert len(r.headers.getlist("Content-Security-Policy")) == 1
    r = client.get("/api/v1/me", headers=headers, base_url="https://cunyue.example")
    assert r.headers.getlist("Strict-Transport-Security") == ["max-age=31536000"]


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    r = client.get("/login", base_url="https://cunyue.example")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
