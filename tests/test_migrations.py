"""Every migration upgrades, downgrades to nothing and upgrades again, and matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from points.db import Base, make_engine
from tests.dbutil import database_url_for_tests, migrate, reset_database


def test_round_trip_and_no_drift():
    url = database_url_for_tests("_migrations")
    reset_database(url)
    migrate(url, "base", down=True)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    migrate(url, "head")
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata
        )
    engine.dispose()
    assert diff == [], diff
