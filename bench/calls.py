"""Work per request, in process: Python function calls and CPU time for a check-in and a
redemption, Cunyue against the bare endpoint, with no server or load tool in between.

``python -m bench.calls`` (SQLite) or ``python -m bench.calls --db postgresql``. The calls
are counted by cProfile and do not move between runs, so they show what a change to the
request path saves where the throughput runs are too noisy to; the CPU times are medians of
several rounds (without the profiler). ``--stages`` also splits a Cunyue request's CPU time
among the stages of its handling (authentication, the service, the commit, ...).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import json
import os
import pstats
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from werkzeug.test import EnvironBuilder

from bench import bare
from bench.__main__ import PG_BASE, SECRET, load_database

HOUSEHOLDS = 3000


def _prepare(url: str, instance: Path) -> dict:
    info, ids = load_database(url, HOUSEHOLDS, "calls", "计数村")
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        CUNYUE_INSTANCE=str(instance),
        RATELIMIT_STORAGE_URI="memory://",
    )
    from app import create_app

    apps = {"Cunyue": create_app(), "bare": bare.create_app()}
    client = apps["Cunyue"].test_client()
    headers = {"Authorization": f"Bearer {ids['token']}"}
    start = datetime.now(UTC)
    event = client.post(
        "/api/v1/events",
        json={
            "title": "计数议事会",
            "kind": "meeting",
            "rule_id": ids["rule_id"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
        },
        headers=headers,
    ).json
    client.post(f"/api/v1/events/{event['id']}/open", headers=headers)
    item = client.post(
        "/api/v1/items",
        json={"name": "计数肥皂", "price": 1, "unit": "块", "stock": 100_000},
        headers=headers,
    ).json
    return {"apps": apps, "headers": headers, "info": info, "event": event, "item": item}


def _request(setup: dict, mode: str, target: str, i: int) -> dict:
    info = setup["info"]
    if mode == "check-in":
        if target == "Cunyue":
            path = f"/api/v1/events/{setup['event']['id']}/checkins"
            body = {"resident_id": info["first_resident"] + i}
        else:
            path, body = "/checkin", {"event_id": 1, "resident_id": i}
    else:
        household = i % HOUSEHOLDS
        if target == "Cunyue":
            path = "/api/v1/redemptions"
            body = {
                "household_id": info["first_household"] + household,
                "lines": [{"item_id": setup["item"]["id"], "quantity": 1}],
            }
        else:
            path, body = "/redeem", {"household_id": 1 + household, "amount": 1}
    return EnvironBuilder(
        path=path,
        method="POST",
        data=json.dumps(body),
        content_type="application/json",
        headers=setup["headers"],
    ).get_environ()


class _Runner:
    def __init__(self, setup: dict) -> None:
        self.setup, self.next = setup, 0

    def run(self, mode: str, target: str, n: int, profile: cProfile.Profile | None = None):
        """CPU seconds per request over ``n`` new requests (each a new resident or turn)."""
        app = self.setup["apps"][target]
        environs = [_request(self.setup, mode, target, self.next + j) for j in range(n)]
        self.next += n
        statuses: list[str] = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        began = time.process_time()
        if profile is not None:
            profile.enable()
        for environ in environs:
            for _ in app(environ, start_response):
                pass
        if profile is not None:
            profile.disable()
        spent = time.process_time() - began
        failed = [s for s in statuses if not s.startswith("2")]
        if failed:
            raise RuntimeError(f"{target} {mode}: {failed[0]}")
        return spent / n


# (where, attribute, stage): the stages of a request, timed by wrapping these callables.
# Nested stages (indented) are part of the one above them.
_STAGES = (
    ("flask.app:Flask", "wsgi_app", "whole request, in the WSGI app"),
    ("flask.app:Flask", "request_context", "request context built"),
    ("flask.app:Flask", "preprocess_request", "before-request hooks"),
    ("points.users", "actor_for_token", "  bearer token's user (first statement)"),
    ("sqlalchemy.engine.default:DefaultDialect", "_do_ping_w_event", "    pool's pre-ping"),
    ("marshmallow:Schema", "load", "request body checked"),
    ("points.events", "scan", "service: events.scan"),
    ("store.orders", "redeem", "service: orders.redeem"),
    ("sqlalchemy.orm:Session", "commit", "session commit"),
    ("points.tallies", "apply_pending", "  tallies written"),
    ("sqlalchemy.engine.default:DefaultDialect", "do_commit", "  driver's commit"),
    ("app.api.common", "_json", "JSON answer built"),
    ("flask.app:Flask", "process_response", "after-request hooks"),
    ("flask.app:Flask", "do_teardown_appcontext", "session closed"),
    ("points.db:DirectStatement", "_run", "all direct statements (in the stages above)"),
)


def _timed_stages() -> tuple[dict[str, float], list]:
    """Wrap the stages' callables to add up their CPU time; returns the sums and the undo."""
    spent: dict[str, float] = dict.fromkeys((s[2] for s in _STAGES), 0.0)
    undo = []
    for where, name, stage in _STAGES:
        module, _, owner = where.partition(":")
        target = importlib.import_module(module)
        if owner:
            target = getattr(target, owner)
        original = target.__dict__[name] if owner else getattr(target, name)

        def timed(*args, _original=original, _stage=stage, **kwargs):
            began = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_stage] += time.process_time() - began

        setattr(target, name, functools.wraps(original)(timed))
        undo.append((target, name, original))
    return spent, undo


def stages(runner: _Runner, mode: str, n: int) -> None:
    """Print a Cunyue request's CPU time per stage (ms a request, wrappers' own cost in)."""
    spent, undo = _timed_stages()
    try:
        runner.run(mode, "Cunyue", n)
    finally:
        for target, name, original in reversed(undo):
            setattr(target, name, original)
    for stage, seconds in spent.items():
        if seconds:
            print(f"  {mode} | {stage} | {seconds / n * 1000:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calls")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stages", action="store_true", help="CPU time by stage of a request")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cunyue-calls-"))
    url = f"sqlite:///{tmp / 'calls.db'}" if args.db == "sqlite" else PG_BASE + "cunyue_calls"
    runner = _Runner(_prepare(url, tmp / "instance"))
    print(f"{args.db}: per request, in process ({args.requests} requests a measurement)")
    print("request | target | Python calls | CPU ms (median of rounds)")
    for mode in ("check-in", "redemption"):
        for target in ("Cunyue", "bare"):
            runner.run(mode, target, 50)  # warm: compiled statements, pools, caches
            profile = cProfile.Profile()
            runner.run(mode, target, args.requests, profile)
            calls = pstats.Stats(profile).total_calls / args.requests
            cpu = statistics.median(
                runner.run(mode, target, args.requests) for _ in range(args.rounds)
            )
            print(f"{mode} | {target} | {calls:,.0f} | {cpu * 1000:.2f}", flush=True)
    if args.stages:
        print("request | stage | CPU ms a request (wrapped callables; nested stages indented)")
        for mode in ("check-in", "redemption"):
            stages(runner, mode, args.requests)


if __name__ == "__main__":
    main()
