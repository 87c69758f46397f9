"""A clerk cannot void an order: the receipt names who can, takes the clerk's request, and
the people who can void see it waiting, void the order or decline with a note."""

import re

import pytest
from sqlalchemy import func, select

from points.models import AuditLog, Role
from store.models import Item, Order, OrderStatus, VoidRequest
from tests.app import test_shop_pages
from tests.dbutil import row_counts

shop = test_shop_pages.shop  # the shop's fixture: a household with 60 points, rice and soap
_token = test_shop_pages._token


def _sell(client, login, shop, qty=2):
    login(shop.clerk)
    html = client.get(f"/shop/counter?household={shop.household.id}").get_data(as_text=True)
    r = client.post(
        f"/shop/counter/{shop.household.id}",
        data={"token": _token(html), f"qty_{shop.soap.id}": str(qty)},
    )
    url = r.headers["Location"]
    return url, int(url.rsplit("/", 1)[1])


def _requests(session, order_id):
    session.expire_all()
    return list(
        session.scalars(
            select(VoidRequest).where(VoidRequest.order_id == order_id).order_by(VoidRequest.id)
        )
    )


@pytest.fixture
def named(session, shop):
    shop.admin.full_name = "王会计"
    shop.supervisor.full_name = "赵监督"
    session.commit()
    return shop


def test_the_clerk_is_told_who_can_void_and_the_admin_voids_from_the_request(
    client, session, login, named
):
    shop = named
    url, order_id = _sell(client, login, shop)
    page = client.get(url).get_data(as_text=True)
    assert "店员不能作废单子" in page and "请找：王会计、赵监督。" in page
    assert f'action="/shop/orders/{order_id}/void-request"' in page
    assert f'action="/shop/orders/{order_id}/void"' not in page

    r = client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "多扫了一块肥皂"})
    assert r.status_code == 302
    [req] = _requests(session, order_id)
    assert (req.status, req.reason, req.requested_by_id) == (
        "open",
        "多扫了一块肥皂",
        shop.clerk.id,
    )
    page = client.get(url).get_data(as_text=True)
    assert "申请作废这张单子：多扫了一块肥皂" in page and 'void-request"' not in page
    # A second request for the same order is refused and writes nothing.
    before = row_counts(session)
    r = client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "再申请"})
    assert r.status_code == 409 and "已有作废申请在等待处理" in r.get_data(as_text=True)
    assert row_counts(session) == before

    login(shop.admin)
    home = client.get("/staff").get_data(as_text=True)
    assert "作废申请 (1)" in home
    listing = client.get("/shop/void-requests").get_data(as_text=True)
    number = session.get(Order, order_id).number
    assert number in listing and "多扫了一块肥皂" in listing and "户号 1001" in listing
    receipt = client.get(url).get_data(as_text=True)
    # The admin's void form starts from the clerk's reason.
    assert re.search(r'name="reason"[^>]*value="多扫了一块肥皂"', receipt)
    r = client.post(f"/shop/orders/{order_id}/void", data={"reason": "多扫了一块肥皂"})
    assert r.status_code == 302
    [req] = _requests(session, order_id)
    assert (req.status, req.decided_by_id) == ("voided", shop.admin.id)
    assert session.get(Order, order_id).status == OrderStatus.VOIDED
    assert shop.household.balance == 60 and session.get(Item, shop.soap.id).stock == 10
    assert "作废申请 (" not in client.get("/staff").get_data(as_text=True)
    listing = client.get("/shop/void-requests").get_data(as_text=True)
    assert "没有待处理的申请。" in listing and "已作废" in listing
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.object_id == order_id)))
    assert {"order.void_request", "order.void"} <= actions


def test_a_declined_request_shows_its_note_to_the_clerk_who_may_ask_again(
    client, session, login, named
):
    shop = named
    url, order_id = _sell(client, login, shop)
    client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "顾客反悔"})
    [req] = _requests(session, order_id)

    login(shop.admin)
    before = row_counts(session)
    r = client.post(f"/shop/void-requests/{req.id}/decline", data={"note": "  "})
    assert r.status_code == 400 and row_counts(session) == before
    r = client.post(f"/shop/void-requests/{req.id}/decline", data={"note": "已经用了，不能退"})
    assert r.status_code == 302
    [req] = _requests(session, order_id)
    assert (req.status, req.decision_note, req.decided_by_id) == (
        "declined",
        "已经用了，不能退",
        shop.admin.id,
    )
    assert session.get(Order, order_id).status == OrderStatus.COMPLETED
    again = client.post(f"/shop/void-requests/{req.id}/decline", data={"note": "再"})
    assert again.status_code == 409 and "这个作废申请已经处理过" in again.get_data(as_text=True)
    assert _requests(session, order_id)[0].decision_note == "已经用了，不能退"

    login(shop.clerk)
    page = client.get(url).get_data(as_text=True)
    assert "作废申请已被 王会计" in page and "已经用了，不能退" in page
    assert (
        client.post(
            f"/shop/orders/{order_id}/void-request", data={"reason": "顾客又来了"}
        ).status_code
        == 302
    )
    assert [r.status for r in _requests(session, order_id)] == ["declined", "open"]
    # Clerks do not void or decline.
    assert client.post(f"/shop/orders/{order_id}/void", data={"reason": "x"}).status_code == 403
    new = _requests(session, order_id)[-1]
    assert (
        client.post(f"/shop/void-requests/{new.id}/decline", data={"note": "x"}).status_code == 403
    )


def test_an_earlier_days_order_names_the_supervisors_only(client, session, login, named):
    shop = named
    url, order_id = _sell(client, login, shop, qty=1)
    shop.clock.advance(days=1)
    page = client.get(url).get_data(as_text=True)
    assert "只有村务监督委员会可以作废" in page and "请找：赵监督。" in page
    assert "王会计" not in page
    login(shop.admin)  # an admin cannot void it either, and may ask
    page = client.get(url).get_data(as_text=True)
    assert "请找：赵监督。" in page and f"/shop/orders/{order_id}/void-request" in page
    assert (
        client.post(
            f"/shop/orders/{order_id}/void-request", data={"reason": "昨天收错了"}
        ).status_code
        == 302
    )
    # Nor may the admin decline it: whoever may void the order decides the request.
    [req] = _requests(session, order_id)
    r = client.post(f"/shop/void-requests/{req.id}/decline", data={"note": "不用作废"})
    assert r.status_code == 403 and "监督委员会" in r.get_data(as_text=True)
    assert [x.status for x in _requests(session, order_id)] == ["open"]
    login(shop.supervisor)
    page = client.get(url).get_data(as_text=True)
    assert f'action="/shop/orders/{order_id}/void"' in page and "驳回申请" in page


def test_residents_and_other_villages_cannot_request(
    client, session, login, named, make_village, make_user
):
    shop = named
    _url, order_id = _sell(client, login, shop)
    login(shop.resident_user)
    r = client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "x"})
    assert r.status_code == 403
    other = make_user(make_village(), roles=[Role.CLERK])
    login(other)
    r = client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "x"})
    assert r.status_code == 404
    assert session.scalar(select(func.count(VoidRequest.id))) == 0


def test_a_voided_order_takes_no_request(client, session, login, named):
    shop = named
    url, order_id = _sell(client, login, shop)
    login(shop.admin)
    client.post(f"/shop/orders/{order_id}/void", data={"reason": "拿错了"})
    login(shop.clerk)
    page = client.get(url).get_data(as_text=True)
    assert "void-request" not in page
    r = client.post(f"/shop/orders/{order_id}/void-request", data={"reason": "x"})
    assert r.status_code == 409 and "已作废" in r.get_data(as_text=True)
    assert _requests(session, order_id) == []
