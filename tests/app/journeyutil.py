"""Helpers for the browser journeys: a small village, phone contexts, screenshots, axe-core."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.config import PROJECT_ROOT
from points import awards, cards, events, ledger, residents, rules, users, villages
from points.clock import now
from points.models import EntryKind, Role
from store import catalogue

PASSWORD = "long-enough-1"
# Journeys always save their screenshots; into docs/screenshots/ (the README's pictures) only
# when CUNYUE_SCREENSHOTS=docs/screenshots is set (`make screenshots`), so an ordinary test run
# leaves the tree clean.
SCREENSHOTS = Path(
    os.environ.get("CUNYUE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "cunyue-screenshots"
)
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0-2.2 A/AA, axe's best practices, and AAA (7:1 contrast for older eyes).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "wcag2aaa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


@dataclass
class Scene:
    village_id: int
    code: str
    resident_id: int
    household_id: int
    neighbour_id: int
    neighbour_household_id: int
    card_payload: str
    neighbour_payload: str
    short_code: str
    event_id: int
    posted_award_id: int
    soap_id: int
    towel_id: int

    def user(self, role: str) -> str:
        return f"{self.code}-{role}"


def make_scene(live_server, code: str, *, balance: int = 50) -> Scene:
    """A village with two households, a login per role, awards, a shop and a scheduled event."""
    secret = live_server.app.config["SECRET_KEY"]
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="村约示范村")
        me = residents.create_resident(s, village_id=v.id, household_number="1", name="李秀英")
        other = residents.create_resident(s, village_id=v.id, household_number="2", name="王建国")

        def login(role, **kw):
            return users.create_user(
                s,
                username=f"{code}-{role}",
                password=PASSWORD,
                village_id=v.id,
                roles=[role],
                **kw,
            )

        login(Role.RESIDENT, resident_id=me.id)
        host = login(Role.HOST)
        login(Role.CLERK)
        sup = login(Role.SUPERVISOR)

        def rule(rule_code, title, points, **kw):
            terms = rules.clean_terms(
                {"title": title, "category": "志愿服务", "points": points, **kw}
            )
            return rules.create_rule(
                s,
                village_id=v.id,
                code=rule_code,
                terms=terms,
                effective_from=date(2026, 1, 1),
                by_id=None,
            )

        clean = rule("HJ01", "门前三包达标", 5)
        flood = rule("ZY02", "参加应急抢险、防汛值守", 10, needs_review=True)
        meeting = rule("YS01", "参加议事协商会", 3)
        ledger.post(s, household_id=me.household_id, amount=balance, kind=EntryKind.AWARD)
        awards.create_award(s, village=v, rule=clean, resident=me, by=host, note="门前整洁")
        awards.create_award(s, village=v, rule=flood, resident=me, by=host, note="七月防汛")
        posted = awards.create_award(
            s, village=v, rule=flood, resident=other, by=host, note="夜间值守"
        )
        awards.approve(s, posted, by=sup)
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
        start = now() - timedelta(minutes=5)
        event = events.create_event(
            s,
            village_id=v.id,
            title="十一月议事协商会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule_id=meeting.id,
            by_id=None,
        )
        return Scene(
            village_id=v.id,
            code=code,
            resident_id=me.id,
            household_id=me.household_id,
            neighbour_id=other.id,
            neighbour_household_id=other.household_id,
            card_payload=cards.payload_for(secret, me),
            neighbour_payload=cards.payload_for(secret, other),
            short_code=cards.short_code_for(secret, me),
            event_id=event.id,
            posted_award_id=posted.id,
            soap_id=soap.id,
            towel_id=towel.id,
        )


def phone_context(browser):
    return browser.new_context(**PHONE)


def log_in(page, base_url: str, username: str, landing: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{landing}")


def screenshot(page, name: str) -> Path:
    """A phone-sized screenshot with a stable name (see SCREENSHOTS)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page and return the violations of the given impacts.

    The app's CSP (script-src 'self') refuses an inline <script>, so axe is evaluated through
    the DevTools protocol (page.evaluate), which the page's CSP does not govern.
    """
    assert AXE.exists(), "run `make assets` (npm ci installs axe-core)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (TAGS) => {
            const r = await axe.run(document, {resultTypes: ['violations'], runOnly: TAGS});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in impacts]


SMALL_TARGETS_JS = """(min) => {
    // Buttons, form controls and stand-alone links smaller than min x min CSS px. Links inside
    // running text (a sentence, a list line) are exempt, as in WCAG 2.5.5.
    const out = [];
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
        if (el.type === 'hidden') continue;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
        if (el.tagName === 'A' && style.display === 'inline') {
            const parent = el.parentElement;
            const text = (parent.innerText || '').trim();
            if (text.length > (el.innerText || '').trim().length + 2) continue;
        }
        let w = r.width, h = r.height;
        if (el.type === 'checkbox' || el.type === 'radio') {
            const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
            if (label) { const lr = label.getBoundingClientRect(); w = Math.max(w, lr.width); h = Math.max(h, lr.height); }
        }
        if (w < min - 0.5 || h < min - 0.5) {
            out.push({tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30), width: Math.round(w), height: Math.round(h)});
        }
    }
    return out;
}"""


# Elements (of a selector) whose text takes more than one line: one line of text is about
# 1.45 em high, two lines at least 2.9 em.
WRAPPED = """
(selector) => Array.from(document.querySelectorAll(selector)).filter(el => {
  if (el.getClientRects().length === 0) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(el).fontSize);
}).map(el => el.textContent.trim().slice(0, 30))
"""

# What sticks out of the phone's width: elements reaching past the viewport's right edge
# (unless inside a box that scrolls or clips them), and boxes whose own content (an unbroken
# string) runs out of them.
OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const inScroller = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || inScroller(el)) continue;
    const style = getComputedStyle(el);
    const spills = style.overflowX === 'visible' && !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)
      && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
    if (r.right > width + 0.5 || spills) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${(el.textContent || '').trim().slice(0, 30)}`);
    }
  }
  return out;
}
"""


def small_targets(page, minimum: int = 44) -> list[dict]:
    """Tap targets smaller than ``minimum`` CSS px (44 px: for older eyes and fingers)."""
    return page.evaluate(SMALL_TARGETS_JS, minimum)


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)


def y4m_of_cards(
    segments, path: Path, width: int = 480, height: int = 360, fps: int = 5, box_size: int = 6
) -> Path:
    """A Y4M video for Chromium's fake camera: ``segments`` is a list of (payload or None,
    seconds); None shows an empty grey view, a payload shows that card's QR code."""
    import qrcode
    from PIL import Image

    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    blank = Image.new("L", (width, height), 200).tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for payload, seconds in segments:
            if payload is None:
                frame = blank
            else:
                qr = qrcode.QRCode(
                    error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
                )
                qr.add_data(payload)
                qr.make(fit=True)
                code = qr.make_image(fill_color="black", back_color="white").get_image()
                code = code.convert("L")
                image = Image.new("L", (width, height), 255)
                image.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
                frame = image.tobytes()
            for _ in range(int(seconds * fps)):
                f.write(b"FRAME\n")
                f.write(frame)
                f.write(chroma)
    return path
