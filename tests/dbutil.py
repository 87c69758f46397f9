"""Test databases: the suite runs on SQLite by default, on PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT
from points import tables
from points.models import AuditLog

_TMP = Path(tempfile.mkdtemp(prefix="cunyue-tests-"))


def database_url_for_tests(suffix: str = "") -> str:
    """The URL of the suite's database (or of a sibling database named with ``suffix``)."""
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        return f"sqlite:///{_TMP / ('test' + suffix + '.db')}"
    if not suffix:
        return url
    u = make_url(url)
    return u.set(database=f"{u.database}{suffix}").render_as_string(hide_password=False)


def reset_database(url: str) -> None:
    """An empty database at ``url`` (created when missing), migrated to the latest revision."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database)
        for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
    else:
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
        engine = create_engine(u, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate(url, "head")


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    if down:
        command.downgrade(cfg, revision)
    else:
        command.upgrade(cfg, revision)


def row_counts(session) -> dict[str, int]:
    """Rows per table; a test's own logins are recorded in the audit log by design, and are
    not counted as a change the bad input made."""
    session.expire_all()
    counts = {
        t.name: session.scalar(select(func.count()).select_from(t))
        for t in tables.metadata.sorted_tables
    }
    logins = select(func.count()).select_from(AuditLog).where(AuditLog.action == "user.login")
    counts["audit_log"] -= session.scalar(logins)
    return counts
