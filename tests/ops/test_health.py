"""/healthz and /readyz: 200 while the database answers and the disk has room, else 503."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from points import backup
from tests.dbutil import database_url_for_tests, reset_database
from tests.ops.opsutil import ops_app
from tests.ops.test_autobackup import fake_backup


def _drop(url: str) -> None:
    path = backup.sqlite_file(url)
    if path is not None:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{u.database}" WITH (FORCE)'))
    admin.dispose()


def test_healthz_answers_503_when_the_database_is_gone(tmp_path, fixed_clock):
    url = database_url_for_tests("_health")
    reset_database(url)
    folder = tmp_path / "backups"
    fake_backup(folder, fixed_clock.now - timedelta(hours=5))
    app = ops_app(url, folder)
    client = app.test_client()
    r = client.get("/healthz")
    assert r.status_code == 200, r.json
    assert r.json["ok"] is True and r.json["disk_free_mb"]["instance"] > 0
    assert r.json["last_backup"]["age_hours"] == 5.0 and r.json["last_backup"]["verified"]
    assert r.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["schema"]

    app.extensions["cunyue_db"].dispose()
    _drop(url)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["ok"] is False and r.json["problems"] == ["database"]
    assert client.get("/readyz").status_code == 503
    if backup.sqlite_file(url) is not None:
        assert not backup.sqlite_file(url).exists()  # asking did not make an empty one
    app.extensions["cunyue_db"].dispose()
    reset_database(url)


def test_healthz_answers_503_when_the_disk_is_nearly_full(tmp_path):
    url = database_url_for_tests("_health")
    reset_database(url)
    app = ops_app(url, tmp_path / "backups", HEALTH_MIN_FREE_MB=10**12)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["problems"] == ["disk"]
    assert r.json["last_backup"] is None
    app.extensions["cunyue_db"].dispose()


def test_readyz_is_503_before_the_database_is_migrated(tmp_path):
    from tests.dbutil import migrate

    url = database_url_for_tests("_health")
    reset_database(url)
    migrate(url, "e6a000000001", down=True)
    app = ops_app(url, tmp_path / "backups")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["problems"] == ["schema"]
    app.extensions["cunyue_db"].dispose()
    reset_database(url)
