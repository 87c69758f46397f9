"""Card payloads, check-in tokens and bearer tokens stay out of log lines: gunicorn's access
log as ``make run`` configures it, the development server's request log and the app's log."""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from app import create_app
from points import cards
from points.models import Resident

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "log-test-secret"


def _run_options() -> list[str]:
    """The access-log options of the gunicorn command in the Makefile's ``run`` target."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    logfile = re.search(r"--access-logfile (\S+)", recipe)
    logger = re.search(r"--logger-class (\S+)", recipe)
    assert logfile and logger, "make run writes an access log through a redacting logger"
    return ["--access-logfile", logfile[1], "--logger-class", logger[1]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, target: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", target, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_gunicorns_access_log_keeps_no_card_payload_or_token(tmp_path):
    payload = cards.payload_for(SECRET, Resident(id=7, village_id=1, card_version=1))
    bearer = "cy_" + "s3cret" * 6
    event_token = "EVT" + "x9" * 12
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "SECRET_KEY": SECRET,
        "CUNYUE_INSTANCE": str(tmp_path / "instance"),
    }
    env.pop("TEST_DATABASE_URL", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}", *_run_options()]
            + ["app:create_app()"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # until gunicorn answers (it is starting, not timing anything)
            try:
                _get(port, "/login", {})
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        headers = {
            "Authorization": f"Bearer {bearer}",
            "Referer": f"http://127.0.0.1:{port}/shop/counter?card={payload}",
        }
        _get(port, f"/shop/counter?card={payload}&household=12", headers)
        _get(port, f"/c/{event_token}", headers)
        _get(port, f"/api/v1/me?token={bearer}", headers)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log_path.read_text()
    lines = [line for line in text.splitlines() if '"GET /' in line]
    assert len(lines) >= 4, text
    for secret in (payload, payload[:12], bearer, event_token):
        assert secret not in text
    assert any("/shop/counter?card=…&household=12" in line for line in lines), text
    assert any("GET /c/… HTTP/1.1" in line for line in lines), text


def test_the_development_servers_request_log_is_redacted(db, caplog):
    create_app({"TESTING": True, "CUNYUE_DATABASE": db, "SECRET_KEY": "k"})
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "04/Dec/2026 10:00:00",
            "GET /shop/counter?card=CY1SECRETPAYLOAD&lang=zh HTTP/1.1",
            "302",
            "-",
        )
    (record,) = [r for r in caplog.records if r.name == "werkzeug"]
    assert "CY1SECRETPAYLOAD" not in record.getMessage()
    assert "GET /shop/counter?card=…&lang=zh HTTP/1.1" in record.getMessage()
