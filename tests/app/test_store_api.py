"""The store API: worked examples, idempotency, roles, village isolation and bad input."""

import pytest
from sqlalchemy import func, select

from points import cards, ledger
from points.models import EntryKind, LedgerEntry, Role
from store import catalogue
from store.models import Item, Order, StockMovement


@pytest.fixture
def shop(session, village, make_household, make_resident, make_user, token_for, fixed_clock):
    household = make_household(village, "1001")
    resident = make_resident(village, household, name="张建国")
    rice = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "大米", "unit": "袋", "price": 25},
        stock=4,
        by_id=None,
    )
    soap = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "肥皂", "unit": "块", "price": 5},
        stock=10,
        by_id=None,
    )
    ledger.post(session, household_id=household.id, amount=60, kind=EntryKind.AWARD)
    session.commit()

    class Shop:
        pass

    s = Shop()
    s.village, s.household, s.resident, s.rice, s.soap = village, household, resident, rice, soap
    s.clerk = token_for(make_user(village, roles=[Role.CLERK]))
    s.admin = token_for(make_user(village, roles=[Role.ADMIN]))
    s.host = token_for(make_user(village, roles=[Role.HOST]))
    s.supervisor = token_for(make_user(village, roles=[Role.SUPERVISOR]))
    s.resident_headers = token_for(make_user(village, roles=[Role.RESIDENT], resident=resident))
    return s


def _basket(shop, rice=1, soap=2):
    return [
        {"item_id": shop.rice.id, "quantity": rice},
        {"item_id": shop.soap.id, "quantity": soap},
    ]


def test_redeem_replay_mismatch_and_void(client, session, shop):
    body = {"household_id": shop.household.id, "lines": _basket(shop)}
    headers = {**shop.clerk, "Idempotency-Key": "counter-1"}
    r = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert r.status_code == 201, r.json
    order = r.json
    assert (order["total"], order["balance_after"], order["status"]) == (35, 25, "completed")
    assert [(ln["name"], ln["quantity"], ln["amount"]) for ln in order["lines"]] == [
        ("大米", 1, 25),
        ("肥皂", 2, 10),
    ]
    again = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert again.status_code == 201 and again.json == order
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(
        "/api/v1/redemptions", json={**body, "lines": _basket(shop, soap=1)}, headers=headers
    )
    assert other.status_code == 409 and other.json["error"] == "idempotency_mismatch"
    session.expire_all()
    assert shop.household.balance == 25
    assert (session.get(Item, shop.rice.id).stock, session.get(Item, shop.soap.id).stock) == (3, 8)
    assert session.scalar(select(func.count(Order.id))) == 1

    got = client.get(f"/api/v1/redemptions/{order['id']}", headers=shop.resident_headers)
    assert got.status_code == 200 and got.json["number"] == order["number"]

    v = client.post(
        f"/api/v1/redemptions/{order['id']}/void", json={"reason": "拿错"}, headers=shop.admin
    )
    assert v.status_code == 200 and v.json == {
        "id": order["id"],
        "status": "voided",
        "balance_after": 60,
    }
    again = client.post(
        f"/api/v1/redemptions/{order['id']}/void", json={"reason": "拿错"}, headers=shop.admin
    )
    assert again.status_code == 409 and again.json["error"] == "already_voided"
    session.expire_all()
    assert shop.household.balance == 60
    assert (session.get(Item, shop.rice.id).stock, session.get(Item, shop.soap.id).stock) == (4, 10)
    kinds = session.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.id)).all()
    assert kinds == [EntryKind.AWARD, EntryKind.REDEMPTION, EntryKind.REFUND]
    assert ledger.verify(session, village_id=shop.village.id).ok
    shown = client.get(f"/api/v1/redemptions/{order['id']}", headers=shop.clerk).json
    assert shown["status"] == "voided" and shown["void_reason"] == "拿错"


def test_the_answer_is_the_order_as_read_back(
    client, session, shop, make_user, make_resident, token_for
):
    """The redemption's answer, built without reading the order back, is what GET shows;
    the clerk is named by full name, else by their resident's name, else by login."""
    named = make_user(shop.village, roles=[Role.CLERK], username="clerk-named")
    named.full_name = "王会计"
    volunteer = make_resident(shop.village, shop.household, name="李秀英")
    resident_clerk = make_user(
        shop.village, roles=[Role.CLERK], resident=volunteer, username="clerk-resident"
    )
    plain = make_user(shop.village, roles=[Role.CLERK], username="clerk-plain")
    session.commit()
    for clerk, shown in ((named, "王会计"), (resident_clerk, "李秀英"), (plain, "clerk-plain")):
        headers = token_for(clerk)
        body = {"household_id": shop.household.id, "lines": _basket(shop, rice=0 + 1, soap=1)}
        answer = client.post("/api/v1/redemptions", json=body, headers=headers)
        assert answer.status_code == 201, answer.json
        assert (answer.json["household_number"], answer.json["clerk"]) == ("1001", shown)
        assert answer.json["number"].startswith("20261102-")
        got = client.get(f"/api/v1/redemptions/{answer.json['id']}", headers=headers)
        assert got.status_code == 200 and got.json == answer.json
        client.post(
            f"/api/v1/redemptions/{answer.json['id']}/void",
            json={"reason": "再来"},
            headers=shop.admin,
        )


def test_redeem_by_card_and_errors(client, app, shop):
    card = cards.payload_for(app.config["SECRET_KEY"], shop.resident)
    r = client.post(
        "/api/v1/redemptions", json={"card": card, "lines": _basket(shop, 2, 1)}, headers=shop.clerk
    )
    assert r.status_code == 201 and r.json["balance_after"] == 5
    r = client.post(
        "/api/v1/redemptions",
        json={"card": card, "lines": _basket(shop, 0 + 1, 0 + 1)},
        headers=shop.clerk,
    )
    assert r.status_code == 409
    assert (r.json["error"], r.json["balance"], r.json["needed"]) == ("insufficient_points", 5, 30)
    assert r.json["message"] == "该户积分不足。"
    r = client.post(
        "/api/v1/redemptions",
        json={
            "household_id": shop.household.id,
            "lines": [{"item_id": shop.soap.id, "quantity": 10}],
        },
        headers=shop.clerk,
    )
    assert r.json["error"] == "out_of_stock" and r.json["item_id"] == shop.soap.id
    short = cards.short_code_for(app.config["SECRET_KEY"], shop.resident)
    r = client.post(
        "/api/v1/redemptions",
        json={"card": short, "lines": _basket(shop, 0 + 1, 1)},
        headers=shop.clerk,
    )
    assert r.status_code == 409
    r = client.post(
        "/api/v1/redemptions",
        json={"card": "CY1FORGED", "lines": _basket(shop)},
        headers=shop.clerk,
    )
    assert r.status_code == 400 and r.json["error"] == "invalid_card"


def test_limit_reached(client, session, shop):
    client.patch(
        f"/api/v1/items/{shop.soap.id}", json={"household_monthly_limit": 2}, headers=shop.admin
    )
    body = {"household_id": shop.household.id, "lines": [{"item_id": shop.soap.id, "quantity": 3}]}
    r = client.post("/api/v1/redemptions", json=body, headers=shop.clerk)
    assert r.status_code == 409 and r.json["error"] == "limit_reached"
    assert (r.json["limit"], r.json["remaining"]) == (2, 2)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"household_id": 1, "card": "x", "lines": [{"item_id": 1, "quantity": 1}]},
        {"household_id": "one", "lines": [{"item_id": 1, "quantity": 1}]},
        {"household_id": 1, "lines": [{"item_id": 1, "quantity": "2"}]},
        {"household_id": 1, "lines": [{"item_id": 1}]},
        {"household_id": 1, "lines": "rice"},
        {"household_id": 1, "lines": [{"item_id": 1, "quantity": 1}], "extra": 1},
        [],
    ],
)
def test_redeem_bad_input(client, session, shop, body):
    if isinstance(body, dict) and body.get("household_id") == 1:
        body["household_id"] = shop.household.id
    r = client.post("/api/v1/redemptions", json=body, headers=shop.clerk)
    assert r.status_code == 400 and r.json["error"] == "bad_request" and r.json["fields"]
    assert session.scalar(select(func.count(Order.id))) == 0


def test_items_create_edit_deactivate_and_stock(client, session, shop):
    r = client.post(
        "/api/v1/items",
        json={
            "name": "洗衣液",
            "price": 20,
            "unit": "瓶",
            "stock": 6,
            "household_monthly_limit": 1,
        },
        headers=shop.admin,
    )
    assert r.status_code == 201
    item = r.json
    assert (item["stock"], item["household_monthly_limit"], item["active"]) == (6, 1, True)
    dup = client.post("/api/v1/items", json={"name": "洗衣液", "price": 2}, headers=shop.admin)
    assert dup.status_code == 409 and dup.json["error"] == "duplicate_item_name"
    for bad in (
        {"name": "", "price": 1},
        {"name": "x", "price": 0},
        {"name": "x"},
        {"name": "x", "price": 1, "stock": -1},
        {"name": "x", "price": "1"},
    ):
        assert client.post("/api/v1/items", json=bad, headers=shop.admin).status_code == 400
    r = client.patch(f"/api/v1/items/{item['id']}", json={"active": False}, headers=shop.admin)
    assert r.status_code == 200 and r.json["active"] is False
    listed = client.get("/api/v1/items?active=true", headers=shop.resident_headers).json["items"]
    assert item["id"] not in [i["id"] for i in listed] and len(listed) == 2

    url = f"/api/v1/items/{shop.soap.id}/stock"
    r = client.post(
        url,
        json={"delta": 5, "reason": "purchase", "funding": "budget"},
        headers={**shop.clerk, "Idempotency-Key": "buy-1"},
    )
    assert r.status_code == 200 and r.json["stock"] == 15
    r = client.post(
        url,
        json={"delta": 5, "reason": "purchase", "funding": "budget"},
        headers={**shop.clerk, "Idempotency-Key": "buy-1"},
    )
    assert r.json["stock"] == 15
    r = client.post(url, json={"delta": -16, "reason": "damage"}, headers=shop.clerk)
    assert r.status_code == 409 and r.json["error"] == "negative_stock"
    for bad in (
        {"delta": 0, "reason": "purchase"},
        {"delta": 1, "reason": "theft"},
        {"delta": 1},
        {"delta": "1", "reason": "purchase"},
        {"delta": 1, "reason": "purchase", "funding": "bank"},
    ):
        r = client.post(url, json=bad, headers=shop.clerk)
        assert r.status_code == 400, bad
    r = client.post(
        "/api/v1/stocktakes",
        json={
            "counts": [
                {"item_id": shop.soap.id, "counted": 14},
                {"item_id": shop.rice.id, "counted": 4},
            ]
        },
        headers=shop.clerk,
    )
    assert r.status_code == 200 and r.json["movements"] == [
        {"item_id": shop.soap.id, "delta": -1, "stock": 14}
    ]
    assert session.scalar(select(func.count(StockMovement.id))) == 5


def test_donation_with_new_item_and_points(client, session, shop, make_user):
    """A clerk's donation: points only under a rule marked for donations, and then through
    review; a new item is off sale until the committee sets its price (issue 14, finding 1).
    An admin's donation is posted at once and its new item is on sale."""
    from points import rules
    from points.models import Award, AwardStatus

    def rule(code, title, for_donations):
        return rules.create_rule(
            session,
            village_id=shop.village.id,
            code=code,
            terms=rules.clean_terms(
                {
                    "title": title,
                    "category": "文明新风",
                    "points": 5,
                    "for_donations": for_donations,
                }
            ),
            effective_from=shop.village.created_at.date(),
            by_id=None,
        )

    donation_rule = rule("WM02", "捐赠爱心超市", True)
    attendance = rule("YS01", "参加村民议事会", False)  # no review: points at once
    session.commit()
    lines = [
        {"item_id": shop.rice.id, "quantity": 2},
        {"new_item": {"name": "毛巾", "price": 800, "unit": "条"}, "quantity": 3},
    ]
    body = {"donor_resident_id": shop.resident.id, "lines": lines, "estimated_value": 120}
    # The attack: any positive rule, through a made-up donation. Refused, nothing changes.
    r = client.post(
        "/api/v1/donations", json={**body, "rule_id": attendance.id}, headers=shop.clerk
    )
    assert r.status_code == 400 and "rule_id" in r.json["fields"], r.json
    session.expire_all()
    assert shop.household.balance == 60 and session.get(Item, shop.rice.id).stock == 4
    assert session.scalar(select(Item).where(Item.name == "毛巾")) is None

    r = client.post(
        "/api/v1/donations",
        json={**body, "public": True, "rule_id": donation_rule.id},
        headers=shop.clerk,
    )
    assert r.status_code == 201, r.json
    assert r.json["donor_name"] == "张建国" and r.json["points_entry_id"] is None
    session.expire_all()
    award = session.scalar(select(Award).where(Award.rule_id == donation_rule.id))
    assert award.status == AwardStatus.PENDING
    assert (shop.household.balance, shop.household.pending) == (60, 5)
    assert session.get(Item, shop.rice.id).stock == 6
    towel = session.scalar(select(Item).where(Item.name == "毛巾"))
    assert (towel.stock, towel.active) == (3, False)
    sell = client.post(
        "/api/v1/redemptions",
        json={"household_id": shop.household.id, "lines": [{"item_id": towel.id, "quantity": 1}]},
        headers=shop.clerk,
    )
    assert sell.status_code == 409 and sell.json["error"] == "item_inactive"

    r = client.post(
        "/api/v1/donations",
        json={
            "donor_resident_id": shop.resident.id,
            "lines": [{"new_item": {"name": "牙刷", "price": 3}, "quantity": 5}],
            "rule_id": donation_rule.id,
        },
        headers=shop.admin,
    )
    assert r.status_code == 201 and r.json["points_entry_id"], r.json
    session.expire_all()
    assert (shop.household.balance, shop.household.pending) == (65, 5)
    assert session.scalar(select(Item).where(Item.name == "牙刷")).active is True
    r = client.post(
        "/api/v1/donations",
        json={
            "donor_name": "某公司",
            "lines": [{"item_id": shop.rice.id, "quantity": 1}],
            "rule_id": donation_rule.id,
        },
        headers=shop.clerk,
    )
    assert r.status_code == 400 and "rule_id" in r.json["fields"]
    r = client.post(
        "/api/v1/donations",
        json={"donor_name": "某公司", "lines": [{"quantity": 1}]},
        headers=shop.clerk,
    )
    assert r.status_code == 400
    listed = client.get("/api/v1/donations", headers=shop.host).json["items"]
    assert [d["public"] for d in listed] == [False, True]


def test_a_stocktake_does_not_hide_a_donation_from_the_supervisors(
    client, session, shop, login, make_user
):
    """A donation posted and then counted away leaves both movements on the record, with
    who made them, where the supervisory committee reads them (issue 14, finding 1)."""
    r = client.post(
        "/api/v1/donations",
        json={"donor_name": "某人", "lines": [{"item_id": shop.rice.id, "quantity": 5}]},
        headers=shop.clerk,
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/stocktakes",
        json={"counts": [{"item_id": shop.rice.id, "counted": 4}], "note": "月底盘点"},
        headers=shop.clerk,
    )
    assert r.status_code == 200 and r.json["movements"][0]["delta"] == -5
    session.expire_all()
    assert session.get(Item, shop.rice.id).stock == 4  # the figure is back where it was
    r = client.get("/api/v1/stock-movements?kind=count", headers=shop.supervisor)
    assert r.status_code == 200, r.json
    [count] = r.json["items"]
    assert (count["item_name"], count["delta"], count["stock_after"], count["note"]) == (
        "大米",
        -5,
        4,
        "月底盘点",
    )
    everything = client.get("/api/v1/stock-movements", headers=shop.supervisor).json["items"]
    assert [(m["kind"], m["delta"]) for m in everything][:2] == [("count", -5), ("donation", 5)]
    assert (
        client.get("/api/v1/stock-movements?kind=bogus", headers=shop.supervisor).status_code == 400
    )
    supervisor = make_user(shop.village, roles=[Role.SUPERVISOR])
    login(supervisor)
    page = client.get("/shop/movements?kind=count")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "月底盘点" in text and "-5" in text


def test_roles_are_enforced(client, shop):
    order = client.post(
        "/api/v1/redemptions",
        json={"household_id": shop.household.id, "lines": _basket(shop)},
        headers=shop.clerk,
    ).json
    refused = [
        (
            "post",
            "/api/v1/items",
            {"name": "x", "price": 1},
            [shop.clerk, shop.host, shop.resident_headers],
        ),
        (
            "patch",
            f"/api/v1/items/{shop.rice.id}",
            {"active": False},
            [shop.clerk, shop.resident_headers],
        ),
        (
            "post",
            f"/api/v1/items/{shop.rice.id}/stock",
            {"delta": 1, "reason": "purchase"},
            [shop.host, shop.supervisor, shop.resident_headers],
        ),
        ("post", "/api/v1/stocktakes", {"counts": []}, [shop.host, shop.resident_headers]),
        ("post", "/api/v1/donations", {"lines": []}, [shop.host, shop.resident_headers]),
        ("get", "/api/v1/donations", None, [shop.resident_headers]),
        (
            "post",
            "/api/v1/redemptions",
            {"household_id": shop.household.id, "lines": []},
            [shop.host, shop.supervisor, shop.resident_headers],
        ),
        (
            "post",
            f"/api/v1/redemptions/{order['id']}/void",
            {"reason": "x"},
            [shop.clerk, shop.host, shop.resident_headers],
        ),
    ]
    for method, url, body, who in refused:
        for headers in who:
            r = getattr(client, method)(url, json=body, headers=headers)
            assert r.status_code == 403, (method, url)
        # No login: 401.
        anonymous = getattr(client, method)(url, json=body)
        assert anonymous.status_code == 401, (method, url)


def test_other_village_gets_404(
    client, session, shop, other_village, make_user, make_household, make_resident, token_for
):
    order = client.post(
        "/api/v1/redemptions",
        json={"household_id": shop.household.id, "lines": _basket(shop)},
        headers=shop.clerk,
    ).json
    admin = token_for(make_user(other_village, roles=[Role.ADMIN]))
    foreign_household = make_household(other_village, "9")
    neighbour = token_for(
        make_user(shop.village, roles=[Role.RESIDENT], resident=make_resident(shop.village))
    )
    assert client.get("/api/v1/items", headers=admin).json["items"] == []
    checks = [
        ("patch", f"/api/v1/items/{shop.rice.id}", {"active": False}),
        ("post", f"/api/v1/items/{shop.rice.id}/stock", {"delta": 1, "reason": "purchase"}),
        ("post", "/api/v1/stocktakes", {"counts": [{"item_id": shop.rice.id, "counted": 1}]}),
        (
            "post",
            "/api/v1/donations",
            {"donor_name": "x", "lines": [{"item_id": shop.rice.id, "quantity": 1}]},
        ),
        (
            "post",
            "/api/v1/redemptions",
            {
                "household_id": shop.household.id,
                "lines": [{"item_id": shop.rice.id, "quantity": 1}],
            },
        ),
        ("get", f"/api/v1/redemptions/{order['id']}", None),
        ("post", f"/api/v1/redemptions/{order['id']}/void", {"reason": "x"}),
    ]
    for method, url, body in checks:
        r = getattr(client, method)(url, json=body, headers=admin)
        assert r.status_code == 404, (method, url, r.json)
    r = client.post(
        "/api/v1/redemptions",
        json={"household_id": foreign_household.id, "lines": _basket(shop)},
        headers=shop.clerk,
    )
    assert r.status_code == 404
    assert client.get(f"/api/v1/redemptions/{order['id']}", headers=neighbour).status_code == 404
    session.expire_all()
    assert session.get(Item, shop.rice.id).stock == 3 and shop.household.balance == 25


def test_openapi_lists_the_store(client, shop):
    paths = client.get("/api/v1/openapi.json", headers=shop.clerk).json["paths"]
    assert {
        "/api/v1/items",
        "/api/v1/items/{item_id}/stock",
        "/api/v1/redemptions",
        "/api/v1/redemptions/{order_id}/void",
        "/api/v1/donations",
        "/api/v1/stocktakes",
    } <= set(paths)
    assert "Idempotency-Key" in str(paths["/api/v1/redemptions"]["post"]["parameters"])
