"""The resident's card with no signal: opened once online, it opens again offline (the
service worker's copy at /me/sw.js), its QR still decodes to the same payload, and the host
checks that payload in once back online. Logging out forgets the kept card. The web app
manifest makes the site installable with the card as its start page."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from points import events, users
from points.event_models import Attendance, Event
from points.models import User
from tests.app.journeyutil import log_in, make_scene, phone_context

pytestmark = pytest.mark.browser


def _decoded(page) -> str:
    shot = page.locator(".mycard svg").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(found) == 1, found
    return found[0].text


def test_card_opens_offline_decodes_and_checks_in_once_back_online(live_server, launch_browser):
    scene = make_scene(live_server, "card-offline")
    with live_server.db.session() as s, s.begin():
        events.open_event(s, s.get(Event, scene.event_id), by_id=None)
    context = phone_context(launch_browser())
    page = context.new_page()
    log_in(page, live_server.url, scene.user("resident"), "/me")
    card_url = live_server.url + "/me/card"
    page.goto(card_url)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=10000)
    assert page.locator("#offline-ready").is_visible()
    refreshed = page.inner_text("#card-refreshed")
    assert refreshed.startswith("更新于：")
    online_payload = _decoded(page)
    assert online_payload == scene.card_payload

    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector(".mycard svg")
    assert page.locator("#offline-copy").is_visible()
    assert page.inner_text("#card-refreshed") == refreshed  # the time of the kept copy
    assert page.inner_text(".mycard .code") == scene.short_code
    offline_payload = _decoded(page)
    assert offline_payload == online_payload

    # Back online, the host checks the card read from the offline copy in.
    context.set_offline(False)
    with live_server.db.session() as s, s.begin():
        host = s.scalars(select(User).where(User.username == scene.user("host"))).one()
        token, _row = users.issue_token(s, host)
    answer = context.request.post(
        f"{live_server.url}/api/v1/events/{scene.event_id}/checkins",
        data={"card": offline_payload},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "card-offline-1"},
    )
    assert answer.status == 201, answer.text()
    assert answer.json()["resident"]["name"] == "李秀英"
    with live_server.db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()
        assert [(a.resident_id, a.points_awarded) for a in rows] == [(scene.resident_id, 3)]

    # Logging out forgets the kept card: offline, it no longer opens.
    page.click("nav.mainnav button:has-text('退出')")
    page.wait_for_url("**/login")
    page.wait_for_selector("html[data-offline-pages='forgotten']", timeout=10000)
    assert page.evaluate("caches.has('cunyue-pages-card')") is False
    context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(card_url)
    context.set_offline(False)


def test_manifest_names_the_app_in_chinese_with_icons(live_server, launch_browser):
    context = phone_context(launch_browser())
    page = context.new_page()
    page.goto(live_server.url + "/login")
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = context.request.get(live_server.url + href)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert (data["name"], data["short_name"], data["start_url"], data["display"]) == (
        "村约积分",
        "村约积分",
        "/me/card",
        "standalone",
    )
    sizes = set()
    for icon in data["icons"]:
        png = context.request.get(live_server.url + icon["src"])
        assert png.status == 200
        image = Image.open(io.BytesIO(png.body()))
        assert icon["sizes"] == f"{image.width}x{image.height}"
        sizes.add(image.width)
    assert {192, 512} <= sizes
