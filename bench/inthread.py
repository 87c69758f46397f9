"""The app on a fresh SQLite database, served from a thread: for the browser benches
(bench/scan.py, bench/phone.py), which need a real server but not gunicorn."""

from __future__ import annotations

import logging
import os
import tempfile
import threading


def fresh_app(name: str):
    """A migrated, empty SQLite database in a temporary folder and the app on it."""
    from app import create_app
    from points.db import Database
    from tests.dbutil import reset_database

    url = f"sqlite:///{tempfile.mkdtemp(prefix=f'cunyue-{name}-')}/{name}.db"
    reset_database(url)
    db = Database(url)
    os.environ.setdefault("LEDGER_KEY", "bench-ledger-key")
    app = create_app({"TESTING": False, "CUNYUE_DATABASE": db, "SECRET_KEY": f"bench-{name}"})
    return app, db


def serve(app):
    """Serve ``app`` from a daemon thread, quietly; returns the server and its base URL."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("cunyue.requests").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"
