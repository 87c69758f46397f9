"""On a phone (390 × 844) the review queue, an event's attendance table and the county table
are cards, not crushed tables: no cell narrower than four characters of text, and axe-core
finds nothing serious. On a desktop they stay tables."""

import pytest

from points import county, events
from points.event_models import CheckinMethod
from points.models import Resident, Village
from tests.app.journeyutil import (
    PASSWORD,
    axe_violations,
    describe,
    log_in,
    make_scene,
    phone_context,
)

pytestmark = pytest.mark.browser

# Cells shown (not display:none) narrower than four characters of their own font size.
NARROW_CELLS = """
() => Array.from(document.querySelectorAll('main td, main th')).filter(c => {
  const style = getComputedStyle(c);
  if (style.display === 'none' || c.getClientRects().length === 0) return false;
  const em = parseFloat(style.fontSize);
  return c.getBoundingClientRect().width < 4 * em;
}).map(c => c.textContent.trim().slice(0, 20))
"""


def _scene(live_server):
    scene = make_scene(live_server, "cards")
    with live_server.db.session() as s, s.begin():
        event = events.get_event(s, scene.village_id, scene.event_id)
        events.open_event(s, event, by_id=None)
        for rid in (scene.resident_id, scene.neighbour_id):
            events.check_in(
                s,
                event=event,
                resident=s.get(Resident, rid),
                method=CheckinMethod.MANUAL,
                by_id=None,
            )
        c = county.create_county(s, code="cards-xian", name="示范县")
        county.attach_village(s, c, s.get(Village, scene.village_id))
        county.create_officer(s, county=c, username="cards-officer", password=PASSWORD)
    return scene


def test_phone_pages_are_cards_and_accessible(live_server, launch_browser):
    scene = _scene(live_server)
    browser = launch_browser()
    found = {}
    visits = (
        (scene.user("supervisor"), "/staff", ["/awards/review"]),
        (scene.user("host"), "/staff", [f"/host/events/{scene.event_id}"]),
        ("cards-officer", "/county", ["/county"]),
    )
    for username, landing, paths in visits:
        context = phone_context(browser)
        page = context.new_page()
        log_in(page, live_server.url, username, landing)
        for path in paths:
            page.goto(live_server.url + path)
            text = page.locator("main").inner_text()
            if path == "/awards/review":
                assert "七月防汛" in text
                approve = page.locator("button.approve").first
                reject = page.locator("button.reject").first
                colours = [
                    b.evaluate("e => getComputedStyle(e).backgroundColor")
                    for b in (approve, reject)
                ]
                assert colours[0] != colours[1]  # approve and reject look different
            elif path.startswith("/host/events"):
                assert "李秀英" in text and "王建国" in text
            else:
                assert "村约示范村" in text
            narrow = page.evaluate(NARROW_CELLS)
            if narrow:
                found[path + " (cells < 4 characters)"] = narrow
            violations = axe_violations(page)
            if violations:
                found[path] = violations
        context.close()
    # on a desktop the county table is still a table
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "cards-officer", "/county")
    display = page.locator("table.county thead").evaluate("e => getComputedStyle(e).display")
    assert display == "table-header-group"
    context.close()
    assert not found, describe(found)
