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


def test_a_database_of_the_first_release_backs_up_upgrades_and_keeps_its_ledger(tmp_path):
    """Rows written as the first migration's schema had them (hashed as the ledger hashes
    them), a backup of that database as `make run` takes it, then the upgrade to head: the
    chains, heads and balances are those written, and the ledger goes on from them."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import MetaData, insert, select

    from app import create_app
    from points import ledger
    from points.db import Database
    from points.models import EntryKind, Household

    url = database_url_for_tests("_migrations")
    reset_database(url)
    migrate(url, "base", down=True)
    migrate(url, "a1f0c0de0001")
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    at = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    written = {}  # household id -> (seq, head, balance, honour)
    with engine.begin() as conn:
        village_id = conn.execute(
            insert(t["villages"]).values(
                code="old", name="老村", county_name="", town_name="", timezone="Asia/Shanghai",
                objection_days=7, expiry_mode="none", expiry_month=12, expiry_day=31,
                created_at=at,
            )
        ).inserted_primary_key[0]  # fmt: skip
        for n, amounts in enumerate([(10, 5, -3), (20,), (8, -8, 4, 1)], start=1):
            hid = conn.execute(
                insert(t["households"]).values(
                    village_id=village_id, number=f"{n:03d}", address="", balance=0, pending=0,
                    honour_score=0, ledger_seq=0, ledger_head=ledger.GENESIS, created_at=at,
                )
            ).inserted_primary_key[0]  # fmt: skip
            rid = conn.execute(
                insert(t["residents"]).values(
                    village_id=village_id, household_id=hid, name=f"李{n}", name_initials="l",
                    name_pinyin="li", phone=None, is_head=True, status="active", card_version=1,
                    created_at=at,
                )
            ).inserted_primary_key[0]  # fmt: skip
            prev, balance = ledger.GENESIS, 0
            for seq, amount in enumerate(amounts, start=1):
                balance += amount
                kind = EntryKind.AWARD if amount > 0 else EntryKind.DEDUCTION
                when = at + timedelta(days=seq)
                values = dict(
                    household_id=hid, seq=seq, resident_id=rid, amount=amount,
                    honour_delta=amount, kind=kind.value, rule_version_id=None,
                    source_type=None, source_id=None, reverses_id=None, created_by_id=None,
                    created_at=when, balance_after=balance, note=f"第{seq}笔",
                )  # fmt: skip
                text_ = ledger._canonical_values([values[n] for n in ledger._NAMES])
                digest = ledger._plain_hash(prev, text_)  # written before the ledger key
                conn.execute(
                    insert(t["ledger_entries"]).values(prev_hash=prev, hash=digest, **values)
                )
                prev = digest
            conn.execute(
                t["households"].update().where(t["households"].c.id == hid).values(
                    balance=balance, honour_score=balance, ledger_seq=len(amounts), ledger_head=prev
                )
            )  # fmt: skip
            written[hid] = (len(amounts), prev, balance)
    engine.dispose()

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": url,
                      "BACKUP_DIR": str(tmp_path), "BACKUP_AUTO": False})  # fmt: skip
    result = app.test_cli_runner().invoke(args=["backup", "--if-data"])
    app.extensions["cunyue_db"].dispose()
    assert result.exit_code == 0, result.output
    assert "schema a1f0c0de0001" in result.output and "8 entries, 3 chain heads" in result.output

    migrate(url, "head")
    database = Database(url)
    with database.session(write=False) as s, s.begin():
        report = ledger.verify(s)
        figures = {h.id: h.balance for h in s.scalars(select(Household))}
    assert report.ok, report.problems
    assert report.entries == 8
    assert sorted(report.heads) == sorted((h, seq, head) for h, (seq, head, _b) in written.items())
    assert (
        figures
        == {h: b for h, (_s, _h, b) in written.items()}
        == dict(zip(sorted(written), [12, 20, 5], strict=True))
    )
    first = min(written)
    with database.session() as s, s.begin():
        ledger.append(s, household_id=first, amount=3, kind=EntryKind.AWARD)
    with database.session(write=False) as s, s.begin():
        report = ledger.verify(s)
        assert report.ok and report.entries == 9
        assert s.get(Household, first).balance == 15
    database.dispose()
