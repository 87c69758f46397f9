"""The host's scanning page in headless Chromium with a fake camera showing a real card QR."""

from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.config import PROJECT_ROOT
from points import cards, events, ledger, residents, users, villages
from points.clock import now
from points.event_models import Attendance
from points.models import Household, Role, RuleUnit
from tests.app.journeyutil import y4m_of_cards
from tests.eventutil import make_rule

pytestmark = pytest.mark.browser

PASSWORD = "long-enough-1"
BLANK_FRAMES = 40  # 4 s of an empty view before the card appears (time to cut the network)
CARD_FRAMES = 20


def y4m_of_card(payload: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A Y4M video (raw YUV 4:2:0) for Chromium's fake camera: blank, then the card's QR."""
    fps = 10
    return y4m_of_cards(
        [(None, BLANK_FRAMES / fps), (payload, CARD_FRAMES / fps)],
        path,
        width=width,
        height=height,
        fps=fps,
        box_size=8,
    )


def _setup(live_server, code: str):
    secret = live_server.app.config["SECRET_KEY"]
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="扫码村")
        r = residents.create_resident(s, village_id=v.id, household_number="8", name="张建国")
        users.create_user(
            s,
            username=f"{code}-host",
            password=PASSWORD,
            village_id=v.id,
            roles=[Role.HOST],
        )
        rule = make_rule(s, v, points=5)
        start = now() - timedelta(minutes=5)
        event = events.create_event(
            s,
            village_id=v.id,
            title="扫码议事会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        return cards.payload_for(secret, r), event.id, r.id, r.household_id, v.id


def _open_scanner(launch_browser, live_server, tmp_path, payload, username, event_id):
    assert (PROJECT_ROOT / "app/static/vendor/jsQR.js").exists(), "run `make assets` first"
    video = y4m_of_card(payload, tmp_path / "card.y4m")
    browser = launch_browser(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = browser.new_context(viewport={"width": 390, "height": 780})
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.goto(f"{live_server.url}/host/events/{event_id}/scan")
    return context, page


def _attendance(live_server, event_id):
    with live_server.db.session(write=False) as s:
        return s.scalars(select(Attendance).where(Attendance.event_id == event_id)).all()


def test_scanning_page_checks_a_card_in(launch_browser, live_server, tmp_path):
    payload, event_id, resident_id, household_id, village_id = _setup(live_server, "scan-online")
    _context, page = _open_scanner(
        launch_browser, live_server, tmp_path, payload, "scan-online-host", event_id
    )
    page.wait_for_selector("#scan-result.ok", timeout=20000)
    assert "张建国" in page.inner_text("#scan-result")
    assert "+5" in page.inner_text("#scan-result")
    assert page.inner_text("#scan-count") == "1"
    rows = _attendance(live_server, event_id)
    assert [(a.resident_id, a.method.value, a.points_awarded) for a in rows] == [
        (resident_id, "card", 5)
    ]
    with live_server.db.session(write=False) as s:
        assert s.get(Household, household_id).balance == 5
        assert ledger.verify(s, village_id=village_id).ok


def test_offline_scan_is_queued_and_sent_later(launch_browser, live_server, tmp_path):
    payload, event_id, resident_id, household_id, _ = _setup(live_server, "scan-offline")
    context, page = _open_scanner(
        launch_browser, live_server, tmp_path, payload, "scan-offline-host", event_id
    )
    page.wait_for_selector("#scanner video")
    context.set_offline(True)  # the card appears only after the blank lead-in
    page.wait_for_selector("#scan-queued-box:not([hidden])", timeout=20000)
    assert int(page.inner_text("#scan-queued")) >= 1
    assert page.locator("#scan-result.warn").count() == 1
    assert _attendance(live_server, event_id) == []  # nothing reached the server

    context.set_offline(False)
    page.locator("#scan-queued-box").wait_for(state="hidden", timeout=20000)
    assert page.inner_text("#scan-count") == "1"
    rows = _attendance(live_server, event_id)
    assert len(rows) == 1
    att = rows[0]
    assert att.resident_id == resident_id and att.method.value == "offline"
    assert att.client_id and att.client_id.startswith("d")
    assert att.checked_in_at < att.recorded_at  # the phone's scan time, before it was sent
    with live_server.db.session(write=False) as s:
        assert s.get(Household, household_id).balance == 5


def test_y4m_frames_decode(tmp_path):
    """The test video itself holds a readable QR (so a failure above is the page's)."""
    import zxingcpp

    path = y4m_of_card("CY1TESTPAYLOAD", tmp_path / "t.y4m")
    data = path.read_bytes()
    header_end = data.index(b"\n") + 1
    frame_len = 640 * 480 * 3 // 2
    start = header_end + (BLANK_FRAMES) * (6 + frame_len) + 6
    img = Image.frombytes("L", (640, 480), data[start : start + 640 * 480])
    assert [b.text for b in zxingcpp.read_barcodes(img)] == ["CY1TESTPAYLOAD"]


def test_volunteer_checkout_by_typed_short_code(launch_browser, live_server):
    secret = live_server.app.config["SECRET_KEY"]
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="scan-checkout", name="志愿村")
        r = residents.create_resident(s, village_id=v.id, household_number="9", name="李志愿")
        users.create_user(
            s, username="checkout-host", password=PASSWORD, village_id=v.id, roles=[Role.HOST]
        )
        rule = make_rule(s, v, code="ZY01", points=4, unit=RuleUnit.PER_HOUR)
        start = now() - timedelta(hours=2)
        event = events.create_event(
            s,
            village_id=v.id,
            title="清扫河道",
            kind="volunteer",
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        event.opened_at = start  # opened when the work began
        events.check_in(s, event=event, resident=r, method="manual", scanned_at=start, by_id=None)
        short_code, event_id, household_id = (
            cards.short_code_for(secret, r),
            event.id,
            r.household_id,
        )
    browser = launch_browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
    page = browser.new_page(viewport={"width": 390, "height": 780})
    page.goto(live_server.url + "/login")
    page.fill("#username", "checkout-host")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.goto(f"{live_server.url}/host/events/{event_id}/scan")
    page.check("#checkout-mode")
    page.fill("#scanner-manual", short_code)
    page.press("#scanner-manual", "Enter")
    page.wait_for_selector("#scan-result.ok", timeout=10000)
    assert "李志愿" in page.inner_text("#scan-result")
    assert "2 小时" in page.inner_text("#scan-result") and "+8" in page.inner_text("#scan-result")
    with live_server.db.session(write=False) as s:
        assert s.get(Household, household_id).balance == 8
