"""Card payloads, check-in tokens and bearer tokens stay out of log lines: gunicorn's access
log as ``make run`` configures it, the development server's request log and the app's log."""

from __future__ import annotations

import logging

from app import create_app
from points import cards
from points.models import Resident
from tests.app.gunicornutil import gunicorn, request, run_log_options

SECRET = "log-test-secret"


def test_gunicorns_access_log_keeps_no_card_payload_or_token(tmp_path):
    payload = cards.payload_for(SECRET, Resident(id=7, village_id=1, card_version=1))
    bearer = "cy_" + "s3cret" * 6
    event_token = "EVT" + "x9" * 12
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "SECRET_KEY": SECRET}
    options = ["--workers", "1", *run_log_options()]
    with gunicorn(tmp_path, env, *options) as (port, log_path):
        headers = {
            "Authorization": f"Bearer {bearer}",
            "Referer": f"http://127.0.0.1:{port}/shop/counter?card={payload}",
        }
        request(port, "GET", f"/shop/counter?card={payload}&household=12", headers)
        request(port, "GET", f"/c/{event_token}", headers)
        request(port, "GET", f"/api/v1/me?token={bearer}", headers)
    text = log_path.read_text()
    lines = [line for line in text.splitlines() if '"GET /' in line]
    assert len(lines) >= 4, text
    for secret in (payload, payload[:12], bearer, event_token):
        assert secret not in text
    assert any("/shop/counter?card=…&household=12" in line for line in lines), text
    assert any("GET /c/… HTTP/1.1" in line for line in lines), text
    # and the app's own request log, one JSON line a request, names routes, not paths
    assert sum('"status"' in line for line in text.splitlines()) >= 3, text


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
