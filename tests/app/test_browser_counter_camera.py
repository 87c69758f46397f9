"""The clerk scans a resident's card with the phone camera at the counter (headless Chromium).

Chromium's fake camera plays a Y4M of the card's real QR payload (the technique of
test_browser_checkin.py). With CUNYUE_SCREENSHOTS=docs/screenshots (`make screenshots`) its
phone-sized screenshots of the counter and the receipt go there, before test_journeys.py's
take their place; otherwise they go to a temp dir.
"""

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import PROJECT_ROOT
from points import cards, ledger, residents, users, villages
from points.models import EntryKind, Household, LedgerEntry, Role
from store import catalogue
from store.models import Item, Order, StockMovement
from tests.app.test_browser_checkin import y4m_of_card

pytestmark = pytest.mark.browser

PASSWORD = "long-enough-1"
PHONE = {"width": 390, "height": 780}


def _shop(live_server, code: str):
    """A village with a card holder (50 points), a neighbour household, a clerk and two items."""
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="超市村")
        r = residents.create_resident(s, village_id=v.id, household_number="8", name="王秀英")
        residents.create_resident(s, village_id=v.id, household_number="9", name="李德明")
        clerk = users.create_user(
            s, username=f"{code}-clerk", password=PASSWORD, village_id=v.id, roles=[Role.CLERK]
        )
        ledger.post(s, household_id=r.household_id, amount=50, kind=EntryKind.AWARD)
        soap = catalogue.create_item(
            s, village_id=v.id, data={"name": "肥皂", "unit": "块", "price": 5}, stock=9, by_id=None
        )
        towel = catalogue.create_item(
            s,
            village_id=v.id,
            data={"name": "毛巾", "unit": "条", "price": 12},
            stock=3,
            by_id=None,
        )
        return {
            "village": v.id,
            "resident": r.id,
            "household": r.household_id,
            "clerk": clerk.id,
            "soap": soap.id,
            "towel": towel.id,
            "payload": cards.payload_for(live_server.app.config["SECRET_KEY"], r),
            "short_code": cards.short_code_for(live_server.app.config["SECRET_KEY"], r),
        }


def _camera_page(launch_browser, live_server, tmp_path, payload: str, username: str):
    assert (PROJECT_ROOT / "app/static/vendor/jsQR.js").exists(), "run `make assets` first"
    video = y4m_of_card(payload, tmp_path / "card.y4m")
    browser = launch_browser(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    page = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    page.goto(live_server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.goto(live_server.url + "/shop/counter")
    return page


def test_camera_scan_two_items_receipt_and_books(launch_browser, live_server, tmp_path):
    shop = _shop(live_server, "cam-shop")
    page = _camera_page(launch_browser, live_server, tmp_path, shop["payload"], "cam-shop-clerk")
    assert page.locator("#scanner video").is_visible()
    assert page.locator("#basket").count() == 0

    # The scan: a big green box naming the card holder, then her household's basket.
    page.wait_for_selector("#scan-result.ok", timeout=20000)
    found = page.inner_text("#scan-result")
    assert "王秀英" in found and "8" in found and "50" in found
    page.wait_for_selector("#basket", timeout=10000)
    assert page.locator("#household-panel.just-scanned").count() == 1
    panel = page.locator("#household-panel").inner_text()
    assert "王秀英" in panel and "李德明" not in panel
    assert page.locator("#counter-camera").is_hidden()  # no rescan while the basket is open
    assert page.locator("#scan-next").is_visible()
    assert page.locator("#balance").inner_text() == "50"
    assert page.locator("#confirm").is_disabled()

    # Two items: 2 soap (5) and 1 towel (12); the remaining balance follows each tap.
    soap_plus = page.locator(f"li[data-item='{shop['soap']}'] button[data-step='1']")
    soap_plus.click()
    assert page.locator("#remaining").inner_text() == "45"
    soap_plus.click()
    page.locator(f"li[data-item='{shop['towel']}'] button[data-step='1']").click()
    assert page.locator("#total").inner_text() == "22"
    assert page.locator("#remaining").inner_text() == "28"
    assert page.locator("#confirm").is_enabled()
    box = page.locator("#confirm").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a thumb-sized target on a phone
    shots = Path(os.environ.get("CUNYUE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "counter.png"))

    page.click("#confirm")
    page.wait_for_url("**/shop/orders/*")
    assert page.locator(".balance-after").inner_text() == "28"
    assert page.locator(".total").inner_text() == "22"
    receipt = page.locator("#receipt").inner_text()
    assert "肥皂" in receipt and "毛巾" in receipt and "王秀英" in receipt
    page.screenshot(path=str(shots / "receipt.png"))

    with live_server.db.session(write=False) as s:
        (order,) = s.scalars(select(Order).where(Order.village_id == shop["village"])).all()
        assert (order.household_id, order.resident_id, order.clerk_id) == (
            shop["household"],
            shop["resident"],
            shop["clerk"],
        )
        assert (order.total, order.balance_after, order.status.value) == (22, 28, "completed")
        assert sorted((ln.item_id, ln.quantity, ln.amount) for ln in order.lines) == sorted(
            [(shop["soap"], 2, 10), (shop["towel"], 1, 12)]
        )
        entries = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.household_id == shop["household"])
            .order_by(LedgerEntry.seq)
        ).all()
        assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
            (EntryKind.AWARD, 50, 50),
            (EntryKind.REDEMPTION, -22, 28),
        ]
        assert (entries[-1].source_type, entries[-1].source_id) == ("order", order.id)
        assert entries[-1].resident_id == shop["resident"]
        assert s.get(Household, shop["household"]).balance == 28
        assert s.get(Item, shop["soap"]).stock == 7
        assert s.get(Item, shop["towel"]).stock == 2
        moves = s.scalars(select(StockMovement).where(StockMovement.order_id == order.id)).all()
        assert sorted((m.item_id, m.delta, m.stock_after) for m in moves) == sorted(
            [(shop["soap"], -2, 7), (shop["towel"], -1, 2)]
        )
        assert ledger.verify(s, village_id=shop["village"]).ok


def test_camera_scan_of_another_villages_card_is_refused(launch_browser, live_server, tmp_path):
    shop = _shop(live_server, "cam-home")
    other = _shop(live_server, "cam-away")
    page = _camera_page(launch_browser, live_server, tmp_path, other["payload"], "cam-home-clerk")
    page.wait_for_selector("#scan-result.error", timeout=20000)
    assert page.inner_text("#scan-result").strip()
    assert "王秀英" not in page.inner_text("#scan-result")
    assert page.url.endswith("/shop/counter")  # still waiting for a good card
    assert page.locator("#basket").count() == 0
    # The typed field still works beside the camera (a USB scanner types into it).
    page.fill("#card", shop["short_code"])
    page.press("#card", "Enter")
    page.wait_for_selector("#basket")
    assert "王秀英" in page.locator("#household-panel").inner_text()
    assert page.locator("#household-panel.just-scanned").count() == 0
    with live_server.db.session(write=False) as s:
        assert s.scalars(select(Order).where(Order.village_id == shop["village"])).all() == []
        assert s.get(Household, other["household"]).balance == 50


FAILING_DETECTOR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { window.detectFailures = (window.detectFailures || 0) + 1;
             return Promise.reject(new DOMException("no detection service", "NotSupportedError")); }
};
"""


def test_a_native_detector_that_fails_falls_back_to_the_pages_decoders(
    launch_browser, live_server, tmp_path
):
    """A browser that says it reads QR codes but cannot (an Android phone without its
    detection service): the scanner falls back to the worker and to jsQR, which it fetches
    then, and the card is still read."""
    shop = _shop(live_server, "cam-fallback")
    video = y4m_of_card(shop["payload"], tmp_path / "card.y4m")
    browser = launch_browser(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    context.add_init_script(FAILING_DETECTOR)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#username", "cam-fallback-clerk")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.goto(live_server.url + "/shop/counter")
    page.wait_for_selector("#scan-result.ok", timeout=20000)
    assert "王秀英" in page.inner_text("#scan-result")
    assert page.evaluate("window.detectFailures") == 1  # tried once, then left alone
    context.close()
