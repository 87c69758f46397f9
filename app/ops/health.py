"""GET /healthz (liveness: the database answers, the disk has room) and GET /readyz
(readiness: also the schema at the migrations' head), for monitoring. Anyone may ask."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from sqlalchemy import text

from app.config import PROJECT_ROOT
from app.ops.backups import backup_folder, database_url
from points import backup
from points.clock import now


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()


def _schema() -> str | None:
    """The database's schema version; raises when the database does not answer."""
    source = backup.sqlite_file(database_url(current_app))
    if source is not None and not source.exists():
        # connecting would create an empty file
        raise FileNotFoundError(str(source))
    database = current_app.extensions["cunyue_db"]
    with database.session(write=False) as session:
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _free_mb(path: Path) -> int | None:
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free // (1024 * 1024)
    except OSError:
        return None


def check(*, ready: bool) -> tuple[dict, bool]:
    problems = []
    try:
        schema = _schema()
    except Exception:  # any failure to answer is the answer  # noqa: BLE001
        schema = None
        problems.append("database")
    if ready and not problems and schema != head_revision():
        problems.append("schema")
    folders = {"instance": Path(current_app.instance_path), "backups": backup_folder(current_app)}
    free = {name: _free_mb(path) for name, path in folders.items()}
    least = current_app.config["HEALTH_MIN_FREE_MB"]
    if any(mb is not None and mb < least for mb in free.values()):
        problems.append("disk")
    body: dict = {"ok": not problems, "disk_free_mb": free}
    if problems:
        body["problems"] = problems
    if ready:
        body["schema"] = schema
    last = backup.last_backup(folders["backups"])
    body["last_backup"] = (
        {
            "at": last.created_at.isoformat(),
            "age_hours": round((now() - last.created_at).total_seconds() / 3600, 1),
            "verified": last.verified,
            "size": last.size,
        }
        if last
        else None
    )
    return body, not problems


def register(app: Flask) -> None:
    def answer(ready: bool):
        body, ok = check(ready=ready)
        response = jsonify(body)
        response.status_code = 200 if ok else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/healthz")
    def healthz():
        return answer(False)

    @app.get("/readyz")
    def readyz():
        return answer(True)
