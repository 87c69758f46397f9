"""Scan latency on a cheap phone: from the card's first frame to the decoded payload and to
the server's answer on the host's check-in page.

Headless Chromium with its fake camera plays a video of the card (bench/scanvideo.py) under
each condition; the CPU is throttled 6× (DevTools ``Emulation.setCPUThrottlingRate``) and
the network set to 250 kbps with 800 ms round trips, once the page has loaded (its load is
the budget tests' business: tests/app/test_field_conditions.py). The page's scanner is told
by ``window.CunyueScannerProbe`` which decoder to use and reports each decoding attempt and
payload; a 1-px read of the video's corner mark gives the time the card's first frame
reached the page; a MutationObserver gives the time the answer was shown.

    python -m bench.scan                  # every condition × decoder, writes bench/results/scan-latest.md
    python -m bench.scan --quick          # the clean card only, two decoders
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench import inthread, scanvideo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CPU_RATE = 6  # --cpu-rate
SLOW_LINE = {
    "offline": False,
    "latency": 800,
    "downloadThroughput": 250_000 / 8,
    "uploadThroughput": 250_000 / 8,
}
DECODERS = ("main-jsqr", "worker-jsqr", "worker-zxing")
BLANK_S, CARD_S = 1.0, 2.0

PROBE_JS = """
(() => {
  const probe = window.CunyueScannerProbe = {
    decoder: %(decoder)r, repeatMs: 300,
    attempts: [], decodes: [], cards: [], blanks: [], shown: [], acks: [], lastMark: null,
    attempt(ok, ms) { probe.attempts.push([performance.now() - ms, ok, ms]); },
    decoded(text) { probe.decodes.push([performance.now(), text]); },
  };
  const mark = document.createElement("canvas");
  mark.width = mark.height = 1;
  const mctx = mark.getContext("2d", { willReadFrequently: true });
  function watch(video) {
    const onFrame = (now, meta) => {
      if (video.videoWidth) {
        mctx.drawImage(video, 0, 0, 12, 12, 0, 0, 1, 1);
        const card = mctx.getImageData(0, 0, 1, 1).data[0] > 128;
        if (probe.lastMark !== null && card !== probe.lastMark) {
          // the camera's capture time of the frame (the page may see it later)
          const at = meta.captureTime || meta.presentationTime || now;
          (card ? probe.cards : probe.blanks).push(at);
        }
        probe.lastMark = card;
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const video = document.querySelector("#scanner video");
    if (video) watch(video);
    const box = document.getElementById("scan-result");
    if (box) new MutationObserver(() => {
      const t = performance.now();
      if (/\\b(ok|warn|error)\\b/.test(box.className)) probe.shown.push([t, box.className]);
      else if (/\\bpending\\b/.test(box.className)) probe.acks.push(t);
    }).observe(box, { attributes: true, childList: true, subtree: true });
  });
})();
"""


@dataclass
class Row:
    condition: str
    decoder: str
    decode_ms: list[float] = field(default_factory=list)
    shown_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    cycles: int = 0
    missed: int = 0
    card_attempts: int = 0
    card_decoded: int = 0
    attempt_ms: list[float] = field(default_factory=list)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def summarise(row: Row, probe: dict) -> Row:
    cards, blanks = probe["cards"], probe["blanks"]
    # the windows in which the card was in view: each rising edge to the next falling one
    windows = []
    for start in cards:
        end = next((b for b in blanks if b > start), None)
        if end is not None:
            windows.append((start, end))
    for start, end in windows:
        row.cycles += 1
        # the payload reported (a held card is reported once), and what it put on screen
        decode = next((t for t, _text in probe["decodes"] if start <= t <= end + 1000), None)
        if decode is None:
            row.missed += 1
            continue
        row.decode_ms.append(decode - start)
        later = decode + 5000
        ack = next((t for t in probe["acks"] if decode <= t <= later), None)
        if ack is not None:
            row.ack_ms.append(ack - start)
        shown = next((t for t, _cls in probe["shown"] if decode <= t <= later), None)
        if shown is not None:
            row.shown_ms.append(shown - start)
        for began, ok, ms in probe["attempts"]:
            if start <= began < end:
                row.card_attempts += 1
                row.card_decoded += bool(ok)
                row.attempt_ms.append(ms)
    return row


def _wait(page, expression: str, timeout_ms: int) -> None:
    """Wait until ``expression`` is true in the page (polled from here: the page's CSP forbids
    the eval that Playwright's wait_for_function needs)."""
    waited = 0
    while not page.evaluate(f"() => !!({expression})"):
        if waited > timeout_ms:
            raise TimeoutError(expression)
        page.wait_for_timeout(100)
        waited += 100


def measure(
    browser,
    base_url: str,
    username: str,
    password: str,
    event_id: int,
    row: Row,
    cycles: int,
    cpu_rate: int = CPU_RATE,
) -> Row:
    """One decoder under one condition: the browser's fake camera already plays the video."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    context.add_init_script(PROBE_JS % {"decoder": row.decoder})
    page.goto(f"{base_url}/host/events/{event_id}/scan")
    _wait(page, "window.CunyueScannerProbe && CunyueScannerProbe.lastMark !== null", 20_000)
    # jsQR comes once the camera has started (scanner.js): on the page before the line is slowed,
    # as it was when the page loaded it itself.
    _wait(page, "window.jsQR || 'BarcodeDetector' in window", 20_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_rate})
    # measure from the next empty view on: `cycles` whole cards
    _wait(page, "CunyueScannerProbe.blanks.length >= 1", 20_000)
    page.evaluate(
        "() => { const p = CunyueScannerProbe; const t = p.blanks[p.blanks.length - 1];"
        " for (const k of ['cards', 'blanks', 'decodes', 'shown', 'acks', 'attempts'])"
        " p[k] = p[k].filter(e => (Array.isArray(e) ? e[0] : e) >= t); }"
    )
    _wait(
        page,
        f"CunyueScannerProbe.blanks.length >= {cycles + 1}",
        int((cycles + 2) * (BLANK_S + CARD_S) * 1000 * 3),
    )
    probe = page.evaluate(
        "() => { const p = CunyueScannerProbe; return {cards: p.cards, blanks: p.blanks.slice(1),"
        " decodes: p.decodes, shown: p.shown, acks: p.acks, attempts: p.attempts}; }"
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    context.close()
    return summarise(row, probe)


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| condition | decoder | cards read | decode median ms | decode p95 ms "
        "| 'card read' shown p95 ms | answer shown median ms | answer shown p95 ms "
        "| frames decoded | ms per attempt (median) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        share = (
            f"{100 * r.card_decoded / r.card_attempts:.0f}% of {r.card_attempts}"
            if (r.card_attempts)
            else "—"
        )
        lines.append(
            f"| {r.condition} | {r.decoder} | {r.cycles - r.missed} of {r.cycles} "
            f"| {fmt(_pct(r.decode_ms, 0.5))} | {fmt(_pct(r.decode_ms, 0.95))} "
            f"| {fmt(_pct(r.ack_ms, 0.95))} "
            f"| {fmt(_pct(r.shown_ms, 0.5))} | {fmt(_pct(r.shown_ms, 0.95))} | {share} "
            f"| {fmt(statistics.median(r.attempt_ms) if r.attempt_ms else None)} |"
        )
    return "\n".join(lines)


def run(
    launch,
    base_url,
    username,
    password,
    event_id,
    payload,
    conditions,
    decoders,
    cycles,
    workdir: Path,
    cpu_rate: int = CPU_RATE,
) -> list[Row]:
    """``launch(*args)`` starts Chromium with extra arguments (the tests' fixture, or ours)."""
    rows = []
    for condition in conditions:
        video = scanvideo.write_y4m(
            payload,
            condition,
            workdir / f"{condition}.y4m",
            cycles=2,
            blank_s=BLANK_S,
            card_s=CARD_S,
        )
        browser = launch(
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
        try:
            for decoder in decoders:
                row = measure(
                    browser,
                    base_url,
                    username,
                    password,
                    event_id,
                    Row(condition, decoder),
                    cycles,
                    cpu_rate,
                )
                print(table([row]).splitlines()[-1], flush=True)
                rows.append(row)
        finally:
            browser.close()
    return rows


def _serve():
    """The app on a fresh SQLite database in a thread, with one village, host and event."""
    from points import cards, events, residents, rules, users, villages
    from points.clock import now
    from points.models import Role

    app, db = inthread.fresh_app("scan")
    with db.session() as s, s.begin():
        v = villages.create_village(s, code="scan", name="扫码测速村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="李秀英")
        users.create_user(
            s, username="scan-host", password="bench-password-1", village_id=v.id, roles=[Role.HOST]
        )
        from datetime import date

        rule = rules.create_rule(
            s,
            village_id=v.id,
            code="YS01",
            terms=rules.clean_terms({"title": "参加议事协商会", "category": "议事", "points": 3}),
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
        start = now() - timedelta(minutes=5)
        event = events.create_event(
            s,
            village_id=v.id,
            title="测速会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        payload = cards.payload_for("bench-scan", r)
        event_id = event.id
    server, base = inthread.serve(app)
    return server, base, event_id, payload


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--conditions", default=",".join(scanvideo.CONDITIONS))
    parser.add_argument("--decoders", default=",".join(DECODERS))
    parser.add_argument("--cpu-rate", type=int, default=CPU_RATE)
    args = parser.parse_args(argv)
    conditions = ["clean"] if args.quick else args.conditions.split(",")
    decoders = args.decoders.split(",")
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS

    server, base, event_id, payload = _serve()
    load = Path("/proc/loadavg").read_text().split()[:3]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as work:

        def launch(*extra):
            return p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra)
            )

        rows = run(
            launch,
            base,
            "scan-host",
            "bench-password-1",
            event_id,
            payload,
            conditions,
            decoders,
            args.cycles,
            Path(work),
            args.cpu_rate,
        )
    server.shutdown()
    out = table(rows)
    note = (
        f"\nCPU throttled {args.cpu_rate}×, network 250 kbps / 800 ms RTT, {args.cycles} cards "
        f"per row, load average at start {' '.join(load)}.\n"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    name = "scan-latest.md" if args.cpu_rate == CPU_RATE else f"scan-cpu{args.cpu_rate}.md"
    (results / name).write_text(out + "\n" + note, encoding="utf-8")
    print(out + "\n" + note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
