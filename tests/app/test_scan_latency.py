"""The scan-latency benchmark (bench/scan.py) in the suite, with one short condition: the
clean card, the decoder kept, a 6× throttled CPU and a 250 kbps / 800 ms line. Every card
shown is read, nearly every frame showing the card decodes, and the check-in reaches the
ledger. How long it takes is `make bench`'s to report (bench/README.md, "Scan latency"), not a
test's: on a shared machine a timed bound measures the machine."""

import pytest
from sqlalchemy import select

from bench import scan
from points import events
from points.event_models import Attendance, Event
from tests.app.journeyutil import PASSWORD, make_scene

pytestmark = pytest.mark.browser


def test_every_clean_card_is_read_on_a_throttled_phone(live_server, launch_browser, tmp_path):
    scene = make_scene(live_server, "scan-latency")
    with live_server.db.session() as s, s.begin():
        events.open_event(s, s.get(Event, scene.event_id), by_id=None)
    rows = scan.run(
        launch_browser,
        live_server.url,
        scene.user("host"),
        PASSWORD,
        scene.event_id,
        scene.card_payload,
        ["clean"],
        ["worker-zxing"],
        cycles=2,
        workdir=tmp_path,
    )
    (row,) = rows
    print(scan.table(rows))
    assert (row.cycles, row.missed) == (2, 0)
    assert len(row.decode_ms) == 2 and len(row.shown_ms) == 2
    assert row.card_decoded / row.card_attempts > 0.8  # nearly every frame of a clean card
    assert all(
        shown >= decoded + 800 for shown, decoded in zip(row.shown_ms, row.decode_ms, strict=True)
    )
    with live_server.db.session(write=False) as s:
        rows = s.scalars(select(Attendance).where(Attendance.event_id == scene.event_id)).all()
        assert [a.resident_id for a in rows] == [scene.resident_id]
