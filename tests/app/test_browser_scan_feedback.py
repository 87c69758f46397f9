"""Feedback a hall can hear and see: a check-in beeps and shows the name in large type for
2 s, a repeat beeps differently, an invalid card differently again; the sound can be muted,
and the setting stays on the phone."""

import pytest

from points import events
from points.event_models import Event
from tests.app.journeyutil import log_in, make_scene, phone_context

pytestmark = pytest.mark.browser

# Records what the phone would do: each vibration pattern, and each tone's pitch.
RECORD_JS = """
window.__buzz = [];
window.__tones = [];
navigator.vibrate = (pattern) => { window.__buzz.push(pattern); return true; };
const make = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  const osc = make.call(this);
  queueMicrotask(() => window.__tones.push(osc.frequency.value));
  return osc;
};
"""


def _heard(page) -> tuple[list, list]:
    """The vibrations and tones since the last call."""
    return page.evaluate(
        "() => { const out = [window.__buzz, window.__tones];"
        " window.__buzz = []; window.__tones = []; return out; }"
    )


def _type(page, code: str) -> None:
    page.fill("#scanner-manual", code)
    page.press("#scanner-manual", "Enter")


def test_scan_feedback_sound_mute_and_the_name_in_large_type(live_server, launch_browser):
    scene = make_scene(live_server, "feedback")
    with live_server.db.session() as s, s.begin():
        events.open_event(s, s.get(Event, scene.event_id), by_id=None)
    browser = launch_browser("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
    context = phone_context(browser)
    context.add_init_script(RECORD_JS)
    page = context.new_page()
    log_in(page, live_server.url, scene.user("host"), "/staff")
    page.goto(f"{live_server.url}/host/events/{scene.event_id}/scan")
    mute = page.locator("#scanner [data-role=mute]")
    assert mute.inner_text() == "提示音：开"
    assert mute.get_attribute("aria-pressed") == "false"
    assert mute.bounding_box()["height"] >= 44

    _type(page, scene.short_code)
    flash = page.locator("#scan-flash")
    flash.wait_for(state="visible", timeout=10000)
    assert "李秀英" in flash.inner_text()
    assert flash.get_attribute("class") == "scan-flash ok"
    font_px = float(flash.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    assert font_px >= 48  # large type, read at arm's length
    assert page.get_attribute("html", "data-last-feedback") == "ok:sound"
    assert _heard(page) == [[80], [1047]]  # one short buzz, one high beep
    flash.wait_for(state="hidden", timeout=5000)  # gone after 2 s

    mute.click()
    assert mute.inner_text() == "提示音：关"
    assert mute.get_attribute("aria-pressed") == "true"
    assert page.evaluate("localStorage.getItem('cunyue.scanner.muted')") == "1"
    _type(page, scene.short_code)  # the same card again: a repeat
    page.wait_for_selector("#scan-flash.warn:not([hidden])", timeout=10000)
    assert "李秀英" in page.inner_text("#scan-flash")
    assert page.get_attribute("html", "data-last-feedback") == "warn:muted"
    assert _heard(page) == [[[60, 60, 60]], []]  # a double buzz, and no sound: muted

    page.reload()  # the setting stays on this phone
    assert page.locator("#scanner [data-role=mute]").get_attribute("aria-pressed") == "true"
    page.locator("#scanner [data-role=mute]").click()
    _type(page, "CY1.999.bogus")
    page.wait_for_selector("#scan-flash.error:not([hidden])", timeout=10000)
    assert page.get_attribute("html", "data-last-feedback") == "error:sound"
    assert _heard(page) == [[[200, 80, 200]], [196]]  # a long double buzz, a low tone
