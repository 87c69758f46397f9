"""Work per request, in process: Python function calls and CPU time for a check-in and a
redemption, Cunyue against the bare endpoint, with no server or load tool in between.

``python -m bench.calls`` (SQLite) or ``python -m bench.calls --db postgresql``. The calls
are counted by cProfile and do not move between runs, so they show what a change to the
request path saves where the throughput runs are too noisy to; the CPU times are medians of
several rounds (without the profiler).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from werkzeug.test import EnvironBuilder

from bench import bare, dataset
from bench.__main__ import PG_BASE, SECRET, fresh_database, staff_and_rule

HOUSEHOLDS = 3000


def _prepare(url: str, instance: Path) -> dict:
    fresh_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        info = dataset.load(
            conn,
            village_code="calls",
            village_name="计数村",
            households=HOUSEHOLDS,
            per_household=3,
            entries_per_household=3,
            first_award=10_000,
        )
    bare.create_schema(engine, accounts=HOUSEHOLDS, balance=10**6)
    engine.dispose()
    ids = staff_and_rule(url, info["village_id"], info["first_resident"])
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calls")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
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


if __name__ == "__main__":
    main()
