"""The shop's pages: counter, receipt, void, items, stock, stocktake, donations, day sheet."""

import re

import pytest
from sqlalchemy import func, select

from points import cards, ledger
from points.models import EntryKind, Role
from store import catalogue, photos
from store.models import Donation, Item, Order, StockMovement


@pytest.fixture
def shop(session, village, make_household, make_resident, make_user, fixed_clock):
    household = make_household(village, "1001")
    resident = make_resident(village, household, name="张建国")
    make_resident(village, household, name="李秀英")
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
        data={"name": "肥皂", "unit": "块", "price": 5, "low_stock_threshold": 3},
        stock=10,
        by_id=None,
    )
    ledger.post(session, household_id=household.id, amount=60, kind=EntryKind.AWARD)
    session.commit()

    class Shop:
        pass

    s = Shop()
    s.village, s.household, s.resident, s.rice, s.soap = village, household, resident, rice, soap
    s.clerk = make_user(village, roles=[Role.CLERK])
    s.admin = make_user(village, roles=[Role.ADMIN])
    s.host = make_user(village, roles=[Role.HOST])
    s.supervisor = make_user(village, roles=[Role.SUPERVISOR])
    s.resident_user = make_user(village, roles=[Role.RESIDENT], resident=resident)
    s.clock = fixed_clock
    return s


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _order_count(session):
    return session.scalar(select(func.count(Order.id)))


def test_counter_card_basket_receipt(client, app, session, login, shop):
    login(shop.clerk)
    card = cards.payload_for(app.config["SECRET_KEY"], shop.resident)
    r = client.post("/shop/counter", data={"card": card})
    # The basket opens at a URL that carries ids only, never the card.
    assert r.status_code == 303 and card not in r.location
    assert r.location == (
        f"/shop/counter?household={shop.household.id}&resident={shop.resident.id}"
    )
    page = client.get(r.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "户号 1001" in html and "张建国" in html and "李秀英" in html
    assert 'id="balance">60<' in html and f'name="qty_{shop.rice.id}"' in html
    form = {
        "token": _token(html),
        "resident_id": shop.resident.id,
        f"qty_{shop.rice.id}": "1",
        f"qty_{shop.soap.id}": "2",
    }
    r = client.post(f"/shop/counter/{shop.household.id}", data=form)
    assert r.status_code == 302
    receipt = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'class="num total">35<' in receipt and 'class="num balance-after">25<' in receipt
    assert "大米" in receipt and "肥皂" in receipt and "张建国" in receipt
    # A double tap sends the same form token: the same receipt, one order.
    again = client.post(f"/shop/counter/{shop.household.id}", data=form)
    assert again.status_code == 302 and again.headers["Location"] == r.headers["Location"]
    session.expire_all()
    assert _order_count(session) == 1 and shop.household.balance == 25
    assert session.get(Item, shop.soap.id).stock == 8
    # The resident sees the order in the history and may open the receipt.
    login(shop.resident_user)
    mine = client.get("/shop/catalogue").get_data(as_text=True)
    order = session.scalar(select(Order))
    assert order.number in mine and "积分超市" in mine
    assert client.get(r.headers["Location"]).status_code == 200
    assert order.number in client.get("/me").get_data(as_text=True)


def test_counter_short_code_search_and_refusals(client, app, session, login, shop):
    login(shop.clerk)
    short = cards.short_code_for(app.config["SECRET_KEY"], shop.resident)
    found = client.post("/shop/counter", data={"card": short}, follow_redirects=True)
    assert "张建国" in found.get_data(True)
    bad = client.post("/shop/counter", data={"card": "12-00000"})
    assert bad.status_code == 400 and "卡无效" in bad.get_data(as_text=True)
    assert client.post("/shop/counter", data={"card": ""}).status_code == 400
    found = client.get("/shop/counter", query_string={"q": "zjg"}).get_data(as_text=True)
    assert f"/shop/counter?household={shop.household.id}" in found
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    token = _token(html)
    r = client.post(
        f"/shop/counter/{shop.household.id}", data={"token": token, f"qty_{shop.rice.id}": "3"}
    )
    assert r.status_code == 409
    assert "积分不足：该户有 60 分，这些商品需要 75 分。" in r.get_data(as_text=True)
    r = client.post(
        f"/shop/counter/{shop.household.id}", data={"token": token, f"qty_{shop.soap.id}": "11"}
    )
    assert r.status_code == 409 or r.status_code == 400
    r = client.post(
        f"/shop/counter/{shop.household.id}", data={"token": token, f"qty_{shop.soap.id}": "abc"}
    )
    assert r.status_code == 400
    r = client.post(f"/shop/counter/{shop.household.id}", data={"token": token})
    assert r.status_code == 400
    r = client.post(
        f"/shop/counter/{shop.household.id}", data={"token": "short", f"qty_{shop.soap.id}": "1"}
    )
    assert r.status_code == 400
    assert _order_count(session) == 0


def test_counter_out_of_stock_message(client, session, login, shop):
    login(shop.clerk)
    ledger.post(session, household_id=shop.household.id, amount=100, kind=EntryKind.AWARD)
    session.commit()
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    r = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.rice.id}": "5"},
    )
    assert r.status_code == 409 and "大米：货架上只剩 4 件。" in r.get_data(as_text=True)


def test_void_page(client, session, login, shop):
    login(shop.clerk)
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    r = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": "2"},
    )
    url = r.headers["Location"]
    order_id = int(url.rsplit("/", 1)[1])
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": "x"}).status_code == 403
    login(shop.admin)
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": ""}).status_code == 400
    r = client.post(f"/shop/orders/{order_id}/void", data={"reason": "拿错了"})
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "已作废" in page and "拿错了" in page
    session.expire_all()
    assert shop.household.balance == 60 and session.get(Item, shop.soap.id).stock == 10
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": "再来"}).status_code == 409


def test_void_next_day_needs_supervisor(client, session, login, shop):
    login(shop.clerk)
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    url = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": "1"},
    ).headers["Location"]
    order_id = int(url.rsplit("/", 1)[1])
    shop.clock.advance(days=1)
    login(shop.admin)
    r = client.post(f"/shop/orders/{order_id}/void", data={"reason": "补"})
    assert r.status_code == 403 and "监督委员会" in r.get_data(as_text=True)
    login(shop.supervisor)
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": "补"}).status_code == 302


def test_item_forms(client, session, login, shop):
    login(shop.admin)
    assert client.get("/shop/items/new").status_code == 200
    r = client.post(
        "/shop/items/new",
        data={
            "name": "洗衣液",
            "unit": "瓶",
            "price": "18",
            "stock": "6",
            "monthly_limit": "1",
            "active": "y",
        },
    )
    assert r.status_code == 302
    item = session.scalar(select(Item).where(Item.name == "洗衣液"))
    assert (item.stock, item.monthly_limit, item.active) == (6, 1, True)
    r = client.post("/shop/items/new", data={"name": "洗衣液", "price": "3"})
    assert r.status_code == 409 and "已有同名商品" in r.get_data(as_text=True)
    for bad in (
        {"name": "", "price": "3"},
        {"name": "x", "price": "0"},
        {"name": "x", "price": "abc"},
        {"name": "x", "price": "1", "stock": "-2"},
    ):
        assert client.post("/shop/items/new", data=bad).status_code == 400
    r = client.post(f"/shop/items/{item.id}/edit", data={"name": "洗衣液", "price": "20"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Item, item.id).price == 20 and session.get(Item, item.id).active is False
    listing = client.get("/shop/items").get_data(as_text=True)
    assert "未上架" in listing and "洗衣液" in listing


def test_stock_and_stocktake_forms(client, session, login, shop):
    login(shop.clerk)
    url = f"/shop/items/{shop.soap.id}/stock"
    assert client.get(url).status_code == 200
    r = client.post(
        url, data={"reason": "purchase", "delta": "5", "funding": "budget", "note": "镇财政"}
    )
    assert r.status_code == 302
    r = client.post(url, data={"reason": "damage", "delta": "-20"})
    assert r.status_code == 409 and "库存不能小于零" in r.get_data(as_text=True)
    for bad in (
        {"reason": "damage", "delta": "3"},
        {"reason": "theft", "delta": "3"},
        {"reason": "purchase", "delta": "x"},
    ):
        assert client.post(url, data=bad).status_code == 400
    assert "镇财政" in client.get(url).get_data(as_text=True)
    r = client.post(
        "/shop/stocktake", data={f"count_{shop.soap.id}": "12", f"count_{shop.rice.id}": ""}
    )
    assert r.status_code == 302
    r = client.post("/shop/stocktake", data={f"count_{shop.soap.id}": "-1"})
    assert r.status_code == 400
    session.expire_all()
    assert session.get(Item, shop.soap.id).stock == 12
    kinds = session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
    assert [k.value for k in kinds][-2:] == ["purchase", "count"]


def test_donation_form_and_thanks(client, session, login, shop):
    login(shop.clerk)
    assert client.get("/shop/donations/new").status_code == 200
    r = client.post(
        "/shop/donations/new",
        data={
            "donor_name": "爱心企业",
            f"qty_{shop.rice.id}": "3",
            "new_name": "毛巾",
            "new_unit": "条",
            "new_price": "6",
            "new_quantity": "10",
            "public": "y",
            "estimated_value": "300",
        },
    )
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Item, shop.rice.id).stock == 7
    assert session.scalar(select(Item.stock).where(Item.name == "毛巾")) == 10
    client.post("/shop/donations/new", data={"donor_name": "不愿具名", f"qty_{shop.rice.id}": "1"})
    assert session.scalar(select(func.count(Donation.id))) == 2
    r = client.post("/shop/donations/new", data={"donor_name": "x"})
    assert r.status_code == 400
    r = client.post(
        "/shop/donations/new", data={"donor_household": "nope", f"qty_{shop.rice.id}": "1"}
    )
    assert r.status_code == 400
    login(shop.resident_user)
    thanks = client.get("/shop/thanks").get_data(as_text=True)
    assert "爱心企业" in thanks and "不愿具名" not in thanks


def test_daily_sheet_and_staff_home(client, session, login, shop):
    login(shop.clerk)
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": "7"},
    )
    daily = client.get("/shop/daily").get_data(as_text=True)
    assert 'class="points">35<' in daily and "肥皂" in daily
    assert client.get("/shop/daily?day=2026-13-01").status_code == 400
    home = client.get("/staff").get_data(as_text=True)
    assert "库存不足" in home and "肥皂 (3)" in home


def test_roles_on_pages(client, login, shop):
    login(shop.resident_user)
    for url in (
        "/shop/counter",
        "/shop/items",
        "/shop/items/new",
        f"/shop/items/{shop.soap.id}/edit",
        f"/shop/items/{shop.soap.id}/stock",
        "/shop/stocktake",
        "/shop/donations/new",
        "/shop/donations",
        "/shop/daily",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/shop/counter/{shop.household.id}", data={}).status_code == 403
    login(shop.host)
    for url in (
        "/shop/counter",
        "/shop/items/new",
        f"/shop/items/{shop.soap.id}/stock",
        "/shop/stocktake",
        "/shop/donations/new",
        "/shop/daily",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/shop/items").status_code == 200
    login(shop.clerk)
    assert client.get("/shop/items/new").status_code == 403
    assert client.get(f"/shop/items/{shop.soap.id}/edit").status_code == 403
    client.post("/logout")
    assert client.get("/shop/counter").status_code == 302


def test_other_village_pages_404(
    client, session, login, shop, other_village, make_user, make_household
):
    login(shop.clerk)
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    url = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": "1"},
    ).headers["Location"]
    order_id = int(url.rsplit("/", 1)[1])
    foreign = make_household(other_village, "1")
    outsider = make_user(other_village, roles=[Role.ADMIN, Role.SUPERVISOR])
    login(outsider)
    for get in (
        url,
        f"/shop/counter?household={shop.household.id}",
        f"/shop/items/{shop.soap.id}/edit",
        f"/shop/items/{shop.soap.id}/stock",
    ):
        assert client.get(get).status_code == 404, get
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": "x"}).status_code == 404
    html = client.get(f"/shop/counter?household={foreign.id}").get_data(as_text=True)
    r = client.post(
        f"/shop/counter/{foreign.id}", data={"token": _token(html), f"qty_{shop.soap.id}": "1"}
    )
    assert r.status_code == 404
    r = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": "1"},
    )
    assert r.status_code == 404
    assert "肥皂" not in client.get("/shop/items").get_data(as_text=True)
    session.expire_all()
    assert _order_count(session) == 1 and session.get(Item, shop.soap.id).stock == 9


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_item_photo_upload_checks_type_and_size(
    app, client, session, login, shop, tmp_path, other_village, make_user, monkeypatch
):
    import io

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    login(shop.admin)
    url = f"/shop/items/{shop.soap.id}/edit"
    base = {"name": "肥皂", "price": "5", "active": "y"}
    r = client.post(
        url,
        data={**base, "photo": (io.BytesIO(b"<html>not a picture"), "x.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "JPEG、PNG 或 WebP" in r.get_data(as_text=True)
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)  # small, so the test client keeps it in memory
    big = b"\xff\xd8\xff" + b"\x00" * 1000
    r = client.post(
        url,
        data={**base, "photo": (io.BytesIO(big), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "2 MB" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Item, shop.soap.id).photo is None and list(tmp_path.iterdir()) == []
    r = client.post(
        url,
        data={**base, "photo": (io.BytesIO(PNG), "soap.exe")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    session.expire_all()
    name = session.get(Item, shop.soap.id).photo
    assert name.endswith(".png") and (tmp_path / name).read_bytes() == PNG
    got = client.get(f"/shop/items/{shop.soap.id}/photo")
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == PNG
    got.close()
    assert client.get(f"/shop/items/{shop.rice.id}/photo").status_code == 404
    login(make_user(other_village, roles=[Role.ADMIN]))
    assert client.get(f"/shop/items/{shop.soap.id}/photo").status_code == 404


@pytest.mark.parametrize("value", ["²", "³", "1²", "-1", "abc", "99999999999999999999"])
def test_counter_odd_quantities_are_refused_cleanly(client, session, login, shop, value):
    """Superscript digits pass str.isdigit() but not int(): a 400, never a 500."""
    login(shop.clerk)
    page = client.get("/shop/counter", query_string={"household": shop.household.id})
    token = _token(page.get_data(as_text=True)) if "token" in page.get_data(as_text=True) else "t-1"
    r = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": token, f"qty_{shop.rice.id}": value, f"qty_{value}": "1"},
    )
    assert r.status_code in (400, 409), (value, r.status_code)
    assert _order_count(session) == 0


def test_a_card_in_the_query_string_is_not_read(client, app, login, shop):
    """A payload in a URL lands in access logs and browser history: the counter takes cards
    only in a POST body, and its links and forms carry no payload."""
    login(shop.clerk)
    card = cards.payload_for(app.config["SECRET_KEY"], shop.resident)
    page = client.get("/shop/counter", query_string={"card": card})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "户号 1001" not in html and card not in html
    assert 'id="card-form"' in html
    form = re.search(r'<form method="(\w+)" action="([^"]+)" id="card-form">', html)
    assert form.groups() == ("post", "/shop/counter")
    basket = client.post("/shop/counter", data={"card": card}, follow_redirects=True)
    assert card not in basket.request.url and "户号 1001" in basket.get_data(as_text=True)


def test_the_counter_refuses_another_households_resident_in_its_url(
    client, login, shop, make_household, make_resident
):
    login(shop.clerk)
    other = make_resident(shop.village, make_household(shop.village), name="王明")
    r = client.get(
        "/shop/counter", query_string={"household": shop.household.id, "resident": other.id}
    )
    assert r.status_code == 404
