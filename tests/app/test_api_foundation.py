"""The foundation's API contract: tokens, me, households, residents, errors, isolation."""

import inspect

import pytest
from sqlalchemy import func, select

from points import ledger, residents
from points.models import EntryKind, Household, IdempotencyRecord, Resident
from tests.conftest import PASSWORD


@pytest.fixture
def admin(village, make_user):
    return make_user(village, roles=["admin"], username="cunweihui")


def test_token_and_me(client, admin, village):
    r = client.post("/api/v1/auth/token", json={"username": "cunweihui", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json
    assert body["token"].startswith("cy_")
    assert body["user"]["roles"] == ["admin", "clerk", "host"]
    assert body["user"]["village"] == {"id": village.id, "code": "home", "name": "幸福村"}
    h = {"Authorization": "Bearer " + body["token"]}
    me = client.get("/api/v1/me", headers=h).json
    assert me["user"]["id"] == admin.id and me["resident"] is None and me["household"] is None
    assert client.delete("/api/v1/auth/token", headers=h).json == {"revoked": True}
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json["error"] == "unauthorized" and r.json["message"]


def test_bad_credentials_and_bad_bodies(client, admin):
    r = client.post("/api/v1/auth/token", json={"username": "cunweihui", "password": "nope-nope"})
    assert r.status_code == 401 and r.json["error"] == "invalid_credentials"
    for body in (
        None,
        [],
        "x",
        {"username": "a"},
        {"username": 1, "password": 2},
        {"username": "a", "password": "b", "extra": 1},
    ):
        r = client.post("/api/v1/auth/token", json=body)
        assert r.status_code == 400 and r.json["error"] == "bad_request", body
        assert r.json["fields"]
    r = client.post("/api/v1/auth/token", data="not json", content_type="application/json")
    assert r.status_code == 400


def test_me_for_a_resident(
    client, village, make_household, make_resident, make_user, token_for, session
):
    h = make_household(village, "3001")
    r = make_resident(village, h, name="王秀英", phone="13800001111")
    ledger.post(session, household_id=h.id, amount=12, kind=EntryKind.AWARD, resident_id=r.id)
    session.commit()
    u = make_user(village, roles=["resident"], resident=r)
    me = client.get("/api/v1/me", headers=token_for(u)).json
    assert me["resident"]["name"] == "王秀英"
    assert me["household"] == {
        "id": h.id,
        "number": "3001",
        "balance": 12,
        "pending": 0,
        "honour_score": 12,
    }
    detail = client.get(f"/api/v1/households/{h.id}", headers=token_for(u)).json
    assert detail["members"][0]["phone_masked"] == "138****1111"
    assert "13800001111" not in str(detail)


def test_household_list_search_and_paging(
    client, admin, token_for, village, make_resident, make_household
):
    make_resident(village, make_household(village, "1001"), name="张建国")
    make_resident(village, make_household(village, "1002"), name="李明")
    h = token_for(admin)
    items = client.get("/api/v1/households?q=zjg", headers=h).json["items"]
    assert [(i["number"], i["head_name"]) for i in items] == [("1001", "张建国")]
    assert set(items[0]) >= {"id", "number", "head_name", "group", "balance"}
    page1 = client.get("/api/v1/households?limit=1", headers=h).json
    page2 = client.get(f"/api/v1/households?limit=1&cursor={page1['next_cursor']}", headers=h).json
    assert [page1["items"][0]["number"], page2["items"][0]["number"]] == ["1001", "1002"]
    assert page2["next_cursor"] is None
    for bad in ("limit=0", "limit=501", "limit=abc", "cursor=@@@"):
        r = client.get(f"/api/v1/households?{bad}", headers=h)
        assert r.status_code == 400 and r.json["error"] == "bad_request", bad


def test_household_ledger_newest_first(client, admin, token_for, village, make_household, session):
    h = make_household(village, "1")
    for amount in (5, 7, -3):
        ledger.post(
            session,
            household_id=h.id,
            amount=amount,
            kind=EntryKind.AWARD if amount > 0 else EntryKind.REDEMPTION,
        )
    session.commit()
    body = client.get(f"/api/v1/households/{h.id}/ledger?limit=2", headers=token_for(admin)).json
    assert [(e["amount"], e["balance_after"], e["kind"]) for e in body["items"]] == [
        (-3, 9, "redemption"),
        (7, 12, "award"),
    ]
    rest = client.get(
        f"/api/v1/households/{h.id}/ledger?limit=2&cursor={body['next_cursor']}",
        headers=token_for(admin),
    ).json
    assert [e["amount"] for e in rest["items"]] == [5] and rest["next_cursor"] is None
    assert set(body["items"][0]) >= {
        "id",
        "amount",
        "kind",
        "resident_id",
        "rule_code",
        "order_id",
        "note",
        "created_at",
        "balance_after",
    }


def test_create_resident_with_login(client, admin, token_for, village, session):
    h = token_for(admin)
    body = {
        "household_number": "8001",
        "name": "赵小红",
        "phone": "13700000000",
        "group": "第三组",
        "username": "zhaoxh",
        "password": "a-long-password",
    }
    r = client.post("/api/v1/residents", json=body, headers=h)
    assert r.status_code == 201
    assert r.json["name"] == "赵小红" and r.json["household"]["number"] == "8001"
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "zhaoxh", "password": "a-long-password"}
        ).status_code
        == 200
    )
    r = client.post("/api/v1/residents", json={**body, "phone": None}, headers=h)
    assert r.status_code == 409 and r.json["error"] == "duplicate_username"
    r = client.post(
        "/api/v1/residents",
        json={"household_number": "8001", "name": "x", "phone": "13700000000"},
        headers=h,
    )
    assert r.status_code == 409 and r.json["error"] == "duplicate_phone"
    count = session.scalar(select(func.count(Resident.id)).where(Resident.village_id == village.id))
    assert count == 1


@pytest.mark.parametrize(
    "body,fields",
    [
        ({}, {"household_number", "name"}),
        ({"household_number": "1", "name": ""}, {"name"}),
        ({"household_number": "no spaces!", "name": "甲"}, {"household_number"}),
        ({"household_number": "1", "name": "甲", "phone": "call me"}, {"phone"}),
        ({"household_number": "1", "name": "甲" * 51}, {"name"}),
        ({"household_number": "1", "name": "甲", "username": "ok-name"}, {"password"}),
        (
            {"household_number": "1", "name": "甲", "username": "x", "password": "short"},
            {"username", "password"},
        ),
        ({"household_number": 1, "name": "甲"}, {"household_number"}),
        ({"household_number": "1", "name": "甲", "boss": True}, {"boss"}),
    ],
)
def test_create_resident_bad_input_changes_nothing(client, admin, token_for, session, body, fields):
    before = session.scalar(select(func.count(Household.id)))
    r = client.post("/api/v1/residents", json=body, headers=token_for(admin))
    assert r.status_code == 400, r.json
    assert r.json["error"] == "bad_request" and set(r.json["fields"]) == fields
    assert all(r.json["fields"].values())
    assert session.scalar(select(func.count(Household.id))) == before


def test_one_schema_serves_request_after_request(client, admin, token_for, session):
    # Each endpoint's schema is built once: one request's errors or values never reach the next.
    h = token_for(admin)
    r = client.post("/api/v1/residents", json={"household_number": 1, "boss": True}, headers=h)
    assert r.status_code == 400 and set(r.json["fields"]) == {"household_number", "name", "boss"}
    r = client.post("/api/v1/residents", json={"household_number": "77", "name": "甲"}, headers=h)
    assert r.status_code == 201 and r.json["name"] == "甲"
    r = client.post("/api/v1/residents", json={"name": "乙"}, headers=h)
    assert r.status_code == 400 and set(r.json["fields"]) == {"household_number"}
    r = client.post("/api/v1/residents", json={"household_number": "78", "name": "丙"}, headers=h)
    assert r.status_code == 201 and r.json["name"] == "丙"
    assert session.scalar(select(func.count(Resident.id)).where(Resident.name == "乙")) == 0


def test_error_messages_follow_the_language(client, admin, token_for):
    h = token_for(admin)
    zh = client.post("/api/v1/residents", json={}, headers=h).json
    assert zh["message"] == "部分输入有误。" and zh["fields"]["name"] == "必填"
    en = client.post("/api/v1/residents?lang=en", json={}, headers=h).json
    assert en["message"] == "Some of the input is not valid." and en["fields"]["name"] == "required"


def test_idempotent_create_resident(client, admin, token_for, session):
    h = {**token_for(admin), "Idempotency-Key": "add-1"}
    body = {"household_number": "9", "name": "孙悟空"}
    first = client.post("/api/v1/residents", json=body, headers=h)
    again = client.post("/api/v1/residents", json=body, headers=h)
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert session.scalar(select(func.count(Resident.id)).where(Resident.name == "孙悟空")) == 1
    other = client.post("/api/v1/residents", json={**body, "name": "猪八戒"}, headers=h)
    assert other.status_code == 409 and other.json["error"] == "idempotency_mismatch"
    assert session.scalar(select(func.count(IdempotencyRecord.id))) == 1
    r = client.post("/api/v1/residents", json=body, headers={**h, "Idempotency-Key": "k" * 65})
    assert r.status_code == 400


def test_another_villages_ids_answer_404(
    client, village, other_village, make_user, make_household, make_resident, token_for
):
    theirs = make_household(other_village, "1")
    make_resident(other_village, theirs, name="外村人")
    admin = make_user(village, roles=["admin"])
    h = token_for(admin)
    for path in (f"/api/v1/households/{theirs.id}", f"/api/v1/households/{theirs.id}/ledger"):
        r = client.get(path, headers=h)
        assert r.status_code == 404 and r.json["error"] == "not_found"
    assert client.get("/api/v1/households?q=外村人", headers=h).json["items"] == []
    # Creating a resident with the same household number creates one in MY village only.
    r = client.post(
        "/api/v1/residents", json={"household_number": "1", "name": "本村人"}, headers=h
    )
    assert r.status_code == 201 and r.json["household"]["id"] != theirs.id


def test_ledger_verify_endpoint(client, village, make_user, make_household, token_for, session):
    h = make_household(village, "1")
    ledger.post(session, household_id=h.id, amount=3, kind=EntryKind.AWARD)
    session.commit()
    sup = make_user(village, roles=["supervisor"])
    body = client.get("/api/v1/ledger/verify", headers=token_for(sup)).json
    assert body == {"ok": True, "entries": 1, "households": 1, "problems": []}


def test_unknown_paths_and_methods_are_json(client, admin, token_for):
    h = token_for(admin)
    r = client.get("/api/v1/nothing-here", headers=h)
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.put("/api/v1/me", headers=h)
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"


def test_ids_beyond_32_bits_are_bad_input_not_a_database_error(client, admin, token_for):
    """PostgreSQL ids are 32-bit: 2**31 used to reach the database and fail with a 500."""
    h, big = token_for(admin), 2**31
    r = client.get(f"/api/v1/awards?household_id={big}", headers=h)
    assert r.status_code == 400 and r.json["fields"] == {"household_id": "超出范围"}, r.json
    for path, body, field in (
        ("/api/v1/awards", {"resident_id": big, "rule_id": 1}, "resident_id"),
        ("/api/v1/awards/bulk", {"resident_ids": [big], "rule_id": 1}, "resident_ids"),
        ("/api/v1/redemptions", {"household_id": big, "lines": []}, "household_id"),
    ):
        r = client.post(path, json=body, headers=h)
        assert r.status_code == 400 and field in r.json["fields"], (path, r.json)


def test_a_write_the_database_refuses_as_a_duplicate_is_a_conflict_not_a_500(
    client, admin, token_for, village, make_household, session, monkeypatch
):
    # Two admins add household 8002 at the same instant: both domain checks ran before
    # either committed, so the second insert meets the database's (village, number) rule.
    # The check is made to miss here, as it would in that race.
    make_household(village, number="8002")
    monkeypatch.setattr(residents, "find_household_by_number", lambda *a, **k: None)
    body = {"household_number": "8002", "name": "钱多多"}
    r = client.post("/api/v1/residents", json=body, headers=token_for(admin))
    assert r.status_code == 409
    assert r.json["error"] == "conflict" and r.json["message"] == "与当前状态冲突。"
    assert session.scalar(select(func.count(Household.id)).where(Household.number == "8002")) == 1


def test_views_and_hooks_are_checked_for_coroutines_once(app, monkeypatch):
    asked = []
    check = inspect.iscoroutinefunction
    monkeypatch.setattr(inspect, "iscoroutinefunction", lambda f: asked.append(f) or check(f))

    def view():
        return "plain"

    async def coroutine_view():
        return "async"

    assert app.ensure_sync(view) is view
    assert app.ensure_sync(view) is view
    assert asked == [view]  # asked once, then remembered
    closures = [lambda i=i: i for i in range(50)]  # as a hook made afresh for each request
    assert [app.ensure_sync(f) for f in closures] == closures
    assert asked == [view, closures[0]]  # one body: asked once, one answer kept
    with pytest.raises(RuntimeError, match="async"):  # as Flask: needs its async extra
        app.ensure_sync(coroutine_view)
