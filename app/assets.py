"""Versioned static URLs: ``url_for('static', ...)`` adds ``?v=<hash of the file>``.

A phone keeps a versioned file for a year (``immutable``: not even a revalidation on reload),
because a new release changes the hash and so the URL. A request whose ``v`` is not the
file's current hash (a page rendered before a release, a guessed URL) and an unversioned
request are served as before, with the short default max age. Each file is hashed once per
process (on every request in debug mode, where files change under the server).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import time

from flask import Flask, current_app, request
from werkzeug.security import safe_join

VERSION_ARG = "v"
# The decoding worker may compile WebAssembly (ZXing), and nothing else may: a worker runs
# under the policy of its own script's answer, so only this file's answer allows it. No
# 'unsafe-eval': JavaScript eval stays forbidden there too.
WORKER_POLICY = {
    "js/decode-worker.js": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    "connect-src 'self'; base-uri 'none'",
}
ONE_YEAR = 365 * 24 * 3600
_EXTENSION = "cunyue_static_versions"


def static_version(filename: str, app: Flask | None = None) -> str | None:
    """The short content hash of a static file, or None when there is no such file."""
    app = app or current_app
    versions: dict[str, str | None] = app.extensions.setdefault(_EXTENSION, {})
    if filename in versions and not app.debug:
        return versions[filename]
    path = safe_join(app.static_folder, filename) if app.static_folder else None
    try:
        with open(path, "rb") as fh:  # noqa: PTH123
            version = hashlib.sha256(fh.read()).hexdigest()[:12]
    except (TypeError, OSError):  # no path, a folder, or no such file
        version = None
    versions[filename] = version
    return version


# The browser libraries are large (ZXing's WebAssembly 1.1 MB, ECharts 0.7 MB, jsQR 0.26 MB)
# and are not compressed per request like pages: `make assets` puts a gzip copy beside each
# (FILE.gz), sent to browsers that accept gzip (0.46 MB, 0.24 MB and 57 KB over a village line).
PRECOMPRESSED_PREFIX = "vendor/"


def _gzip_copy(app: Flask, filename: str) -> str | None:
    if not filename.startswith(PRECOMPRESSED_PREFIX) or filename.endswith(".gz"):
        return None
    if request.accept_encodings.quality("gzip") <= 0:
        return None
    path = safe_join(app.static_folder, filename + ".gz") if app.static_folder else None
    return filename + ".gz" if path and os.path.isfile(path) else None  # noqa: PTH113


# The app's own stylesheets, scripts and icons are small and change with the code, so they
# are compressed as they are sent (with the pages' settings, app/__init__.py) rather than
# kept as copies that could fall behind the file.
COMPRESS_IN_PROCESS_LIMIT = 256 * 1024


def _compressible(app: Flask, filename: str) -> bool:
    """One of the app's own text files (stylesheets, scripts, SVG icons), not a vendor file."""
    kind = mimetypes.guess_type(filename)[0]
    return (
        not filename.startswith(PRECOMPRESSED_PREFIX) and kind in app.config["COMPRESS_MIMETYPES"]
    )


def compress_in_process(filename: str, response) -> bool:
    """Whether this static answer is to be compressed on the way out: a whole (not a range,
    not a 304) answer of one of the app's own text files."""
    return (
        _compressible(current_app, filename)
        and response.status_code == 200
        and "Content-Encoding" not in response.headers
        and response.content_length is not None
        and response.content_length <= COMPRESS_IN_PROCESS_LIMIT
    )


def register(app: Flask) -> None:
    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values and values.get("filename"):
            version = static_version(values["filename"], app)
            if version:
                values[VERSION_ARG] = version

    def static(filename: str):
        gz = _gzip_copy(app, filename)
        if gz is None:
            response = app.send_static_file(filename)
        else:
            response = app.send_static_file(gz)
            response.headers["Content-Encoding"] = "gzip"
            response.mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if filename.startswith(PRECOMPRESSED_PREFIX) or _compressible(app, filename):
            response.vary.add("Accept-Encoding")  # on its 304s and ranges too
            if gz is not None:
                response.headers.pop("Accept-Ranges", None)  # ranges of the file, not the gzip
        if filename in WORKER_POLICY:
            response.headers["Content-Security-Policy"] = WORKER_POLICY[filename]
        asked = request.args.get(VERSION_ARG)
        if asked and asked == static_version(filename, app):
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
            response.expires = int(time.time() + ONE_YEAR)
        return response

    app.view_functions["static"] = static
