"""c14000000002 scopes usernames by village: an existing database keeps its users, their
tokens and every foreign key through the upgrade (SQLite copies the table), and the
downgrade refuses while users of two villages share a name."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from points import users, villages
from points.clock import now
from points.db import Database
from points.models import ApiToken, Role, User
from tests.dbutil import database_url_for_tests, migrate, reset_database


def test_upgrade_keeps_users_and_downgrade_refuses_shared_names():
    url = database_url_for_tests("_migrations")
    reset_database(url)
    migrate(url, "c14000000001", down=True)
    database = Database(url)
    with database.session() as s, s.begin():
        a = villages.create_village(s, code="mig-a", name="甲村")
        b = villages.create_village(s, code="mig-b", name="乙村")
        # Through the table as it was (one namespace): the columns of before.
        s.execute(
            User.__table__.insert(),
            [
                {
                    "username": "zhang",
                    "password_hash": users.hash_password("password-a"),
                    "full_name": "",
                    "active": True,
                    "village_id": a.id,
                    "session_version": 1,
                    "created_at": now(),
                },
            ],
        )
        zhang = s.scalar(select(User.id).where(User.username == "zhang"))
        s.add(ApiToken(user_id=zhang, token_hash="f" * 64, expires_at=now() + timedelta(1)))
    migrate(url, "head")
    with database.session() as s, s.begin():
        assert s.get(User, zhang).username == "zhang"
        users.create_user(
            s, username="zhang", password="password-b", village_id=b.id, roles=[Role.HOST]
        )
    with database.session(write=False) as s:
        assert s.scalar(select(ApiToken.user_id)) == zhang
    with pytest.raises(RuntimeError, match="share the names"):
        migrate(url, "c14000000001", down=True)
    with database.session() as s, s.begin():
        s.delete(s.scalar(select(User).where(User.village_id == b.id)))
    migrate(url, "c14000000001", down=True)
    migrate(url, "head")
    database.dispose()
