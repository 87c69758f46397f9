"""The pages people open on a phone, loaded cold over the village's slow line.

The demo village is served from a thread on a fresh SQLite database; headless Chromium at
390 × 844 logs in as each user and loads their pages with an empty cache, the network
emulated at 250 kbps with 800 ms round trips. Each page is loaded three times, each time on a
new phone (browser context) that has never seen the site; the table gives
the median wall time to usable (the page's main content shown and its load event passed), the
model the tests hold to 3 s (round trips × 0.8 s + bytes ÷ 31,250; tests/app/slowline.py) and
the bytes over the wire.

    python -m bench.phone         # writes bench/results/phone-latest.md and prints it
"""

from __future__ import annotations

import statistics
from pathlib import Path

from bench import inthread

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
RUNS = 3
# (login, page, what shows when it is usable)
PAGES = [
    ("resident", "/me", ".figures .balance"),
    ("resident", "/me/card", ".mycard svg"),
    ("resident", "/topics/", "main h1"),
    ("resident", "/board", "main h1"),
    (None, "/v/demo", "main h1"),
    ("host", "/host/events", "main h1"),
    ("clerk", "/shop/counter", "main h1"),
]


def _serve():
    """The demo village in a thread, on a fresh SQLite database."""
    from app import demo

    app, db = inthread.fresh_app("phone")
    with db.session() as s, s.begin():
        demo.seed_demo(s)
    return inthread.serve(app)


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def measure(browser, base: str, password: str) -> list[tuple[str, str, list]]:
    from tests.app.journeyutil import PHONE
    from tests.app.slowline import cold_load

    rows = []
    for login, path, selector in PAGES:
        loads = []
        for _ in range(RUNS):
            # A new phone each time: the card is kept by the service worker after a first visit.
            context = browser.new_context(**PHONE)
            page = context.new_page()
            if login:
                _log_in(page, base, login, password)
            loads.append(cold_load(page, base, path, selector, emulate=True))
            context.close()
        rows.append((login or "anyone", path, loads))
        print(login or "anyone", *loads, sep="  ", flush=True)
    return rows


def table(rows) -> str:
    lines = [
        "| login | page | measured, median of 3 | model (tests' budget 3 s) | round trips | bytes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for login, path, loads in rows:
        measured = statistics.median(load.measured_s for load in loads)
        model = statistics.median(load.seconds for load in loads)
        size = statistics.median(load.bytes for load in loads)
        trips = max(load.round_trips for load in loads)
        lines.append(
            f"| {login} | {path} | {measured:.2f} s | {model:.2f} s | {trips} | {size:,.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from app.demo import DEMO_PASSWORD
    from tests.conftest import CHROMIUM_ARGS

    server, base = _serve()
    load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            rows = measure(browser, base, DEMO_PASSWORD)
        finally:
            browser.close()
    server.shutdown()
    out = table(rows) + (
        f"\n\nDemo village, cold cache, 390 × 844, network 250 kbps / 800 ms RTT; "
        f"load average at start {load_average}.\n"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "phone-latest.md").write_text(out, encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
