"""Service workers: the host's scanning page and the resident's card open with no connection.

The workers' code is app/static/js/sw.js, served twice: from /host/sw.js (scope: the host's
pages; it keeps the scanning pages) and from /me/sw.js (scope: the resident's own pages; it
keeps the card page). Each copy has one line in front naming its page's static files by
their versioned URLs, the pattern of the pages it keeps and its page cache. When a release
changes one of the files, the script changes, the browser installs the new worker and it
drops the old files. No login is needed: the scripts hold no data.

Also the web app manifest (/manifest.webmanifest): "add to home screen" opens the card.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from flask_babel import gettext as _

from app.assets import static_version

bp = Blueprint("offline", __name__)

# What templates/host/scan.html loads (base.html's stylesheet, the scanner block, its own).
SCAN_PAGE_ASSETS = (
    "css/cunyue.css",
    "vendor/jsQR.js",
    "js/scanner.js",
    "js/checkin.js",
    "js/offline.js",
    # the decoding worker and what it loads (templates/_scanner.html names them)
    "js/decode-worker.js",
    "vendor/barcode-detector.js",
    "vendor/zxing_reader.wasm",
)
# What templates/host/my_card.html loads.
CARD_PAGE_ASSETS = ("css/cunyue.css", "js/offline.js")
WORKER = "js/sw.js"
# Both named in app/static/js/offline-forget.js (by their common prefix), which empties them
# on the login page.
PAGE_CACHE = "cunyue-pages"
CARD_CACHE = "cunyue-pages-card"
SCAN_PAGES = r"^/host/events/\d+/scan$"
CARD_PAGES = r"^/me/card$"


def worker_config(
    names: tuple[str, ...] = SCAN_PAGE_ASSETS, cache: str = PAGE_CACHE, pages: str = SCAN_PAGES
) -> dict:
    assets = [
        url_for("static", filename=name) for name in names if static_version(name) is not None
    ]
    digest = hashlib.sha256(
        "\n".join([*assets, cache, pages, static_version(WORKER) or ""]).encode()
    )
    return {
        "version": digest.hexdigest()[:12],
        "assets": assets,
        "pageCache": cache,
        "pages": pages,
    }


def _worker(config: dict) -> Response:
    code = (Path(current_app.static_folder) / WORKER).read_text(encoding="utf-8")
    text = json.dumps(config, separators=(",", ":"))
    response = Response(f"self.CUNYUE_OFFLINE = {text};\n{code}", mimetype="application/javascript")
    # The browser checks for a new worker on each visit; never keep an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/host/sw.js")
def service_worker():
    return _worker(worker_config())


@bp.get("/me/sw.js")
def card_worker():
    return _worker(worker_config(CARD_PAGE_ASSETS, CARD_CACHE, CARD_PAGES))


@bp.get("/manifest.webmanifest")
def manifest():
    """Installable: the name, the icons, and the card as the page the home-screen icon opens
    (it opens offline too, once the card was opened online)."""
    data = {
        "name": _("Cunyue Points"),
        "short_name": _("Cunyue Points"),
        "lang": "zh-CN",
        "start_url": url_for("attend.my_card"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#fbfaf7",
        "theme_color": "#9e2316",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
