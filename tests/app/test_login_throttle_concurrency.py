"""Failed logins made at the same moment are each counted once, in the database on SQLite
and PostgreSQL and in Redis: counters are added to in one statement, never read and
written back."""

from __future__ import annotations

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from app import create_app
from app.ratelimits import PER_ACCOUNT, LoginAttempt
from points import throttle, users, villages
from points.models import Role

pytestmark = pytest.mark.concurrency
REDIS_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "long-enough-1"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_parallel_failures_are_each_counted_in_the_database(real_db):
    at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    name = uuid.uuid4().hex
    counters = [throttle.Counter(f"{name}-{n}", 900, at) for n in range(3)]

    def fail(_):
        with real_db.session() as s, s.begin():
            return throttle.add_failure(s, counters)

    with ThreadPoolExecutor(max_workers=16) as pool:
        after = list(pool.map(fail, range(48)))
    # Each failure saw a count of its own: no two read the same and wrote the same back.
    assert sorted(a[0] for a in after) == list(range(1, 49))
    with real_db.session(write=False) as s:
        assert throttle.counts(s, counters) == [48, 48, 48]


STORES = [
    "database",
    pytest.param("redis", marks=pytest.mark.skipif(not _redis_up(), reason="no Redis")),
]


@pytest.mark.parametrize("store", STORES)
def test_parallel_failed_logins_over_http_are_each_counted(real_db, store, fixed_clock):
    storage = REDIS_URL if store == "redis" else ""
    app = create_app(
        {
            "TESTING": True,
            "CUNYUE_DATABASE": real_db,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": f"throttle-{uuid.uuid4().hex}",  # keys of this test only
            "CUNYUE_PROXIES": 1,
            "RATELIMIT_STORAGE_URI": storage,
        }
    )
    code = f"thr-{store[:2]}-{uuid.uuid4().hex[:6]}"
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="限流村")
        users.create_user(
            s, username=code, password=PASSWORD, village_id=v.id, roles=[Role.RESIDENT]
        )

    def fail(i):
        # 40 clients (addresses behind the proxy) at once, so only the account's counter is
        # shared: every one of them must land in it.
        r = app.test_client().post(
            "/api/v1/auth/token",
            json={"username": code, "password": "wrong-wrong"},
            headers={"X-Forwarded-For": f"10.7.{i // 200}.{i % 200}"},
        )
        return r.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(fail, range(40)))
    assert statuses == [401] * 40
    with app.test_request_context("/api/v1/auth/token", method="POST"):
        attempt = LoginAttempt(code)
        account = attempt.counters[attempt.limits.index(PER_ACCOUNT)]
        if store == "database":
            with real_db.session(write=False) as s:
                assert throttle.counts(s, [account]) == [40]
        else:
            assert attempt.store.counts([account]) == [40]
            attempt.store.client.close()
