"""With RATELIMIT_STORAGE_URI=redis://..., failed logins are counted in Redis, where every
application process sees them (and nothing is written to the database's counters)."""

import socket
import uuid

import pytest
import redis
from sqlalchemy import func, select

from app import create_app
from points.throttle import LoginFailureCount
from tests.conftest import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on 127.0.0.1:6379")
def test_failed_logins_are_counted_in_redis(db, session, village, make_user, fixed_clock):
    user = make_user(village, username=f"redis-{uuid.uuid4().hex[:8]}")
    app = create_app(
        {
            "TESTING": True,
            "CUNYUE_DATABASE": db,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": f"redis-{uuid.uuid4().hex}",  # keys of this test only
            "RATELIMIT_STORAGE_URI": REDIS_URL,
        }
    )
    store = redis.Redis.from_url(REDIS_URL)
    try:
        before = set(store.keys("cunyue:login-failures:*"))
        client = app.test_client()
        for _ in range(10):
            r = client.post("/login", data={"username": user.username, "password": "wrong-one"})
            assert r.status_code == 401
        new = set(store.keys("cunyue:login-failures:*")) - before
        # (account, client), client and account: three counters, each at 10.
        assert len(new) == 3 and {int(store.get(k)) for k in new} == {10}
        assert all(0 < store.ttl(k) <= 24 * 60 * 60 for k in new)
        r = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert r.status_code == 429
        assert session.scalar(select(func.count()).select_from(LoginFailureCount)) == 0
    finally:
        app.extensions["cunyue_login_counts"].client.close()
        store.close()
