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


def test_downgrade_below_repeated_check_ins_is_refused():
    """g8a000000001 lets a resident be checked in again after an undo; the schema before it
    cannot hold that, and attendance rows are never deleted: the downgrade says so and
    leaves the database as it was."""
    from datetime import timedelta

    import pytest

    from points import events, residents, villages
    from points.clock import now
    from points.db import Database
    from tests.eventutil import make_event, make_rule

    url = database_url_for_tests("_migrations")
    reset_database(url)
    migrate(url, "e6a000000001", down=True)  # nothing repeated yet: down and up again
    migrate(url, "head")
    database = Database(url)
    with database.session() as s, s.begin():
        v = villages.create_village(s, code="downgrade", name="回退村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="张建国")
        event = make_event(s, v, make_rule(s, v), start=now() - timedelta(minutes=5))
        events.open_event(s, event, by_id=None)
        first = events.check_in(s, event=event, resident=r, method="card", by_id=None)
        events.undo_checkin(s, attendance=first.attendance, reason="扫错了卡", by_id=None)
        events.check_in(s, event=event, resident=r, method="card", by_id=None)
    database.dispose()
    with pytest.raises(RuntimeError, match="checked in again after an undo"):
        migrate(url, "e6a000000001", down=True)
    engine = make_engine(url)
    with engine.connect() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("attendances")}
        assert "uq_attendances_event_id_resident_id_active" in indexes
    engine.dispose()


def test_chains_written_before_the_ledger_key_verify_after_the_upgrade(monkeypatch):
    """p17a00000001 seals each existing chain (plain SHA-256) under the ledger key: after the
    upgrade the old entries verify, new ones are keyed, and the chain runs on."""
    from points import ledger, residents, villages
    from points.board_models import LedgerAnchor
    from points.db import Database
    from points.models import EntryKind

    url = database_url_for_tests("_migrations")
    reset_database(url)
    database = Database(url)
    # Entries hashed as the code hashed them before the key (written with today's models, so
    # later migrations' columns are there), then the schema taken back to just before the
    # key's migration, which drops the seals and leaves the plain chains.
    with monkeypatch.context() as m:
        m.setattr(ledger, "_hash", ledger._plain_hash)
        with database.session() as s, s.begin():
            v = villages.create_village(s, code="legacy", name="旧账村")
            r = residents.create_resident(s, village_id=v.id, household_number="1", name="张建国")
            hid = r.household_id
            for amount in (5, 7):
                last = ledger.post(s, household_id=hid, amount=amount, kind=EntryKind.AWARD)
            head = last.hash
    database.dispose()
    migrate(url, _down_revision_of("p17a00000001"), down=True)
    database = Database(url)
    migrate(url, "head")
    with database.session() as s, s.begin():
        anchor = s.get(LedgerAnchor, hid)
        assert (anchor.seq, anchor.head) == (2, head)
        assert ledger.verify(s).ok
        new = ledger.post(s, household_id=hid, amount=3, kind=EntryKind.AWARD)
        assert new.hash != ledger._plain_hash(new.prev_hash, ledger.canonical(new))
    with database.session() as s, s.begin():
        report = ledger.verify(s)
        assert report.ok and report.entries == 3, report.problems
    database.dispose()
    migrate(url, "f7a000000001", down=True)  # the downgrade drops the seals
    migrate(url, "head")


def _down_revision_of(revision: str) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.config import PROJECT_ROOT

    script = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    return script.get_revision(revision).down_revision
