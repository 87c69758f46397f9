"""Void requests over the API: a clerk's app asks, the admins' and supervisors' apps list and
decline, with the same rules as the receipt page (store/voids.py)."""

from sqlalchemy import func, select

from points.models import AuditLog, EntryKind, LedgerEntry, Role
from store.models import Order, OrderStatus, VoidRequest
from tests.app import test_store_api

shop = test_store_api.shop  # the store API's fixture: a household with 60 points, rice, soap


def _sell(client, shop, soap=1):
    r = client.post(
        "/api/v1/redemptions",
        json={
            "household_id": shop.household.id,
            "lines": [{"item_id": shop.soap.id, "quantity": soap}],
        },
        headers=shop.clerk,
    )
    assert r.status_code == 201, r.json
    return r.json


def _requests(session):
    session.expire_all()
    return list(session.scalars(select(VoidRequest).order_by(VoidRequest.id)))


def test_a_clerk_asks_an_admin_lists_and_voids_which_closes_the_request(client, session, shop):
    order = _sell(client, shop, soap=2)
    r = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "多扫了一块肥皂"},
        headers=shop.clerk,
    )
    assert r.status_code == 201, r.json
    asked = r.json
    assert asked["status"] == "open" and asked["reason"] == "多扫了一块肥皂"
    assert asked["order"] == {"id": order["id"], "number": order["number"], "total": 10}
    assert len(asked["who_can_void"]) == 2  # today's order: the admin and the supervisor
    again = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "再问一次"},
        headers=shop.clerk,
    )
    assert again.status_code == 409 and again.json["error"] == "void_already_requested"
    assert again.json["message"] == "这张单子已有作废申请在等待处理。"
    assert [row.status for row in _requests(session)] == ["open"]

    waiting = client.get("/api/v1/void-requests", headers=shop.admin)
    assert waiting.status_code == 200
    assert [(x["id"], x["status"]) for x in waiting.json["items"]] == [(asked["id"], "open")]
    assert client.get("/api/v1/void-requests?status=closed", headers=shop.admin).json["items"] == []

    voided = client.post(
        f"/api/v1/redemptions/{order['id']}/void", json={"reason": "多扫了"}, headers=shop.admin
    )
    assert voided.status_code == 200 and voided.json["balance_after"] == 60
    assert client.get("/api/v1/void-requests", headers=shop.clerk).json["items"] == []
    [closed] = client.get("/api/v1/void-requests?status=closed", headers=shop.clerk).json["items"]
    assert (closed["id"], closed["status"]) == (asked["id"], "voided")
    assert closed["decided_by"] is not None and closed["decided_at"] is not None
    # A voided order takes no new request.
    late = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "x"},
        headers=shop.clerk,
    )
    assert late.status_code == 409 and late.json["error"] == "already_voided"


def test_a_decline_keeps_the_order_and_cannot_be_repeated(client, session, shop):
    order = _sell(client, shop)
    asked = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "顾客后悔了"},
        headers=shop.clerk,
    ).json
    blank = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline", json={"note": "  "}, headers=shop.admin
    )
    assert blank.status_code == 400 and blank.json["error"] == "bad_request"
    assert [row.status for row in _requests(session)] == ["open"]
    r = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline",
        json={"note": "已经用了，不能退"},
        headers=shop.admin,
    )
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["decision_note"]) == ("declined", "已经用了，不能退")
    assert session.get(Order, order["id"]).status == OrderStatus.COMPLETED
    refunds = select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == EntryKind.REFUND)
    assert session.scalar(refunds) == 0
    again = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline", json={"note": "再"}, headers=shop.admin
    )
    assert again.status_code == 409 and again.json["error"] == "void_request_closed"
    assert "已经处理过" in again.json["message"]
    assert _requests(session)[0].decision_note == "已经用了，不能退"
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions.count("order.void_request") == 1
    assert actions.count("order.void_request_declined") == 1
    # The clerk may ask again after a decline.
    r = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "顾客把肥皂退回来了"},
        headers=shop.clerk,
    )
    assert r.status_code == 201
    assert [row.status for row in _requests(session)] == ["declined", "open"]


def test_an_earlier_days_request_is_the_supervisors_to_decide(client, session, shop, fixed_clock):
    order = _sell(client, shop)
    fixed_clock.advance(days=1)
    asked = client.post(
        f"/api/v1/redemptions/{order['id']}/void-requests",
        json={"reason": "昨天收错了"},
        headers=shop.clerk,
    ).json
    assert len(asked["who_can_void"]) == 1  # the supervisor only
    r = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline", json={"note": "不用"}, headers=shop.admin
    )
    assert r.status_code == 403 and r.json["error"] == "void_needs_supervisor"
    assert [row.status for row in _requests(session)] == ["open"]
    r = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline",
        json={"note": "不用作废"},
        headers=shop.supervisor,
    )
    assert r.status_code == 200 and r.json["status"] == "declined"


def test_roles_villages_and_bad_input(client, session, shop, make_village, make_user, token_for):
    order = _sell(client, shop)
    url = f"/api/v1/redemptions/{order['id']}/void-requests"
    assert client.post(url, json={"reason": "x"}, headers=shop.host).status_code == 403
    assert client.post(url, json={"reason": "x"}, headers=shop.resident_headers).status_code == 403
    assert client.get("/api/v1/void-requests", headers=shop.host).status_code == 403
    for body in ({}, {"reason": ""}, {"reason": "长" * 201}, {"reason": 5}):
        r = client.post(url, json=body, headers=shop.clerk)
        assert r.status_code == 400 and r.json["error"] == "bad_request", body
    bad = client.get("/api/v1/void-requests?status=all", headers=shop.clerk)
    assert bad.status_code == 400
    assert (
        client.post(
            "/api/v1/redemptions/999999/void-requests", json={"reason": "x"}, headers=shop.clerk
        ).status_code
        == 404
    )
    asked = client.post(url, json={"reason": "x"}, headers=shop.clerk).json
    clerk_decline = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline", json={"note": "x"}, headers=shop.clerk
    )
    assert clerk_decline.status_code == 403
    other = token_for(make_user(make_village(), roles=[Role.ADMIN]))
    assert client.post(url, json={"reason": "x"}, headers=other).status_code == 404
    assert client.get("/api/v1/void-requests", headers=other).json["items"] == []
    r = client.post(
        f"/api/v1/void-requests/{asked['id']}/decline", json={"note": "x"}, headers=other
    )
    assert r.status_code == 404
    assert [row.status for row in _requests(session)] == ["open"]
