"""A resident logs in on a phone-sized headless Chromium and sees the points page."""

import pytest

from points import ledger, residents, users, villages
from points.models import EntryKind

pytestmark = pytest.mark.browser


def test_resident_logs_in_and_sees_balance(live_server, phone_page):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="browser-login", name="浏览器村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="张建国")
        users.create_user(
            s,
            username="zjg-browser",
            password="long-enough-1",
            village_id=v.id,
            roles=["resident"],
            resident_id=r.id,
        )
        ledger.post(
            s, household_id=r.household_id, amount=35, kind=EntryKind.AWARD, resident_id=r.id
        )
    page = phone_page
    page.goto(live_server.url + "/login")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#username", "zjg-browser")
    page.fill("#password", "long-enough-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/me")
    assert page.locator(".figures .balance").inner_text() == "35"
    assert "张建国" in page.locator(".entries").inner_text()
    page.click("text=English")
    assert page.locator("h1").inner_text().startswith("My points")
