"""The host's service worker at /host/sw.js: the scanning page opens with no connection.

The worker's code is app/static/js/sw.js; this route serves it from /host/ (so its scope is
the host's pages) with one line in front naming the scanning page's static files by their
versioned URLs. When a release changes one of them, the script changes, the browser installs
the new worker and it drops the old files. No login is needed: the script holds no data.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for

from app.assets import static_version

bp = Blueprint("offline", __name__, url_prefix="/host")

# What templates/host/scan.html loads (base.html's stylesheet, the scanner block, its own).
SCAN_PAGE_ASSETS = (
    "css/cunyue.css",
    "vendor/jsQR.js",
    "js/scanner.js",
    "js/checkin.js",
    "js/offline.js",
)
WORKER = "js/sw.js"
PAGE_CACHE = "cunyue-pages"  # also named in app/static/js/offline-forget.js


def worker_config() -> dict:
    assets = [
        url_for("static", filename=name)
        for name in SCAN_PAGE_ASSETS
        if static_version(name) is not None
    ]
    digest = hashlib.sha256("\n".join([*assets, static_version(WORKER) or ""]).encode())
    return {"version": digest.hexdigest()[:12], "assets": assets, "pageCache": PAGE_CACHE}


@bp.get("/sw.js")
def service_worker():
    code = (Path(current_app.static_folder) / WORKER).read_text(encoding="utf-8")
    config = json.dumps(worker_config(), separators=(",", ":"))
    response = Response(
        f"self.CUNYUE_OFFLINE = {config};\n{code}", mimetype="application/javascript"
    )
    # The browser checks for a new worker on each visit; never keep an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response
