"""The clerk types a card's short code at the counter, adds two items, confirms, sees the receipt."""

import pytest

from points import cards, ledger, residents, users, villages
from points.models import EntryKind, Role
from store import catalogue

pytestmark = pytest.mark.browser


def test_counter_typed_card_two_items_receipt(live_server, phone_page):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="browser-shop", name="超市村")
        r = residents.create_resident(s, village_id=v.id, household_number="8", name="王秀英")
        users.create_user(
            s,
            username="shop-clerk",
            password="long-enough-1",
            village_id=v.id,
            roles=[Role.CLERK],
        )
        ledger.post(s, household_id=r.household_id, amount=50, kind=EntryKind.AWARD)
        soap = catalogue.create_item(
            s,
            village_id=v.id,
            data={"name": "肥皂", "unit": "块", "price": 5},
            stock=9,
            by_id=None,
        )
        towel = catalogue.create_item(
            s,
            village_id=v.id,
            data={"name": "毛巾", "unit": "条", "price": 12},
            stock=3,
            by_id=None,
        )
        code = cards.short_code_for(live_server.app.config["SECRET_KEY"], r)
    page = phone_page
    page.goto(live_server.url + "/login")
    page.fill("#username", "shop-clerk")
    page.fill("#password", "long-enough-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.goto(live_server.url + "/shop/counter")
    page.fill("#card", code)  # a keyboard-wedge scanner or a person types the code
    page.press("#card", "Enter")
    page.wait_for_selector("#basket")
    assert "王秀英" in page.locator(".household-panel").inner_text()
    # A greyed-out confirm button says why it cannot be pressed.
    assert page.locator("#confirm").is_disabled()
    assert page.locator("#confirm-why").inner_text() == "请先选择物品。"
    towel_line = page.locator(f"li[data-item='{towel.id}']")
    towel_line.locator("input").fill("3")
    towel_line.locator("input").dispatch_event("input")
    soap_line = page.locator(f"li[data-item='{soap.id}']")
    soap_line.locator("button[data-step='1']").click()
    soap_line.locator("button[data-step='1']").click()
    assert page.locator("#total").inner_text() == "46"
    soap_line.locator("button[data-step='1']").click()  # 51 points: one more than the balance
    assert page.locator("#confirm").is_disabled()
    assert page.locator("#confirm-why").inner_text() == "积分不足，还差 1 分。"
    grey = page.eval_on_selector("#confirm", "b => getComputedStyle(b).backgroundColor")
    assert grey == "rgb(154, 154, 154)"
    soap_line.locator("button[data-step='-1']").click()
    towel_line.locator("input").fill("1")
    towel_line.locator("input").dispatch_event("input")
    assert page.locator("#total").inner_text() == "22"
    assert page.locator("#remaining").inner_text() == "28"
    assert page.locator("#confirm").is_enabled()
    assert page.locator("#confirm-why").inner_text() == ""
    page.click("#confirm")
    page.wait_for_url("**/shop/orders/*")
    assert page.locator(".balance-after").inner_text() == "28"
    assert page.locator(".total").inner_text() == "22"
    receipt = page.locator("#receipt").inner_text()
    assert "肥皂" in receipt and "毛巾" in receipt and "王秀英" in receipt
