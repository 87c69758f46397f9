"""One JSON line a request, with no personal data, card payload or token in it."""

from __future__ import annotations

import json
import logging

from app.ops import reqlog
from points.models import Role
from tests.conftest import PASSWORD

NAME, PHONE = "欧阳建国", "13912345678"


def test_log_lines_carry_ids_and_no_name_phone_payload_or_token(
    client, make_user, village, login, caplog
):
    admin = make_user(village, roles=(Role.ADMIN,), username="logadmin")
    caplog.set_level(logging.INFO, logger="cunyue.requests")
    token = client.post(
        "/api/v1/auth/token", json={"username": "logadmin", "password": PASSWORD}
    ).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/v1/residents",
        json={"household_number": "A-7", "name": NAME, "phone": PHONE},
        headers=bearer,
    )
    assert made.status_code == 201
    rid = made.json["id"]
    assert client.get(f"/api/v1/households?q={NAME}", headers=bearer).status_code == 200
    payload = client.get(f"/api/v1/residents/{rid}/card", headers=bearer).json["payload"]
    resolved = client.post("/api/v1/cards/resolve", json={"payload": payload}, headers=bearer)
    assert resolved.json["resident"]["name"] == NAME
    assert client.post("/api/v1/cards/resolve", json={"payload": payload + "x"}, headers=bearer)
    login(admin)
    assert client.get(f"/admin/households?q={PHONE}").status_code == 200
    assert client.get("/healthz").status_code == 200

    records = [r for r in caplog.records if r.name == "cunyue.requests"]
    text = "\n".join(r.getMessage() for r in records)
    for secret in (NAME, PHONE, payload, token, PASSWORD, "logadmin", "A-7"):
        assert secret not in text, secret
    lines = [json.loads(r.getMessage()) for r in records]
    assert [line["route"] for line in lines] == [
        "api.issue_token",
        "api.create_resident",
        "api.list_households",
        "api.get_card",
        "api.resolve_card",
        "api.resolve_card",
        "auth.login",
        "admin.households",
        "healthz",
    ]
    assert [line["status"] for line in lines] == [200, 201, 200, 200, 200, 400, 302, 200, 200]
    for line in lines:
        assert set(line) == {"time", "route", "method", "status", "ms", "user", "village"}
        assert line["ms"] >= 0
    assert [line["user"] for line in lines] == [None] + [admin.id] * 5 + [None, admin.id, admin.id]
    assert all(line["village"] == village.id for line in lines[1:6])


def test_a_configured_log_file_gets_the_lines_and_rotates(tmp_path):
    from app import create_app

    path = tmp_path / "cunyue.log"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "LOG_FILE": str(path), "LOG_MAX_BYTES": 2000,
         "LOG_BACKUP_COUNT": 2, "BACKUP_AUTO": False}
    )  # fmt: skip
    try:
        client = app.test_client()
        for _ in range(40):
            client.get("/login")
        assert json.loads(path.read_text().splitlines()[-1])["route"] == "auth.login"
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "cunyue.log",
            "cunyue.log.1",
            "cunyue.log.2",
        ]
        assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())
    finally:
        handler = reqlog._handlers.pop(str(path))
        reqlog.logger.removeHandler(handler)
        handler.close()
        app.extensions["cunyue_db"].dispose()
