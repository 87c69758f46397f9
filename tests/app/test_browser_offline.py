"""The scanning page opened with no connection at all: the service worker's copy.

A host opens an event's scanning page once online; in the village hall there is no signal,
the page is opened again (reload), renders from the phone, a card read by the fake camera
waits on the phone, and when the connection returns the check-in reaches the ledger. Logging
out forgets the kept page. The server is watched the whole time: while the phone is offline
no request reaches it, so the page really came from the phone.
"""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from points import events, ledger
from points.event_models import Attendance, Event
from points.models import EntryKind, Household, LedgerEntry
from tests.app.journeyutil import log_in, make_scene, phone_context, y4m_of_cards

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def requests_seen(live_server):
    """The paths of the requests that reach the live server inside the block."""
    seen: list[str] = []
    app = live_server.app
    inner = app.wsgi_app

    def watching(environ, start_response):
        seen.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    app.wsgi_app = watching
    try:
        yield seen
    finally:
        app.wsgi_app = inner


def _open_event(live_server, event_id):
    with live_server.db.session() as s, s.begin():
        events.open_event(s, s.get(Event, event_id), by_id=None)


def test_scan_page_opens_offline_queues_a_scan_and_sends_it_later(
    live_server, launch_browser, tmp_path
):
    scene = make_scene(live_server, "offline-sw")
    _open_event(live_server, scene.event_id)
    with live_server.db.session(write=False) as s:
        balance_before = s.get(Household, scene.household_id).balance
    # The camera shows nothing for 8 s (time to load the page, keep it, cut the line and
    # open it again), then 李秀英's card, then nothing.
    video = y4m_of_cards(
        [(None, 8), (scene.card_payload, 3), (None, 40)], tmp_path / "late-card.y4m"
    )
    browser = launch_browser(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, scene.user("host"), "/staff")
    scan_url = f"{live_server.url}/host/events/{scene.event_id}/scan"
    page.goto(scan_url)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=10000)
    assert page.locator("#offline-ready").is_visible()

    with requests_seen(live_server) as seen:
        context.set_offline(True)
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#checkin")  # the page, not the browser's offline error
        assert "十一月议事协商会" in page.inner_text("h1")
        page.wait_for_selector("#scan-queued-box:not([hidden])", timeout=20000)
        assert page.inner_text("#scan-queued") == "1"
        assert page.locator("#scan-result.warn").count() == 1
        # the script and the decoder came from the phone too: the camera did read the card
        assert page.evaluate("typeof window.jsQR") == "function"
        offline_requests = list(seen)
    # Only the browser's own update check of the worker script gets through: DevTools'
    # offline switch does not cover it (with no signal it fails and the worker stays).
    assert [p for p in offline_requests if p != "/host/sw.js"] == [], offline_requests
    with live_server.db.session(write=False) as s:
        assert (
            s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all() == []
        )

    context.set_offline(False)
    page.locator("#scan-queued-box").wait_for(state="hidden", timeout=20000)
    assert page.inner_text("#scan-count") == "1"
    with live_server.db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()
        assert [(a.resident_id, a.method.value, a.points_awarded) for a in rows] == [
            (scene.resident_id, "offline", 3)
        ]
        assert rows[0].checked_in_at < rows[0].recorded_at  # scanned offline, sent later
        entry = s.get(LedgerEntry, rows[0].entry_id)
        assert (entry.kind, entry.amount, entry.household_id) == (
            EntryKind.AWARD,
            3,
            scene.household_id,
        )
        assert s.get(Household, scene.household_id).balance == balance_before + 3
        assert ledger.verify(s, village_id=scene.village_id).ok

    # Logging out forgets the kept page: offline, it no longer opens.
    page.click("nav.mainnav button:has-text('退出')")
    page.wait_for_url("**/login")
    page.wait_for_selector("html[data-offline-pages='forgotten']", timeout=10000)
    assert page.evaluate("caches.has('cunyue-pages')") is False
    context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(scan_url)
    context.set_offline(False)


def test_other_pages_and_the_api_are_never_kept(live_server, launch_browser):
    scene = make_scene(live_server, "offline-sw-only")
    _open_event(live_server, scene.event_id)
    browser = launch_browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, scene.user("host"), "/staff")
    page.goto(f"{live_server.url}/host/events/{scene.event_id}/scan")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=10000)
    page.goto(f"{live_server.url}/host/events/{scene.event_id}")  # under the worker's scope
    page.evaluate("fetch('/api/v1/me').then(r => r.json())")
    kept = page.evaluate(
        """async () => {
            const out = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const req of await cache.keys()) out.push(new URL(req.url).pathname);
            }
            return out.sort();
        }"""
    )
    assert f"/host/events/{scene.event_id}/scan" in kept
    assert f"/host/events/{scene.event_id}" not in kept
    assert not [p for p in kept if p.startswith("/api/")]
    assert {p for p in kept if p.startswith("/static/")} == {
        "/static/css/cunyue.css",
        "/static/vendor/jsQR.js",
        "/static/js/scanner.js",
        "/static/js/checkin.js",
        "/static/js/offline.js",
        "/static/js/decode-worker.js",
        "/static/vendor/barcode-detector.js",
        "/static/vendor/zxing_reader.wasm",
    }
    context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(f"{live_server.url}/host/events/{scene.event_id}")


def test_queued_scans_wait_for_a_new_login_instead_of_being_dropped(live_server, launch_browser):
    scene = make_scene(live_server, "offline-relogin")
    _open_event(live_server, scene.event_id)
    browser = launch_browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, scene.user("host"), "/staff")
    scan_url = f"{live_server.url}/host/events/{scene.event_id}/scan"
    page.goto(scan_url)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=10000)
    context.set_offline(True)
    page.fill("#scanner-manual", scene.short_code)
    page.press("#scanner-manual", "Enter")
    page.wait_for_selector("#scan-queued-box:not([hidden])", timeout=10000)

    context.clear_cookies()  # the login is gone by the time the line comes back
    context.set_offline(False)
    page.wait_for_selector("#scan-result:has-text('请重新登录')", timeout=20000)
    assert page.inner_text("#scan-queued") == "1"  # kept, not dropped
    with live_server.db.session(write=False) as s:
        assert not s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()

    log_in(page, live_server.url, scene.user("host"), "/staff")
    page.goto(scan_url)
    page.locator("#scan-queued-box").wait_for(state="hidden", timeout=20000)
    with live_server.db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()
        assert [(a.resident_id, a.method.value, a.points_awarded) for a in rows] == [
            (scene.resident_id, "offline", 3)
        ]
