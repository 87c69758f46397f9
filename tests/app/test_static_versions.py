"""Static files by versioned URLs (?v=<hash of the file>), kept a year; the host's worker."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import timedelta

import pytest

from app import create_app
from app.assets import static_version
from app.config import PROJECT_ROOT
from points import events
from points.clock import now
from points.models import Role
from tests.eventutil import make_rule

STATIC = PROJECT_ROOT / "app" / "static"
YEAR = "public, max-age=31536000, immutable"


def _short_hash(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@pytest.fixture
def static_copy(app, tmp_path):
    """The app serving a copy of app/static that a test may change."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    return folder


def _app_on(db, folder):
    other = create_app({"TESTING": True, "CUNYUE_DATABASE": db, "SECRET_KEY": "test-key"})
    other.static_folder = str(folder)
    return other


def test_pages_link_their_static_files_by_content_hash(client):
    html = client.get("/login").text
    css = _short_hash(STATIC / "css" / "cunyue.css")
    assert f'href="/static/css/cunyue.css?v={css}"' in html
    forget = _short_hash(STATIC / "js" / "offline-forget.js")
    assert f'src="/static/js/offline-forget.js?v={forget}"' in html


def test_scan_page_scripts_are_versioned(
    app, client, session, village, make_user, login, make_resident
):
    rule = make_rule(session, village)
    start = now() - timedelta(minutes=5)
    event = events.create_event(
        session,
        village_id=village.id,
        title="议事会",
        kind="meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        rule_id=rule.id,
        by_id=None,
    )
    login(make_user(village, roles=[Role.HOST]))
    html = client.get(f"/host/events/{event.id}/scan").text
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources and all(re.search(r"\?v=[0-9a-f]{12}$", s) for s in sources), sources
    assert 'data-sw="/host/sw.js"' in html
    assert f"/static/js/checkin.js?v={_short_hash(STATIC / 'js' / 'checkin.js')}" in sources


def test_versioned_requests_are_kept_a_year_and_others_a_day(client):
    version = _short_hash(STATIC / "js" / "scanner.js")
    r = client.get(f"/static/js/scanner.js?v={version}")
    assert r.status_code == 200 and r.headers["Cache-Control"] == YEAR
    r.close()
    for url in ("/static/js/scanner.js", "/static/js/scanner.js?v=0123456789ab"):
        r = client.get(url)  # unversioned, or a version this file does not have (any more)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=86400"
        r.close()
    assert client.get("/static/nothing-here.js?v=0123456789ab").status_code == 404


def test_the_hash_follows_the_file(app, db, static_copy):
    css = static_copy / "css" / "cunyue.css"
    with app.test_request_context():
        before = static_version("css/cunyue.css")
        assert before == _short_hash(css)
        css.write_text(css.read_text() + "\n.new { color: #000; }\n")
        # hashed once per process: this process keeps the version it served
        assert static_version("css/cunyue.css") == before
    restarted = _app_on(db, static_copy)
    with restarted.test_request_context():
        after = static_version("css/cunyue.css")
    assert after == _short_hash(css) and after != before
    client = restarted.test_client()
    assert f"cunyue.css?v={after}" in client.get("/login").text
    r = client.get(f"/static/css/cunyue.css?v={after}")
    assert r.headers["Cache-Control"] == YEAR and b".new" in r.data
    r.close()
    r = client.get(f"/static/css/cunyue.css?v={before}")  # an old page asking: a day only
    assert r.headers["Cache-Control"] == "public, max-age=86400"
    r.close()


def _worker_config(response) -> dict:
    first = response.text.split("\n", 1)[0]
    match = re.fullmatch(r"self\.CUNYUE_OFFLINE = (\{.*\});", first)
    assert match, first
    return json.loads(match.group(1))


def test_service_worker_lists_the_scan_page_files_by_version(client):
    r = client.get("/host/sw.js")  # no login: the script holds no data
    assert r.status_code == 200
    assert r.mimetype == "application/javascript"
    assert r.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    config = _worker_config(r)
    names = [
        "css/cunyue.css",
        "vendor/jsQR.js",
        "js/scanner.js",
        "js/checkin.js",
        "js/offline.js",
        "js/decode-worker.js",
        "vendor/barcode-detector.js",
        "vendor/zxing_reader.wasm",
    ]
    assert config["assets"] == [f"/static/{n}?v={_short_hash(STATIC / n)}" for n in names]
    assert config["pageCache"] == "cunyue-pages"
    assert (STATIC / "js" / "sw.js").read_text(encoding="utf-8") in r.text


def test_service_worker_version_follows_the_hashes(app, db, static_copy):
    before = _worker_config(app.test_client().get("/host/sw.js"))
    script = static_copy / "js" / "checkin.js"
    script.write_text(script.read_text() + "\n// changed\n")
    after = _worker_config(_app_on(db, static_copy).test_client().get("/host/sw.js"))
    assert after["version"] != before["version"]
    assert f"/static/js/checkin.js?v={_short_hash(script)}" in after["assets"]
    worker = static_copy / "js" / "sw.js"
    worker.write_text(worker.read_text() + "\n// changed too\n")
    again = _worker_config(_app_on(db, static_copy).test_client().get("/host/sw.js"))
    assert again["version"] != after["version"] and again["assets"] == after["assets"]


def test_only_the_decoding_worker_may_compile_webassembly(client):
    """ZXing runs as WebAssembly in the decoding worker, which runs under its own script's
    policy: that answer allows 'wasm-unsafe-eval' (never 'unsafe-eval'); pages do not."""
    with client.get("/static/js/decode-worker.js") as worker:
        assert worker.status_code == 200
        policy = worker.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    assert "'unsafe-eval'" not in policy.replace("'wasm-unsafe-eval'", "")
    page = client.get("/login")
    assert "wasm-unsafe-eval" not in page.headers["Content-Security-Policy"]
    with client.get("/static/js/scanner.js") as scanner:
        assert "wasm-unsafe-eval" not in scanner.headers["Content-Security-Policy"]


def test_vendor_libraries_are_sent_gzipped_to_browsers_that_accept_it(client):
    """The decoders and ECharts are the largest files a phone fetches: sent as their gzip
    copy (made by `make assets`) when the browser accepts gzip, as they are otherwise."""
    import gzip

    for name in ("vendor/zxing_reader.wasm", "vendor/jsQR.js", "vendor/echarts.min.js"):
        original = (STATIC / name).read_bytes()
        with client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip, br"}) as r:
            assert r.status_code == 200
            assert r.headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in r.headers["Vary"]
            assert len(r.data) < len(original) / 2
            assert gzip.decompress(r.data) == original
        with client.get(f"/static/{name}") as plain:
            assert "Content-Encoding" not in plain.headers
            assert plain.data == original
    with client.get("/static/vendor/zxing_reader.wasm", headers={"Accept-Encoding": "gzip"}) as r:
        assert r.mimetype == "application/wasm"


def test_the_apps_own_stylesheets_and_scripts_are_compressed_as_they_are_sent(client):
    """cunyue.css was 16 KB of a resident page's 20 on a village line: the app's own files
    are compressed on the way out (gzip or brotli, as the browser accepts), and still
    revalidate and cache by version."""
    import gzip

    import brotli

    for name in ("css/cunyue.css", "js/scanner.js", "js/counter.js"):
        original = (STATIC / name).read_bytes()
        url = f"/static/{name}"
        with client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as r:
            assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in r.headers["Vary"]
            assert len(r.data) < len(original) / 2
            assert gzip.decompress(r.data) == original
            etag = r.headers["ETag"]
        with client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}) as again:
            assert again.status_code == 304 and again.data == b""
        with client.get(url, headers={"Accept-Encoding": "br, gzip"}) as r:
            assert r.headers["Content-Encoding"] == "br"
            assert brotli.decompress(r.data) == original
        with client.get(url) as plain:
            assert "Content-Encoding" not in plain.headers and plain.data == original
    # What is not compressed still says it could be; a range is of the file itself.
    url = "/static/css/cunyue.css"
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as r:
        assert "Accept-Ranges" not in r.headers
        modified = r.headers["Last-Modified"]
    headers = {"Accept-Encoding": "gzip", "If-Modified-Since": modified}
    with client.get(url, headers=headers) as again:
        assert again.status_code == 304 and "Accept-Encoding" in again.headers["Vary"]
    with client.get(url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"}) as part:
        assert part.status_code == 206 and "Content-Encoding" not in part.headers
        assert part.data == (STATIC / "css/cunyue.css").read_bytes()[:10]
        assert "Accept-Encoding" in part.headers["Vary"]
    # A PNG is already compressed: sent as it is, not read into memory to be squeezed again.
    with client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip"}) as icon:
        assert "Content-Encoding" not in icon.headers and icon.is_streamed
        assert icon.data == (STATIC / "icons/icon-192.png").read_bytes()
