"""The awards API: the worked example over HTTP, roles, village isolation and bad input."""

import base64
from datetime import date

import pytest

from points import ledger, rules
from points.models import Household, Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rule(session, village, code, points, **kw):
    terms = rules.clean_terms(
        {"title": f"规则{code}", "category": "志愿服务", "points": points, **kw}
    )
    r = rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return r


@pytest.fixture
def world(
    session,
    village,
    other_village,
    make_household,
    make_resident,
    make_user,
    token_for,
    app,
    tmp_path,
):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    h1 = make_household(village, "1001")
    wang = make_resident(village, h1, "王建国")
    li = make_resident(village, make_household(village, "1002"), "李秀英")
    stranger = make_resident(other_village, make_household(other_village, "9001"), "外村人")
    w = {
        "h1": h1,
        "wang": wang,
        "li": li,
        "stranger": stranger,
        "clean": _rule(session, village, "HJ01", 5),
        "flood": _rule(session, village, "ZY02", 10, needs_review=True),
        "claim": _rule(session, village, "SS01", 3, claimable=True),
        "photo": _rule(session, village, "ZY03", 4, evidence_required=True),
        "foreign_rule": _rule(session, other_village, "HJ01", 5),
    }
    for name, roles, resident, v in (
        ("host", (Role.HOST,), None, village),
        ("admin", (Role.ADMIN,), None, village),
        ("sup", (Role.SUPERVISOR,), None, village),
        ("clerk", (Role.CLERK,), None, village),
        ("li_user", (Role.RESIDENT,), li, village),
        ("wang_user", (Role.RESIDENT,), wang, village),
        ("other_admin", (Role.ADMIN, Role.SUPERVISOR), None, other_village),
    ):
        w[name] = token_for(make_user(v, roles=roles, resident=resident))
    return w


def test_award_review_object_dismiss_confirm(client, session, world, fixed_clock):
    w = world
    r = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["clean"].id},
        headers=w["host"],
    )
    assert r.status_code == 201 and r.json["status"] == "confirmed" and r.json["amount"] == 5

    r = client.post(
        "/api/v1/awards",
        json={
            "resident_id": w["wang"].id,
            "rule_id": w["flood"].id,
            "quantity": 2,
            "note": "防汛值守",
        },
        headers={**w["host"], "Idempotency-Key": "k1"},
    )
    assert r.status_code == 201 and r.json["status"] == "pending" and r.json["amount"] == 20
    award_id = r.json["id"]
    again = client.post(
        "/api/v1/awards",
        json={
            "resident_id": w["wang"].id,
            "rule_id": w["flood"].id,
            "quantity": 2,
            "note": "防汛值守",
        },
        headers={**w["host"], "Idempotency-Key": "k1"},
    )
    assert again.status_code == 201 and again.json["id"] == award_id
    other = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["flood"].id, "quantity": 3},
        headers={**w["host"], "Idempotency-Key": "k1"},
    )
    assert other.status_code == 409 and other.json["error"] == "idempotency_mismatch"

    me = client.get("/api/v1/me", headers=w["wang_user"]).json["household"]
    assert (me["balance"], me["pending"]) == (5, 20)

    assert (
        client.get("/api/v1/awards?status=pending", headers=w["sup"]).json["items"][0]["id"]
        == award_id
    )
    r = client.post(f"/api/v1/awards/{award_id}/approve", headers=w["admin"])
    assert r.status_code == 200 and r.json["status"] == "published" and r.json["objection_deadline"]
    board = client.get("/api/v1/awards/board", headers=w["li_user"]).json["items"]
    assert [a["id"] for a in board] == [award_id]

    r = client.post(
        f"/api/v1/awards/{award_id}/objections", json={"reason": "他那天不在"}, headers=w["li_user"]
    )
    assert r.status_code == 201
    objection_id = r.json["id"]
    queue = client.get("/api/v1/objections", headers=w["sup"]).json["items"]
    assert [o["id"] for o in queue] == [objection_id]
    fixed_clock.advance(days=8)
    assert (
        client.get("/api/v1/awards?status=held", headers=w["sup"]).json["items"][0]["id"]
        == award_id
    )
    r = client.post(
        f"/api/v1/objections/{objection_id}/decide",
        json={"decision": "dismiss", "reason": "值班表显示其在岗"},
        headers=w["sup"],
    )
    assert r.status_code == 200 and r.json["award_status"] == "confirmed"
    mine = client.get("/api/v1/objections?status=mine", headers=w["li_user"]).json["items"]
    assert mine[0]["decision_reason"] == "值班表显示其在岗" and mine[0]["status"] == "dismissed"
    me = client.get("/api/v1/me", headers=w["wang_user"]).json["household"]
    assert (me["balance"], me["pending"]) == (25, 0)

    # Corrected by the admin; a second correction is refused.
    entry_id = client.get(f"/api/v1/households/{w['h1'].id}/ledger", headers=w["admin"]).json[
        "items"
    ][0]["id"]
    r = client.post(
        f"/api/v1/ledger/entries/{entry_id}/correct",
        json={"reason": "重复记分"},
        headers=w["admin"],
    )
    assert r.status_code == 201 and r.json["amount"] == -20 and r.json["reverses_id"] == entry_id
    r = client.post(
        f"/api/v1/ledger/entries/{entry_id}/correct", json={"reason": "again"}, headers=w["admin"]
    )
    assert r.status_code == 409 and r.json["error"] == "already_corrected"
    assert client.get("/api/v1/ledger/verify", headers=w["sup"]).json["ok"] is True
    household = session.get(Household, w["h1"].id)
    session.refresh(household)
    assert (household.balance, household.honour_score) == (5, 5)


def test_lazy_confirmation_on_read(client, session, world, fixed_clock):
    w = world
    award_id = client.post(
        "/api/v1/awards",
        json={"resident_id": w["li"].id, "rule_id": w["flood"].id},
        headers=w["host"],
    ).json["id"]
    client.post(f"/api/v1/awards/{award_id}/approve", headers=w["admin"])
    fixed_clock.advance(days=7, seconds=1)
    me = client.get("/api/v1/me", headers=w["li_user"]).json["household"]  # reading confirms
    assert (me["balance"], me["pending"]) == (10, 0)
    items = client.get("/api/v1/awards/mine", headers=w["li_user"]).json["items"]
    assert items[0]["status"] == "confirmed"
    assert ledger.verify(session).ok


def test_reject_claims_bulk_and_evidence(client, world):
    w = world
    r = client.post(
        "/api/v1/claims",
        json={
            "rule_id": w["claim"].id,
            "note": "清理路边垃圾",
            "photo": base64.b64encode(PNG).decode(),
        },
        headers=w["li_user"],
    )
    assert (
        r.status_code == 201
        and r.json["status"] == "pending"
        and r.json["is_claim"]
        and r.json["has_evidence"]
    )
    claim_id = r.json["id"]
    # The photo: the household concerned and staff see it; other residents do not.
    assert client.get(f"/api/v1/awards/{claim_id}/evidence", headers=w["li_user"]).data == PNG
    assert (
        client.get(f"/api/v1/awards/{claim_id}/evidence", headers=w["host"]).mimetype == "image/png"
    )
    assert (
        client.get(f"/api/v1/awards/{claim_id}/evidence", headers=w["wang_user"]).status_code == 404
    )
    assert (
        client.get(f"/api/v1/awards/{claim_id}/evidence", headers=w["other_admin"]).status_code
        == 404
    )
    # The claimant cannot review her own claim; the supervisor rejects it with a reason.
    assert (
        client.post(
            f"/api/v1/awards/{claim_id}/reject", json={"reason": "x"}, headers=w["li_user"]
        ).status_code
        == 403
    )
    r = client.post(
        f"/api/v1/awards/{claim_id}/reject", json={"reason": "照片看不清"}, headers=w["sup"]
    )
    assert (
        r.status_code == 200
        and r.json["status"] == "rejected"
        and r.json["reject_reason"] == "照片看不清"
    )
    r = client.post(f"/api/v1/awards/{claim_id}/approve", headers=w["sup"])
    assert r.status_code == 409 and r.json["error"] == "award_not_pending"

    r = client.post(
        "/api/v1/claims", json={"rule_id": w["clean"].id, "note": "x"}, headers=w["li_user"]
    )
    assert r.status_code == 409 and r.json["error"] == "not_claimable"
    r = client.post(
        "/api/v1/claims",
        json={
            "rule_id": w["claim"].id,
            "note": "x",
            "photo": base64.b64encode(b"GIF89a....").decode(),
        },
        headers=w["li_user"],
    )
    assert r.status_code == 400 and "photo" in r.json["fields"]
    r = client.post(
        "/api/v1/awards",
        json={"resident_id": w["li"].id, "rule_id": w["photo"].id},
        headers=w["host"],
    )
    assert r.status_code == 400 and "photo" in r.json["fields"]

    body = {"rule_id": w["clean"].id, "resident_ids": [w["wang"].id, w["li"].id]}
    r = client.post(
        "/api/v1/awards/bulk", json=body, headers={**w["host"], "Idempotency-Key": "square"}
    )
    assert r.status_code == 201 and [a["status"] for a in r.json["items"]] == [
        "confirmed",
        "confirmed",
    ]
    r = client.post(
        "/api/v1/awards/bulk", json=body, headers={**w["host"], "Idempotency-Key": "square"}
    )
    assert r.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/api/v1/me", headers=w["li_user"]).json["household"]["balance"] == 5
    r = client.post(
        "/api/v1/awards/bulk",
        json={"rule_id": w["clean"].id, "resident_ids": [w["li"].id, w["stranger"].id]},
        headers=w["host"],
    )
    assert r.status_code == 404
    assert client.get("/api/v1/me", headers=w["li_user"]).json["household"]["balance"] == 5


@pytest.mark.parametrize(
    "body,field",
    [
        ({"rule_id": 1}, "resident_id"),
        ({"resident_id": "1", "rule_id": 1}, "resident_id"),
        ({"resident_id": 1, "rule_id": 1, "quantity": 0}, "quantity"),
        ({"resident_id": 1, "rule_id": 1, "quantity": 1.5}, "quantity"),
        ({"resident_id": 1, "rule_id": 1, "extra": 1}, "extra"),
        ({"resident_id": 1, "rule_id": 1, "note": "长" * 501}, "note"),
    ],
)
def test_award_bad_input(client, world, body, field):
    w = world
    body = {**body}
    if body.get("resident_id") == 1:
        body["resident_id"] = w["wang"].id
    if body.get("rule_id") == 1:
        body["rule_id"] = w["clean"].id
    r = client.post("/api/v1/awards", json=body, headers=w["host"])
    assert r.status_code == 400, r.json
    assert field in r.json["fields"]
    assert client.get("/api/v1/me", headers=w["wang_user"]).json["household"]["balance"] == 0


def test_roles_and_isolation(client, world):
    w = world
    # Who may not make awards.
    for who in ("clerk", "sup", "li_user"):
        r = client.post(
            "/api/v1/awards",
            json={"resident_id": w["wang"].id, "rule_id": w["clean"].id},
            headers=w[who],
        )
        assert r.status_code == 403, who
        r = client.post(
            "/api/v1/awards/bulk",
            json={"resident_ids": [w["wang"].id], "rule_id": w["clean"].id},
            headers=w[who],
        )
        assert r.status_code == 403, who
    # Another village's ids answer 404.
    for body in (
        {"resident_id": w["stranger"].id, "rule_id": w["clean"].id},
        {"resident_id": w["wang"].id, "rule_id": w["foreign_rule"].id},
    ):
        assert client.post("/api/v1/awards", json=body, headers=w["host"]).status_code == 404
    award_id = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["flood"].id},
        headers=w["host"],
    ).json["id"]
    assert (
        client.post(f"/api/v1/awards/{award_id}/approve", headers=w["other_admin"]).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/awards/{award_id}/reject", json={"reason": "x"}, headers=w["other_admin"]
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/awards/{award_id}", headers=w["other_admin"]).status_code == 404
    assert client.get(f"/api/v1/awards/{award_id}", headers=w["li_user"]).status_code == 404
    assert client.get(f"/api/v1/awards/{award_id}", headers=w["wang_user"]).status_code == 200
    for who in ("host", "clerk", "li_user"):
        assert client.post(f"/api/v1/awards/{award_id}/approve", headers=w[who]).status_code == 403
        assert (
            client.post(
                f"/api/v1/awards/{award_id}/reject", json={"reason": "x"}, headers=w[who]
            ).status_code
            == 403
        )
    for who in ("li_user", "wang_user"):
        assert client.get("/api/v1/awards", headers=w[who]).status_code == 403
        assert client.get("/api/v1/objections", headers=w[who]).status_code == 403
    assert client.get("/api/v1/awards?status=bogus", headers=w["admin"]).status_code == 400
    assert (
        client.post(f"/api/v1/awards/{award_id}/reject", json={}, headers=w["sup"]).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/awards/{award_id}/reject", json={"reason": " "}, headers=w["sup"]
        ).status_code
        == 400
    )
    # Objections: not before publication; not from another village; staff without a resident refused.
    r = client.post(
        f"/api/v1/awards/{award_id}/objections", json={"reason": "x"}, headers=w["li_user"]
    )
    assert r.status_code == 409 and r.json["error"] == "not_in_objection_window"
    client.post(f"/api/v1/awards/{award_id}/approve", headers=w["admin"])
    assert (
        client.post(
            f"/api/v1/awards/{award_id}/objections", json={"reason": "x"}, headers=w["other_admin"]
        ).status_code
        == 403  # no resident record: refused before the award is looked up
    )
    assert (
        client.post(
            f"/api/v1/awards/{award_id}/objections", json={"reason": "x"}, headers=w["host"]
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/awards/{award_id}/objections", json={}, headers=w["li_user"]
        ).status_code
        == 400
    )
    oid = client.post(
        f"/api/v1/awards/{award_id}/objections", json={"reason": "x"}, headers=w["li_user"]
    ).json["id"]
    r = client.post(
        f"/api/v1/awards/{award_id}/objections", json={"reason": "y"}, headers=w["li_user"]
    )
    assert r.status_code == 409 and r.json["error"] == "already_objected"
    decide = {"decision": "uphold", "reason": "属实"}
    assert (
        client.post(
            f"/api/v1/objections/{oid}/decide", json=decide, headers=w["other_admin"]
        ).status_code
        == 404
    )
    for who in ("host", "clerk", "li_user"):
        assert (
            client.post(f"/api/v1/objections/{oid}/decide", json=decide, headers=w[who]).status_code
            == 403
        )
    assert (
        client.post(
            f"/api/v1/objections/{oid}/decide",
            json={"decision": "maybe", "reason": "x"},
            headers=w["sup"],
        ).status_code
        == 400
    )
    assert (
        client.post(f"/api/v1/objections/{oid}/decide", json=decide, headers=w["sup"]).json[
            "award_status"
        ]
        == "rejected"
    )
    # Corrections: admin only, own village only.
    award2 = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["clean"].id},
        headers=w["host"],
    ).json
    for who in ("host", "sup", "wang_user"):
        assert (
            client.post(
                f"/api/v1/ledger/entries/{award2['entry_id']}/correct",
                json={"reason": "x"},
                headers=w[who],
            ).status_code
            == 403
        )
    assert (
        client.post(
            f"/api/v1/ledger/entries/{award2['entry_id']}/correct",
            json={"reason": "x"},
            headers=w["other_admin"],
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/ledger/entries/999999/correct", json={"reason": "x"}, headers=w["admin"]
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/ledger/entries/{award2['entry_id']}/correct",
            json={"reason": ""},
            headers=w["admin"],
        ).status_code
        == 400
    )


def test_rule_revise_and_deactivate(client, world):
    w = world
    rid = w["clean"].id
    body = {
        "title": "门前三包达标（修订）",
        "category": "环境卫生",
        "points": 6,
        "adopted_ref": "村民代表会议 2026-03-05 决议",
        "effective_from": "2026-03-05",
    }
    r = client.post(
        f"/api/v1/rules/{rid}/revise", json={**body, "for_donations": True}, headers=w["admin"]
    )
    assert r.status_code == 201 and r.json["version"] == 2 and r.json["points"] == 6
    assert [v["for_donations"] for v in r.json["versions"]] == [True, False]
    assert [v["version"] for v in r.json["versions"]] == [2, 1]
    award = client.post(
        "/api/v1/awards", json={"resident_id": w["wang"].id, "rule_id": rid}, headers=w["host"]
    ).json
    assert (award["amount"], award["rule_version"]) == (6, 2)
    assert (
        client.post(
            f"/api/v1/rules/{rid}/revise",
            json={**body, "effective_from": "2025-01-01"},
            headers=w["admin"],
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/rules/{rid}/revise", json={**body, "points": 0}, headers=w["admin"]
        ).status_code
        == 400
    )
    assert (
        client.post(f"/api/v1/rules/{rid}/revise", json=body, headers=w["host"]).status_code == 403
    )
    assert (
        client.post(f"/api/v1/rules/{rid}/revise", json=body, headers=w["other_admin"]).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/rules/{rid}/active", json={"active": False}, headers=w["host"]
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/rules/{rid}/active", json={"active": False}, headers=w["other_admin"]
        ).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/rules/{rid}/active", json={"active": False}, headers=w["admin"]).json[
            "active"
        ]
        is False
    )
    r = client.post(
        "/api/v1/awards", json={"resident_id": w["wang"].id, "rule_id": rid}, headers=w["host"]
    )
    assert r.status_code == 409 and r.json["error"] == "rule_inactive"
    assert client.get(f"/api/v1/rules/{rid}", headers=w["li_user"]).json["active"] is False
    assert client.get(f"/api/v1/rules/{rid}", headers=w["other_admin"]).status_code == 404


def test_openapi_lists_the_new_endpoints(client, world):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for p in (
        "/api/v1/awards",
        "/api/v1/awards/bulk",
        "/api/v1/claims",
        "/api/v1/awards/{award_id}/approve",
        "/api/v1/awards/{award_id}/reject",
        "/api/v1/awards/{award_id}/objections",
        "/api/v1/objections/{objection_id}/decide",
        "/api/v1/ledger/entries/{entry_id}/correct",
        "/api/v1/rules/{rule_id}/revise",
        "/api/v1/rules/{rule_id}/active",
        "/api/v1/awards/{award_id}/evidence",
        "/api/v1/village/expiry",
    ):
        assert p in paths, p


def test_expiry_setting(client, world, session):
    w = world
    assert client.get("/api/v1/village/points-settings", headers=w["li_user"]).json == {
        "mode": "none",
        "month": 12,
        "day": 31,
        "objection_days": 7,
    }
    body = {"mode": "annual", "month": 1, "day": 1}
    for who in ("host", "sup", "li_user"):
        assert client.post("/api/v1/village/expiry", json=body, headers=w[who]).status_code == 403
    for bad in (
        {"mode": "monthly"},
        {"mode": "annual", "month": 2, "day": 30},
        {"mode": "annual", "month": 13},
    ):
        r = client.post("/api/v1/village/expiry", json=bad, headers=w["admin"])
        assert r.status_code == 400, bad
    r = client.post("/api/v1/village/expiry", json=body, headers=w["admin"])
    assert r.status_code == 200 and r.json["mode"] == "annual"
    # Another village's admin changes only their own village.
    client.post("/api/v1/village/expiry", json={"mode": "none"}, headers=w["other_admin"])
    assert (
        client.get("/api/v1/village/points-settings", headers=w["admin"]).json["mode"] == "annual"
    )


def test_board_and_lists_are_per_village(client, world):
    w = world
    award_id = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["flood"].id},
        headers=w["host"],
    ).json["id"]
    client.post(f"/api/v1/awards/{award_id}/approve", headers=w["sup"])
    assert [
        a["id"] for a in client.get("/api/v1/awards/board", headers=w["li_user"]).json["items"]
    ] == [award_id]
    assert client.get("/api/v1/awards/board", headers=w["other_admin"]).json["items"] == []
    assert client.get("/api/v1/awards", headers=w["other_admin"]).json["items"] == []
    assert client.get("/api/v1/awards/mine", headers=w["li_user"]).json["items"] == []
    assert (
        client.get("/api/v1/awards/mine", headers=w["wang_user"]).json["items"][0]["id"] == award_id
    )
    assert client.get("/api/v1/awards?limit=0", headers=w["admin"]).status_code == 400
    assert client.get("/api/v1/awards?cursor=%%%", headers=w["admin"]).status_code == 400


def test_failed_award_leaves_no_photo(client, world, tmp_path):
    w = world
    photo = base64.b64encode(PNG).decode()
    r = client.post(
        "/api/v1/awards",
        json={"resident_id": w["stranger"].id, "rule_id": w["photo"].id, "photo": photo},
        headers=w["host"],
    )
    assert r.status_code == 404
    assert not list((tmp_path / "evidence").glob("*"))
    r = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["photo"].id, "photo": photo},
        headers=w["host"],
    )
    assert r.status_code == 201 and len(list((tmp_path / "evidence").glob("*"))) == 1


def test_claims_and_bulk_refusals(client, world):
    w = world
    r = client.post(
        "/api/v1/claims", json={"rule_id": w["foreign_rule"].id, "note": "x"}, headers=w["li_user"]
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/claims", json={"rule_id": w["claim"].id, "note": "x"}, headers=w["host"]
    )
    assert r.status_code == 403  # staff login without a resident record
    r = client.post("/api/v1/claims", json={"rule_id": w["claim"].id}, headers=w["li_user"])
    assert r.status_code == 400 and "note" in r.json["fields"]
    r = client.post(
        "/api/v1/claims", json={"rule_id": w["claim"].id, "note": "x"}, headers=w["other_admin"]
    )
    assert r.status_code in (403, 404)
    for body in (
        {"rule_id": w["clean"].id, "resident_ids": []},
        {"rule_id": w["clean"].id, "resident_ids": list(range(1, 502))},
        {"rule_id": w["clean"].id, "resident_ids": ["a"]},
        {"rule_id": w["clean"].id},
    ):
        assert client.post("/api/v1/awards/bulk", json=body, headers=w["host"]).status_code == 400
    r = client.post(
        "/api/v1/awards/bulk",
        json={"rule_id": w["foreign_rule"].id, "resident_ids": [w["li"].id]},
        headers=w["host"],
    )
    assert r.status_code == 404


def test_only_the_supervisors_and_the_objector_learn_who_objected(
    client, session, world, fixed_clock
):
    """李秀英 objects to 王建国's award: his household, the committee and the other staff
    read the objection without her id; the supervisors and she herself see it (issue 14,
    finding 9)."""
    w = world
    award_id = client.post(
        "/api/v1/awards",
        json={"resident_id": w["wang"].id, "rule_id": w["flood"].id},
        headers=w["host"],
    ).json["id"]
    assert client.post(f"/api/v1/awards/{award_id}/approve", headers=w["admin"]).status_code == 200
    r = client.post(
        f"/api/v1/awards/{award_id}/objections", json={"reason": "他那天不在"}, headers=w["li_user"]
    )
    assert r.status_code == 201 and r.json["resident_id"] == w["li"].id  # her own
    for who in ("wang_user", "host", "clerk", "admin"):
        got = client.get(f"/api/v1/awards/{award_id}", headers=w[who])
        assert got.status_code == 200, who
        [objection] = got.json["objections"]
        assert objection["reason"] == "他那天不在"
        assert objection["resident_id"] is None, who
    queue = client.get("/api/v1/objections", headers=w["admin"]).json["items"]
    assert [o["resident_id"] for o in queue] == [None]
    got = client.get(f"/api/v1/awards/{award_id}", headers=w["sup"]).json
    assert [o["resident_id"] for o in got["objections"]] == [w["li"].id]
    queue = client.get("/api/v1/objections", headers=w["sup"]).json["items"]
    assert [o["resident_id"] for o in queue] == [w["li"].id]
    mine = client.get("/api/v1/objections?status=mine", headers=w["li_user"]).json["items"]
    assert [o["resident_id"] for o in mine] == [w["li"].id]
