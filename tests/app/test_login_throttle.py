"""Failed logins are throttled per (account, client), per client and per account, and no one
can lock an account out of a device where it logged in before (finding 5 of issue 14)."""

from __future__ import annotations

from app import create_app
from app.ratelimits import DEVICE_COOKIE
from tests.conftest import PASSWORD

WRONG = "wrong-wrong"


def _login(client, username, password, address="127.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_of_others_do_not_lock_the_owner_out_of_a_known_device(
    app, village, make_user, fixed_clock
):
    """Behind an unconfigured proxy every client is 127.0.0.1: the attacker and the owner
    share an address. The owner's phone, where they logged in before, still gets in."""
    owner = make_user(village, roles=["host"])
    phone = app.test_client()
    assert _login(phone, owner.username, PASSWORD).status_code == 302
    assert phone.get_cookie(DEVICE_COOKIE) is not None
    phone.post("/logout")
    attacker = app.test_client()
    # Ten from the shared address, then from ten more addresses: the account's counters and
    # the shared address's are full.
    for i in range(100):
        address = "127.0.0.1" if i < 10 else f"10.0.{i // 10}.{i % 10}"
        r = _login(attacker, owner.username, WRONG, address)
        assert r.status_code in (401, 429)
    assert _login(attacker, owner.username, PASSWORD).status_code == 429
    assert _login(attacker, owner.username, PASSWORD, "10.99.0.1").status_code == 429
    # The right password from the owner's phone still works.
    assert _login(phone, owner.username, PASSWORD).status_code == 302
    assert phone.get("/staff").status_code == 200


def test_a_known_devices_own_failures_are_counted_apart(app, village, make_user, fixed_clock):
    owner = make_user(village)
    phone = app.test_client()
    assert _login(phone, owner.username, PASSWORD).status_code == 302
    for _ in range(10):
        assert _login(phone, owner.username, WRONG).status_code == 401
    assert _login(phone, owner.username, PASSWORD).status_code == 429  # the phone waits ...
    other = app.test_client()  # ... the owner's other devices, even at the same address, do not
    assert _login(other, owner.username, PASSWORD).status_code == 302
    fixed_clock.advance(minutes=15)
    assert _login(phone, owner.username, PASSWORD).status_code == 302


def test_a_device_cookie_of_another_account_or_forged_is_not_known(
    app, village, make_user, fixed_clock
):
    owner, victim = make_user(village), make_user(village)
    browser = app.test_client()
    assert _login(browser, owner.username, PASSWORD).status_code == 302
    genuine = browser.get_cookie(DEVICE_COOKIE).value
    # Known for its own account only: for the victim the attempts count as a stranger's.
    for _ in range(10):
        assert _login(browser, victim.username, WRONG).status_code == 401
    assert _login(browser, victim.username, PASSWORD).status_code == 429
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, genuine[:-3] + ("AAA" if genuine[-3:] != "AAA" else "BBB"))
    assert _login(forged, victim.username, PASSWORD).status_code == 429


def test_the_account_backstop_slows_guessing_from_many_addresses(
    app, village, make_user, fixed_clock
):
    owner = make_user(village)
    client = app.test_client()
    for i in range(100):
        assert _login(client, owner.username, WRONG, f"10.1.{i // 9}.{i % 9}").status_code == 401
    assert _login(client, owner.username, PASSWORD, "10.2.0.1").status_code == 429
    fixed_clock.advance(hours=24)
    assert _login(client, owner.username, PASSWORD, "10.2.0.1").status_code == 302


def test_the_token_endpoint_shares_the_counters(client, village, make_user, fixed_clock):
    owner = make_user(village)
    for _ in range(5):
        assert _login(client, owner.username, WRONG).status_code == 401
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={"username": owner.username, "password": WRONG})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": owner.username, "password": PASSWORD})
    assert r.status_code == 429 and r.json["error"] == "rate_limited"


def _proxied_app(db, proxies):
    return create_app(
        {
            "TESTING": True,
            "CUNYUE_DATABASE": db,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-key",
            "CUNYUE_PROXIES": proxies,
        }
    )


def test_behind_a_configured_proxy_clients_are_told_apart(db, village, make_user, fixed_clock):
    owner = make_user(village)
    app = _proxied_app(db, 1)

    def attempt(password, forwarded_for):
        return app.test_client().post(  # a new browser each time: no known device
            "/login",
            data={"username": owner.username, "password": password},
            headers={"X-Forwarded-For": forwarded_for},
        )

    for _ in range(10):
        assert attempt(WRONG, "203.0.113.9").status_code == 401
    assert attempt(PASSWORD, "203.0.113.9").status_code == 429
    # The owner at another address, behind the same proxy, gets in.
    assert attempt(PASSWORD, "198.51.100.7").status_code == 302
    # Only the address the one trusted proxy saw counts: a client's own X-Forwarded-For
    # entry in front of it changes nothing.
    assert attempt(PASSWORD, "198.51.100.8, 203.0.113.9").status_code == 429


def test_without_the_setting_x_forwarded_for_is_ignored(db, village, make_user, fixed_clock):
    owner = make_user(village)
    client = _proxied_app(db, 0).test_client()
    for i in range(10):
        r = client.post(
            "/login",
            data={"username": owner.username, "password": WRONG},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        )
        assert r.status_code == 401
    r = client.post(
        "/login",
        data={"username": owner.username, "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert r.status_code == 429  # a forged header does not make a new client


def test_hsts_is_sent_behind_a_configured_https_proxy(db):
    proxied = _proxied_app(db, 1).test_client()
    r = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in proxied.get("/login").headers
    direct = _proxied_app(db, 0).test_client()
    r = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers
