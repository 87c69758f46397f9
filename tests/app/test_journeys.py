"""The four journeys of a village day, end to end in headless Chromium on a phone-sized screen.

Each asserts what the page shows and what the database holds, and saves screenshots
(390 x 844, device scale 2) into docs/screenshots/ for the README.
"""

import pytest
from sqlalchemy import select

from points import ledger
from points.event_models import Attendance, Event, EventStatus
from points.models import AwardStatus, Household, Objection
from store.models import Item, Order
from tests.app.journeyutil import (
    log_in,
    make_scene,
    phone_context,
    screenshot,
    y4m_of_cards,
)

pytestmark = pytest.mark.browser


def _balance(live_server, household_id: int) -> int:
    with live_server.db.session(write=False) as s:
        return s.get(Household, household_id).balance


def test_resident_sees_balance_history_and_card(live_server, launch_browser):
    scene = make_scene(live_server, "journey-resident")
    page = phone_context(launch_browser()).new_page()
    log_in(page, live_server.url, scene.user("resident"), "/me")

    assert page.locator(".figures .balance").inner_text() == "55"
    figures = page.locator(".figures").inner_text()
    assert "待生效" in figures and "10" in figures  # the reviewed flood duty award waits
    main = page.locator("main").inner_text()
    assert "七月防汛" in main  # pending, with its note
    history = page.locator(".entries").last.inner_text()
    assert "门前三包达标" in history and "+5" in history
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "resident-points.png")

    page.click("nav.mainnav a[href='/me/card']")
    page.wait_for_url("**/me/card")
    assert page.locator(".mycard svg").is_visible()
    assert page.locator(".mycard .code").inner_text() == scene.short_code
    assert "李秀英" in page.locator("h1").inner_text()
    box = page.locator(".mycard svg").bounding_box()
    assert box["width"] >= 300  # big enough for a host's phone to read across a table
    screenshot(page, "resident-card.png")

    with live_server.db.session(write=False) as s:
        household = s.get(Household, scene.household_id)
        assert (household.balance, household.pending) == (55, 10)
        assert ledger.verify(s, village_id=scene.village_id).ok


def test_host_opens_event_and_checks_in_two_residents_one_offline(
    live_server, launch_browser, tmp_path
):
    scene = make_scene(live_server, "journey-host")
    neighbour_before = _balance(live_server, scene.neighbour_household_id)
    # The fake camera: 3 s of nothing, Li's card for 2 s, 5 s of nothing (the network is cut
    # meanwhile), Wang's card for 2 s, then nothing for longer than the test runs.
    video = y4m_of_cards(
        [(None, 3), (scene.card_payload, 2), (None, 5), (scene.neighbour_payload, 2), (None, 30)],
        tmp_path / "cards.y4m",
    )
    browser = launch_browser(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, scene.user("host"), "/staff")
    page.goto(f"{live_server.url}/host/events/{scene.event_id}")
    assert page.locator("a:has-text('扫卡签到')").count() == 0  # not open yet
    page.click("button:has-text('开始签到')")  # opens it and goes straight to scanning
    page.wait_for_url(f"**/host/events/{scene.event_id}/scan")
    assert page.locator(".flash").inner_text() == "活动已开始签到。"
    with live_server.db.session(write=False) as s:
        assert s.get(Event, scene.event_id).status == EventStatus.OPEN
    page.wait_for_selector("#scan-result.ok", timeout=20000)
    context.set_offline(True)  # the village's line drops before the second card
    assert "李秀英" in page.inner_text("#scan-result") and "+3" in page.inner_text("#scan-result")
    assert page.inner_text("#scan-count") == "1"
    screenshot(page, "host-scan.png")

    page.wait_for_selector("#scan-queued-box:not([hidden])", timeout=20000)
    assert page.inner_text("#scan-queued") == "1"
    assert page.locator("#scan-result.warn").count() == 1
    screenshot(page, "host-offline.png")
    with live_server.db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()
        assert [a.resident_id for a in rows] == [scene.resident_id]  # Wang waits on the phone

    context.set_offline(False)
    page.locator("#scan-queued-box").wait_for(state="hidden", timeout=20000)
    assert page.inner_text("#scan-count") == "2"
    with live_server.db.session(write=False) as s:
        rows = s.scalars(
            select(Attendance).where(Attendance.event_id == scene.event_id).order_by(Attendance.id)
        ).all()
        assert [(a.resident_id, a.method.value, a.points_awarded) for a in rows] == [
            (scene.resident_id, "card", 3),
            (scene.neighbour_id, "offline", 3),
        ]
        assert rows[1].checked_in_at < rows[1].recorded_at  # scanned offline, sent later
        assert ledger.verify(s, village_id=scene.village_id).ok
    assert _balance(live_server, scene.household_id) == 55 + 3
    assert _balance(live_server, scene.neighbour_household_id) == neighbour_before + 3


def test_clerk_redeems_two_items_and_prints_the_receipt(live_server, launch_browser, tmp_path):
    scene = make_scene(live_server, "journey-clerk")
    page = phone_context(launch_browser()).new_page()
    log_in(page, live_server.url, scene.user("clerk"), "/staff")
    page.click("nav.mainnav a[href='/shop/counter']")
    # The counter's camera is wired on another branch; a keyboard-wedge scanner types the
    # card's short code into the same field.
    page.fill("#card", scene.short_code)
    page.press("#card", "Enter")
    page.wait_for_selector("#basket")
    assert "李秀英" in page.locator(".household-panel").inner_text()
    assert page.locator("#balance").inner_text() == "55"
    page.locator(f"li[data-item='{scene.soap_id}'] button[data-step='1']").click()
    page.locator(f"li[data-item='{scene.soap_id}'] button[data-step='1']").click()
    page.locator(f"li[data-item='{scene.towel_id}'] button[data-step='1']").click()
    assert page.locator("#total").inner_text() == "22"
    assert page.locator("#remaining").inner_text() == "33"
    screenshot(page, "counter.png")

    page.click("#confirm")
    page.wait_for_url("**/shop/orders/*")
    assert page.locator(".total").inner_text() == "22"
    assert page.locator(".balance-after").inner_text() == "33"
    receipt = page.locator("#receipt").inner_text()
    assert "肥皂" in receipt and "毛巾" in receipt and "李秀英" in receipt

    page.emulate_media(media="print")  # what the 58 mm printer gets
    assert page.locator("#receipt").is_visible()
    assert not page.locator(".topbar").is_visible() and not page.locator("p.actions").is_visible()
    screenshot(page, "receipt.png")
    pdf = tmp_path / "receipt.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000

    with live_server.db.session(write=False) as s:
        order = s.scalars(select(Order).where(Order.household_id == scene.household_id)).one()
        assert order.total == 22 and order.number in receipt
        assert sorted((ln.item_name, ln.quantity) for ln in order.lines) == [
            ("毛巾", 1),
            ("肥皂", 2),
        ]
        assert (s.get(Item, scene.soap_id).stock, s.get(Item, scene.towel_id).stock) == (7, 2)
        assert s.get(Household, scene.household_id).balance == 33
        assert ledger.verify(s, village_id=scene.village_id).ok


def test_resident_objects_to_a_posted_award(live_server, launch_browser):
    scene = make_scene(live_server, "journey-objection")
    neighbour_before = _balance(live_server, scene.neighbour_household_id)
    page = phone_context(launch_browser()).new_page()
    log_in(page, live_server.url, scene.user("resident"), "/me")
    page.click("nav.mainnav a[href='/board']")
    page.wait_for_url("**/board")
    board = page.locator(".entries").inner_text()
    assert "夜间值守" in board and "王建国" in board
    screenshot(page, "board.png")

    page.click(f"a[href='/awards/{scene.posted_award_id}/object']")
    page.fill("#reason", "那晚他不在值守点")
    screenshot(page, "objection.png")
    page.click("main button[type=submit]")
    page.wait_for_url("**/me")
    assert "那晚他不在值守点" in page.locator("main").inner_text()

    with live_server.db.session(write=False) as s:
        objection = s.scalars(
            select(Objection).where(Objection.award_id == scene.posted_award_id)
        ).one()
        assert objection.reason == "那晚他不在值守点"
        assert objection.award.status == AwardStatus.HELD
    assert _balance(live_server, scene.neighbour_household_id) == neighbour_before  # held
