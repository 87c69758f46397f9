"""Four gunicorn workers, as ``make run`` starts them, count failed logins together: ten
wrong passwords for an account from one client, sent at once and so spread over the
workers, stop the eleventh attempt (with counters in each worker's memory, as before, each
worker saw a few and let the right password in)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from points import users, villages
from points.db import Database
from points.models import Role
from points.throttle import LoginFailureCount
from tests.app.gunicornutil import gunicorn, request
from tests.dbutil import reset_database

pytestmark = pytest.mark.concurrency
PASSWORD = "right-password-1"


def test_four_workers_count_one_clients_failures_together(tmp_path):
    url = f"sqlite:///{tmp_path / 'workers.sqlite'}"
    reset_database(url)
    database = Database(url)
    with database.session() as s, s.begin():
        v = villages.create_village(s, code="workers", name="多进程村")
        user = users.create_user(
            s, username="owner", password=PASSWORD, village_id=v.id, roles=[Role.RESIDENT]
        )
        # The production hash (scrypt): each check takes a while, so attempts sent at once
        # overlap and the workers share them.
        user.password_hash = generate_password_hash(PASSWORD, method="scrypt")

    def token(password):
        body = json.dumps({"username": "owner", "password": password}).encode()
        status, _ = request(
            port, "POST", "/api/v1/auth/token", {"Content-Type": "application/json"}, body
        )
        return status

    env = {"DATABASE_URL": url, "SECRET_KEY": "workers-secret"}
    with gunicorn(tmp_path, env, "--workers", "4", "--threads", "1") as (port, _log):
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(token, ["wrong-password"] * 10))
        assert statuses == [401] * 10
        assert token(PASSWORD) == 429
    with database.session(write=False) as s:
        counts = sorted(s.scalars(select(LoginFailureCount.count)))
    database.dispose()
    # The (account, client), client and account counters: each counted all ten.
    assert counts == [10, 10, 10]
