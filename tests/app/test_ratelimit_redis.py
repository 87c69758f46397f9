"""With RATELIMIT_STORAGE_URI=redis://..., failed logins are counted in Redis, where every
application process sees them."""

import socket
import uuid

import pytest
import redis

from app import create_app
from app.extensions import limiter
from tests.conftest import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on 127.0.0.1:6379")
def test_failed_logins_are_counted_in_redis(db, village, make_user):
    user = make_user(village, username=f"redis-{uuid.uuid4().hex[:8]}")
    app = create_app(
        {
            "TESTING": True,
            "CUNYUE_DATABASE": db,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-key",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
        }
    )
    store = redis.Redis.from_url(REDIS_URL)
    try:
        client = app.test_client()
        for _ in range(10):
            r = client.post("/login", data={"username": user.username, "password": "wrong-one"})
            assert r.status_code == 401
        keys = [k.decode() for k in store.keys(f"*login-user:{user.username}*")]
        assert keys, "the per-username counter is not in Redis"
        r = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert r.status_code == 429
    finally:
        limiter.reset()
        store.close()
