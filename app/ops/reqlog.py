"""One JSON line a request: time, route name, method, status, duration, user id, village id.

Nothing else about the request is written: no path or query string (a search may carry a
name), no body (a card payload), no header (a bearer token). With ``CUNYUE_LOG_FILE`` the
lines go to that file, rotated by size (``CUNYUE_LOG_MAX_BYTES``, ``CUNYUE_LOG_BACKUP_COUNT``
files kept); otherwise to standard error, where gunicorn or systemd's journal takes them."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler

from flask import Flask, g, request

logger = logging.getLogger("cunyue.requests")
_handlers: dict[str, logging.Handler] = {}  # one per target, whatever the number of apps


def _handler(app: Flask) -> logging.Handler | None:
    target = app.config.get("LOG_FILE") or ("-" if not app.testing else "")
    if not target:
        return None
    if target not in _handlers:
        if target == "-":
            handler: logging.Handler = logging.StreamHandler(sys.stderr)
        else:
            handler = RotatingFileHandler(
                target,
                maxBytes=app.config["LOG_MAX_BYTES"],
                backupCount=app.config["LOG_BACKUP_COUNT"],
                encoding="utf-8",
            )
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        _handlers[target] = handler
    return _handlers[target]


def _who() -> tuple[int | None, int | None]:
    """The acting user's and village's ids, from what the request already loaded."""
    seen = g.__dict__
    actor = seen.get("actor") or seen.get("token_actor")
    if actor is not None:
        return actor.id, actor.village_id
    user = seen.get("user")
    if user is not None:
        return user.id, user.village_id
    return None, None


def line(status: int) -> str:
    started = request.environ.get("cunyue.started")
    user_id, village_id = _who()
    return json.dumps(
        {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "route": request.url_rule.endpoint if request.url_rule else None,
            "method": request.method,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": user_id,
            "village": village_id,
        },
        separators=(",", ":"),
    )


def init_app(app: Flask) -> None:
    _handler(app)
    logger.setLevel(logging.INFO)

    def _start() -> None:
        request.environ["cunyue.started"] = time.perf_counter()

    # first of the hooks, so a request another hook refuses is timed too
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _log(response):
        if request.endpoint != "static":
            logger.info(line(response.status_code))
        return response
