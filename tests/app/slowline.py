"""The village's slow line (250 kbps, 800 ms round trips) and what a page costs on it.

A page's time to usable on that line is set by two things a test can count exactly: the round
trips on its critical path and the bytes that come down. The document is one round trip; what
its HTML names (the stylesheet, a script) comes in parallel on the second; anything a
stylesheet or a script asks for before the page has loaded costs a third. DevTools' network
emulation adds its latency to every answer and shares the throughput between them, so the
seconds it shows are the model's ``round_trips × 0.8 + bytes ÷ 31,250`` (the /me page: 2 round
trips and 19,939 bytes, model 2.24 s, measured 2.24 s). The tests hold the model to the 3 s
budget, which does not depend on how busy the machine is; ``make bench-phone``
(bench/phone.py) measures the real loads under emulation and prints both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SLOW_LINE = {
    "offline": False,
    "latency": 800,  # ms added to every round trip
    "downloadThroughput": 250_000 / 8,  # 250 kbps in bytes per second
    "uploadThroughput": 250_000 / 8,
}
FULL_SPEED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
RTT_S = SLOW_LINE["latency"] / 1000
BYTES_PER_S = SLOW_LINE["downloadThroughput"]
BUDGET_S = 3.0  # usable (shown, its stylesheet and scripts loaded) on the slow line


@dataclass
class ColdLoad:
    """A page loaded from a cold cache, as the slow line would carry it."""

    path: str
    bytes: int  # all received until the network is idle: headers and bodies, as sent
    round_trips: int  # on the critical path to the load event
    chained: list[str] = field(default_factory=list)  # asked for by a stylesheet or a script
    measured_s: float | None = None  # with the line emulated: wall time to usable

    @property
    def seconds(self) -> float:
        """Time to usable on the slow line (the model above)."""
        return self.round_trips * RTT_S + self.bytes / BYTES_PER_S

    def __str__(self) -> str:
        chained = f", chained: {', '.join(self.chained)}" if self.chained else ""
        measured = f", measured {self.measured_s:.2f} s" if self.measured_s is not None else ""
        return (
            f"{self.path}: {self.round_trips} round trips, {self.bytes:,} bytes, "
            f"{self.seconds:.2f} s{measured}{chained}"
        )


def _named_in(html: str, url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target in html or target.replace("&", "&amp;") in html


def cold_load(page, base_url: str, path: str, selector: str, *, emulate: bool = False) -> ColdLoad:
    """Load ``path`` with an empty cache, wait until ``selector`` shows and the network is idle,
    and count its round trips and bytes. The page's session (cookies) is kept. With
    ``emulate`` the slow line is put on the page and the wall time to usable (``selector``
    shown and the load event passed) is measured too: the bench's business, not the tests'."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    if emulate:
        cdp.send("Network.emulateNetworkConditions", SLOW_LINE)
    received: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    requested: list[str] = []

    def on_request(request) -> None:
        requested.append(request.url)

    page.on("request", on_request)
    started = time.monotonic()
    try:
        response = page.goto(base_url + path, wait_until="load")
        before_load = list(requested)
        page.locator(selector).wait_for(state="visible", timeout=10_000)
        measured = time.monotonic() - started
        html = response.text()
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("request", on_request)
        if emulate:
            cdp.send("Network.emulateNetworkConditions", FULL_SPEED)
        cdp.detach()
    document = response.url
    others = [url for url in before_load if url != document]
    chained = [urlsplit(url).path for url in others if not _named_in(html, url)]
    round_trips = 1 + bool(others) + bool(chained)
    return ColdLoad(path, int(sum(received)), round_trips, chained, measured if emulate else None)
