"""c14000000002 scopes usernames by village: an existing database keeps its users, their
tokens and every foreign key through the upgrade (SQLite copies the table), and the
downgrade refuses while users of two villages share a name."""

from datetime import timedelta

import pytest
from sqlalchemy import MetaData, insert, select, text

from points import users
from points.clock import now
from points.db import Database, make_engine
from points.models import ApiToken, Role, User
from tests.dbutil import database_url_for_tests, migrate, reset_database


def test_upgrade_keeps_users_and_downgrade_refuses_shared_names():
    url = database_url_for_tests("_migrations")
    reset_database(url)
    migrate(url, "c14000000001", down=True)
    # Rows written through the tables as they were then (reflected), not today's models,
    # whose later columns the old tables do not have.
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    at = now()
    with engine.begin() as conn:
        a, b = (
            conn.execute(
                insert(t["villages"]).values(
                    code=code, name=name, county_name="", town_name="", timezone="Asia/Shanghai",
                    objection_days=7, expiry_mode="none", expiry_month=12, expiry_day=31,
                    created_at=at,
                )
            ).inserted_primary_key[0]
            for code, name in (("mig-a", "甲村"), ("mig-b", "乙村"))
        )  # fmt: skip
        zhang = conn.execute(
            insert(t["users"]).values(
                username="zhang", password_hash=users.hash_password("password-a"), full_name="",
                active=True, village_id=a, session_version=1, created_at=at,
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(
            insert(t["api_tokens"]).values(
                user_id=zhang, token_hash="f" * 64, expires_at=at + timedelta(1), created_at=at
            )
        )
    engine.dispose()
    database = Database(url)
    migrate(url, "head")
    with database.session() as s, s.begin():
        assert s.get(User, zhang).username == "zhang"
        users.create_user(
            s, username="zhang", password="password-b", village_id=b, roles=[Role.HOST]
        )
    with database.session(write=False) as s:
        assert s.scalar(select(ApiToken.user_id)) == zhang
    with pytest.raises(RuntimeError, match="share the names"):
        migrate(url, "c14000000001", down=True)
    with database.session() as s, s.begin():
        # (raw: the refused downgrade may have taken later migrations' columns already)
        for sql in (
            "DELETE FROM user_roles WHERE user_id IN (SELECT id FROM users WHERE village_id = :b)",
            "DELETE FROM users WHERE village_id = :b",
        ):
            s.execute(text(sql), {"b": b})
    migrate(url, "c14000000001", down=True)
    migrate(url, "head")
    database.dispose()
