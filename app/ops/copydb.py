"""Copy a whole database to another (SQLite to PostgreSQL, or a new file), verified by the
ledger's chain heads on both sides. The target is migrated to head first and must be empty;
the source must be at head too (``alembic upgrade head``), so both have the same tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import points.models  # noqa: F401  (registers the tables)
import store.models  # noqa: F401
from points import backup, ledger
from points.db import Base

BATCH = 2000


class CopyRefused(backup.BackupError):
    code = "copy_refused"


@dataclass
class Copied:
    rows: dict[str, int] = field(default_factory=dict)
    source: ledger.VerifyReport | None = None
    target: ledger.VerifyReport | None = None

    @property
    def heads_match(self) -> bool:
        return (
            self.source is not None
            and self.target is not None
            and self.source.entries == self.target.entries
            and sorted(self.source.heads) == sorted(self.target.heads)
        )


def _schema(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def copy_database(source: Engine, target: Engine) -> Copied:
    """Copy every table's rows, in an order that satisfies the foreign keys, then set
    PostgreSQL's id sequences past the copied ids and verify both ledgers."""
    done = Copied()
    with source.connect() as src, target.connect() as dst:
        src_schema, dst_schema = _schema(src), _schema(dst)
        if src_schema != dst_schema:
            raise CopyRefused(
                detail=f"the source is at schema {src_schema}, the target at {dst_schema}: "
                "upgrade the source first (alembic upgrade head)"
            )
        if dst.scalar(select(func.count()).select_from(Base.metadata.tables["villages"])):
            raise CopyRefused(detail="the target database already holds data")
        src.rollback()  # end the look-ups' transactions: the copy has its own
        dst.rollback()
        with src.begin():
            trans = dst.begin()
            try:
                _copy_rows(src, dst, done)
                with Session(bind=src) as s:
                    done.source = ledger.verify(s)
                with Session(bind=dst) as s:
                    done.target = ledger.verify(s)
            except BaseException:
                trans.rollback()
                raise
            if done.heads_match and done.target.ok:
                trans.commit()
            else:
                trans.rollback()  # nothing half copied stays
    return done


def _copy_rows(src, dst, done: Copied) -> None:
    for table in Base.metadata.sorted_tables:
        if not inspect(src).has_table(table.name):
            continue
        count = 0
        key = list(table.primary_key.columns)
        result = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*key))
        for rows in result.mappings().partitions(BATCH):
            dst.execute(table.insert(), [dict(r) for r in rows])
            count += len(rows)
        done.rows[table.name] = count
        if dst.dialect.name == "postgresql" and "id" in table.c and count:
            dst.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            )
