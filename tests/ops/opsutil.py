"""A committed database of its own for the operations tests, and an app bound to it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from points import ledger, residents, villages
from points.db import Database
from points.models import EntryKind, Household, LedgerEntry
from tests.dbutil import reset_database


def ops_app(url: str, backups: Path, **extra):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "ops-test-key",
            "DATABASE_URL": url,
            "BACKUP_DIR": str(backups),
            "BACKUP_AUTO": False,
            **extra,
        }
    )


def seeded(url: str, *, households: int = 6, code: str = "ops") -> Database:
    """A fresh migrated database at ``url`` with a village whose households hold points."""
    reset_database(url)
    db = Database(url)
    with db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="备份村")
        for i in range(households):
            r = residents.create_resident(
                s, village_id=v.id, household_number=f"{i + 1:03d}", name=f"张{i}国",
                phone=f"1380000{i:04d}",
            )  # fmt: skip
            for amount in (10, 5, -3):
                kind = EntryKind.AWARD if amount > 0 else EntryKind.DEDUCTION
                ledger.append(
                    s, household_id=r.household_id, amount=amount, kind=kind, resident_id=r.id
                )
    return db


def figures(db: Database) -> tuple[int, dict[int, int]]:
    """(entries, balance by household) as committed."""
    with db.session(write=False) as s:
        entries = s.scalar(select(func.count(LedgerEntry.id)))
        balances = dict(s.execute(select(Household.id, Household.balance)).all())
    return entries, balances
