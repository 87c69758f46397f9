"""flask copy-database: a village's SQLite database copied into an empty database (PostgreSQL
on the PostgreSQL run), verified by the chain heads on both sides."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from points import ledger, residents
from points.db import Database
from points.models import AuditLog, EntryKind
from tests.dbutil import database_url_for_tests, reset_database
from tests.ops.opsutil import figures, ops_app, seeded

pytestmark = pytest.mark.concurrency


def test_copy_to_an_empty_database_keeps_every_chain_and_the_target_goes_on(tmp_path):
    source_url = f"sqlite:///{tmp_path / 'village.db'}"
    source = seeded(source_url)
    target_url = database_url_for_tests("_copy")
    reset_database(target_url)
    app = ops_app(source_url, tmp_path / "backups")

    result = app.test_cli_runner().invoke(args=["copy-database", "--to", target_url])
    assert result.exit_code == 0, result.output
    assert "ok " in result.output and "18 entries, 6 chain heads, the same on both sides" in (
        result.output
    )
    assert "ledger_entries: 18" in result.output and "residents: 6" in result.output
    target = Database(target_url)
    assert figures(target) == figures(source)
    with source.session(write=False) as s, s.begin():
        audits = s.scalar(select(func.count(AuditLog.id)))
    with target.session(write=False) as s, s.begin():
        assert s.scalar(select(func.count(AuditLog.id))) == audits

    # the copy's ids go on from the copied ones (PostgreSQL's sequences were moved on)
    with target.session() as s, s.begin():
        village_id = s.scalar(select(AuditLog.village_id).limit(1))
        r = residents.create_resident(s, village_id=village_id, household_number="900", name="新户")
        ledger.append(s, household_id=r.household_id, amount=4, kind=EntryKind.AWARD)
    with target.session(write=False) as s, s.begin():
        report = ledger.verify(s)
    assert report.ok and report.entries == 19

    # a second copy into the same database is refused, and changes nothing
    again = app.test_cli_runner().invoke(args=["copy-database", "--to", target_url])
    assert again.exit_code == 1 and "already holds data" in again.output
    assert figures(target)[0] == 19
    target.dispose()
    source.dispose()
    app.extensions["cunyue_db"].dispose()
