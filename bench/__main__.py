"""``make bench``: Cunyue against the bare-Flask limit, county-scale pages, memory and bytes.

    python -m bench                 # SQLite and PostgreSQL throughput + the county dataset on PostgreSQL
    python -m bench --scale village # SQLite only, a village-sized dataset, a few minutes

Writes a Markdown table to bench/results/latest.md (and a dated copy) and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench import bare, dataset
from bench import roster as roster_bench
from points import ledger

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
WORKERS, THREADS = "4", "2"  # the README's make run settings
SECRET = "bench-secret-key"
# The ledger key the loader hashes with and the servers verify with (they get it by env).
LEDGER_KEY = os.environ.setdefault("LEDGER_KEY", "bench-ledger-key")
ledger.set_key(LEDGER_KEY)
PASSWORD = "bench-password-1"


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Report:
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append(tuple(str(c) for c in cells))
        print(" | ".join(str(c) for c in cells), flush=True)


# -- databases ----------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(u.database + suffix).unlink(missing_ok=True)
    else:
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
    subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
    )


def staff_and_rule(url: str, village_id: int, resident_id: int) -> dict:
    """A host/clerk admin, a resident login, a meeting rule; tokens for the API."""
    from points import rules, users
    from points.db import Database
    from points.villages import village_today

    db = Database(url)
    with db.session() as s, s.begin():
        from points.models import Village

        village = s.get(Village, village_id)
        admin = users.create_user(
            s,
            username=f"bench-admin-{village_id}",
            password=PASSWORD,
            village_id=village_id,
            roles=["admin"],
        )
        users.create_user(
            s,
            username=f"bench-resident-{village_id}",
            password=PASSWORD,
            village_id=village_id,
            roles=["resident"],
            resident_id=resident_id,
        )
        rule = rules.create_rule(
            s,
            village_id=village_id,
            code="BENCH",
            by_id=None,
            effective_from=village_today(village),
            terms=rules.clean_terms({"title": "参加议事会", "category": "议事协商", "points": 1}),
        )
        token, _ = users.issue_token(s, admin, lifetime=timedelta(days=1))
        out = {
            "token": token,
            "rule_id": rule.id,
            "admin": admin.username,
            "resident": f"bench-resident-{village_id}",
        }
    db.dispose()
    return out


# -- servers ------------------------------------------------------------------------------


def county_officer(url: str) -> str:
    """A county with every village of the county dataset, and its officer's login."""
    from points import county
    from points.db import Database
    from points.models import Village

    db = Database(url)
    with db.session() as s, s.begin():
        c = county.create_county(s, code="bench-county", name="某县")
        for village in s.scalars(select(Village).where(Village.code.like("c%"))):
            county.attach_village(s, c, village)
        county.create_officer(s, county=c, username="bench-county", password=PASSWORD)
    db.dispose()
    return "bench-county"


def analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum would have them a minute later: without
    them the county's 160 villages look like one and the county table's plans go wrong."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, app_spec: str, url: str, port: int | None, instance: Path) -> None:
        port = port or free_port()
        self.port = port
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "CUNYUE_INSTANCE": str(instance),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                WORKERS,
                "--threads",
                THREADS,
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                app_spec,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{app_spec} exited with {self.proc.returncode}")
            try:
                requests.get(self.base + "/", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{app_spec} did not start")

    def worker_peak_rss_mb(self) -> list[float]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        )
        peaks = []
        for pid in out.stdout.split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            m = re.search(r"VmHWM:\s+(\d+) kB", status)
            if m:
                peaks.append(int(m.group(1)) / 1024)
        return peaks

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


# -- load ---------------------------------------------------------------------------------


def run_wrk(
    base: str,
    mode: str,
    target: str,
    first: int,
    count: int,
    token: str,
    ref: int,
    seconds: int,
    connections: int,
) -> LoadResult:
    threads = 2
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "wrk.lua"),
        base,
        "--",
        mode,
        target,
        str(first),
        str(count),
        token,
        str(ref),
        str(threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return LoadResult(rps, _pct(out, "50"), _pct(out, "99"), errors)


def _pct(out: str, p: str) -> float:
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    r = requests.request(
        method, base + path, json=body, timeout=30, headers={"Authorization": f"Bearer {token}"}
    )
    if r.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
    return r.json()


def load_database(url: str, households: int, code: str, name: str) -> tuple[dict, dict]:
    """A fresh database with one village of ``households`` (three residents and three
    entries each), the bare endpoint's tables, and staff, a rule and a token: the village's
    figures (``dataset.load``) and the staff's ids (``staff_and_rule``)."""
    fresh_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        info = dataset.load(
            conn,
            village_code=code,
            village_name=name,
            households=households,
            per_household=3,
            entries_per_household=3,
            first_award=10_000,  # a village-month total must fit the tallies' integers
        )
    bare.create_schema(engine, accounts=households, balance=10**6)
    engine.dispose()
    return info, staff_and_rule(url, info["village_id"], info["first_resident"])


def throughput(
    report: Report,
    db_name: str,
    url: str,
    households: int,
    seconds: int,
    runs: int,
    connections: int,
    tmp: Path,
) -> None:
    info, ids = load_database(url, households, "bench", "基准村")
    app_server = Server("app:create_app()", url, None, tmp / f"inst-{db_name}")
    bare_server = Server("bench.bare:create_app()", url, None, tmp / f"inst-{db_name}")
    try:
        token = ids["token"]
        start = datetime.now(UTC)
        events = []
        for r in range(runs):
            ev = api(
                app_server.base,
                token,
                "POST",
                "/api/v1/events",
                {
                    "title": f"基准议事会 {r + 1}",
                    "kind": "meeting",
                    "rule_id": ids["rule_id"],
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=3)).isoformat(),
                },
            )
            api(app_server.base, token, "POST", f"/api/v1/events/{ev['id']}/open")
            events.append(ev["id"])
        item = api(
            app_server.base,
            token,
            "POST",
            "/api/v1/items",
            {"name": "基准肥皂", "price": 1, "unit": "块", "stock": 100_000},
        )
        results: dict[tuple[str, str], list[LoadResult]] = {}
        for r in range(runs):
            for mode in ("checkin", "redeem"):
                for target, server in (("app", app_server), ("bare", bare_server)):
                    if mode == "checkin":
                        first, count, ref = (
                            info["first_resident"],
                            info["residents"],
                            events[r] if target == "app" else r + 1,
                        )
                    else:
                        first, count, ref = (
                            info["first_household"],
                            info["households"],
                            item["id"] if target == "app" else 0,
                        )
                    res = run_wrk(
                        server.base, mode, target, first, count, token, ref, seconds, connections
                    )
                    results.setdefault((mode, target), []).append(res)
        for mode in ("checkin", "redeem"):
            a, b = results[(mode, "app")], results[(mode, "bare")]
            rps_a, rps_b = statistics.median(x.rps for x in a), statistics.median(x.rps for x in b)
            p50 = statistics.median(x.p50_ms for x in a)
            p99 = statistics.median(x.p99_ms for x in a)
            errors = sum(x.errors for x in a)
            ratio = rps_a / rps_b if rps_b else 0
            report.add(
                db_name,
                f"{mode} (Cunyue / bare)",
                f"{rps_a:.0f} / {rps_b:.0f} req/s",
                f"ratio {ratio:.2f}",
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
                f"non-2xx {errors}",
                _verdict(ratio >= 0.5 and p99 <= 100 and errors == 0),
            )
        peaks = app_server.worker_peak_rss_mb()
        report.add(
            db_name,
            "peak RSS per worker",
            ", ".join(f"{p:.0f} MB" for p in peaks),
            "",
            "",
            "",
            _verdict(bool(peaks) and max(peaks) <= 150),
        )
    finally:
        app_server.stop()
        bare_server.stop()


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


# -- pages --------------------------------------------------------------------------------


def login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = s.post(
        base + "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise RuntimeError(f"login {username}: {r.status_code}")
    return s


def page_timings(
    report: Report,
    db_name: str,
    url: str,
    village_id: int,
    household_id: int,
    usernames: dict,
    tmp: Path,
    samples: int = 200,
) -> None:
    server = Server("app:create_app()", url, None, tmp / f"inst-pages-{db_name}")
    try:
        resident = login(server.base, usernames["resident"])
        staff = login(server.base, usernames["admin"])
        who_is = {"resident": resident, "admin": staff}
        if usernames.get("county"):
            who_is["county"] = login(server.base, usernames["county"])
        pages = [
            ("resident's points page (with the village rank)", resident, "/me"),
            ("household ledger page", staff, f"/admin/households/{household_id}"),
            ("household search", staff, "/admin/households?q=zjg"),
        ]
        pages += [
            (name, who_is[who], path)
            for name, who, path in EXTRA_PAGES
            if who in who_is and _exists(who_is[who], server.base + path)
        ]
        if usernames.get("topic_id"):
            pages += [
                ("topic list (staff: open topics, overdue ones)", staff, "/topics/"),
                ("topic list (resident: all, urgent first)", resident, "/topics/"),
                (
                    "topic page (history, meetings, ratings)",
                    resident,
                    f"/topics/{usernames['topic_id']}",
                ),
            ]
        for name, session, path in pages:
            times = []
            for i in range(samples + 10):
                t = time.perf_counter()
                r = session.get(server.base + path)
                elapsed = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code}")
                if i >= 10:
                    times.append(elapsed)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            report.add(
                db_name,
                f"p95 {name}",
                f"{p95:.1f} ms",
                f"p50 {statistics.median(times):.1f} ms",
                path,
                "",
                _verdict(p95 <= 50),
            )
        raw = resident.get(
            server.base + "/me", headers={"Accept-Encoding": "br, gzip"}, stream=True
        )
        wire = len(raw.raw.read(decode_content=False))
        report.add(
            db_name,
            "resident page over the wire",
            f"{wire / 1024:.1f} KB",
            raw.headers.get("Content-Encoding", "identity"),
            "",
            "",
            _verdict(wire <= 60 * 1024),
        )
        for name in MISSING_PAGES:
            report.notes.append(f"not measured: {name} (the page does not exist yet)")
    finally:
        server.stop()


# Pages built by later work; measured when they answer 200.
EXTRA_PAGES = [
    ("public board", "resident", "/board"),
    ("village dashboard", "admin", "/admin/dashboard"),
    ("county table", "county", "/county"),  # the county officer of all 160 villages
]
MISSING_PAGES: list[str] = []


def _exists(session: requests.Session, url: str) -> bool:
    ok = session.get(url).status_code == 200
    if not ok:
        MISSING_PAGES.append(url.split("/", 3)[-1])
    return ok


def verify_rate(report: Report, db_name: str, url: str) -> None:
    from points import ledger
    from points.db import Database

    db = Database(url)
    with db.session(write=False) as s:
        t = time.perf_counter()
        result = ledger.verify(s)
        elapsed = time.perf_counter() - t
    db.dispose()
    rate = result.entries / elapsed
    report.add(
        db_name,
        "verify-ledger",
        f"{rate:,.0f} entries/s",
        f"{result.entries:,} entries",
        f"{elapsed:.1f} s",
        "ok" if result.ok else "PROBLEMS",
        _verdict(rate >= 100_000 and result.ok),
    )


# -- main ---------------------------------------------------------------------------------


def existing_county(url: str, villages: int) -> dict | None:
    """The county dataset of an earlier run, if it is complete (``--reuse``), migrated to
    the latest revision."""
    try:
        subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
        )
    except subprocess.CalledProcessError:
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM villages WHERE code LIKE 'c%'")
            ).scalar()
            if count != villages:
                return None
            row = conn.execute(
                text(
                    "SELECT v.id, min(h.id), min(r.id) FROM villages v JOIN households h ON h.village_id = v.id"
                    " JOIN residents r ON r.household_id = h.id WHERE v.code = 'c001' GROUP BY v.id"
                )
            ).one()
            conn.execute(
                text(
                    "DELETE FROM user_roles WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'bench-%')"
                )
            )
            conn.execute(
                text(
                    "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'bench-%')"
                )
            )
            # the earlier run's logins are in the audit log
            conn.execute(
                text(
                    "DELETE FROM audit_log WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'bench-%')"
                )
            )
            conn.execute(text("DELETE FROM users WHERE username LIKE 'bench-%'"))
            conn.execute(text("UPDATE villages SET county_id = NULL"))
            conn.execute(text("DELETE FROM counties WHERE code = 'bench-county'"))
            conn.execute(
                text(
                    "DELETE FROM rule_versions WHERE rule_id IN (SELECT id FROM rules WHERE code = 'BENCH')"
                )
            )
            conn.execute(text("DELETE FROM rules WHERE code = 'BENCH'"))
            conn.commit()
            return {"village_id": row[0], "first_household": row[1], "first_resident": row[2]}
    except Exception:  # noqa: BLE001  (no database, or not ours: load it anew)
        return None
    finally:
        engine.dispose()


def county_dataset(url: str, villages: int, households: int, entries_per_household: int) -> dict:
    fresh_database(url)
    engine = create_engine(url)
    first = None
    t = time.perf_counter()
    for v in range(villages):
        with engine.begin() as conn:
            info = dataset.load(
                conn,
                village_code=f"c{v + 1:03d}",
                village_name=f"第{v + 1}村",
                households=households,
                per_household=3,
                entries_per_household=entries_per_household,
                seed=v,
            )
            first = first or info
        if (v + 1) % 20 == 0:
            print(
                f"  loaded {v + 1}/{villages} villages ({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return first


TOPICS = 2600  # the number 金昌 reported
TOPICS_FIRST_VILLAGE = 600  # the measured village's share; the rest spread over the others


def county_topics(url: str, total: int = TOPICS, first_share: int = TOPICS_FIRST_VILLAGE) -> int:
    """Load ``total`` deliberation topics into the county's villages (none yet: an earlier
    run's are kept); the busiest topic of the first village, for its page."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            villages = conn.execute(
                text(
                    "SELECT v.id, min(r.id), count(r.id) FROM villages v"
                    " JOIN residents r ON r.village_id = v.id WHERE v.code LIKE 'c%'"
                    " GROUP BY v.id, v.code ORDER BY v.code"
                )
            ).all()
            if conn.execute(text("SELECT count(*) FROM topics")).scalar() >= total:
                return conn.execute(
                    text(
                        "SELECT t.id FROM topics t JOIN topic_ratings r ON r.topic_id = t.id"
                        " WHERE t.village_id = :v GROUP BY t.id ORDER BY count(*) DESC, t.id"
                        " LIMIT 1"
                    ),
                    {"v": villages[0][0]},
                ).scalar()
        busiest = None
        others = max(len(villages) - 1, 1)
        rest = total - first_share if len(villages) > 1 else 0
        for n, (village_id, first_resident, residents) in enumerate(villages):
            share = first_share if n == 0 else rest // others + (1 if n <= rest % others else 0)
            if n == 0 and len(villages) == 1:
                share = total
            with engine.begin() as conn:
                out = dataset.load_topics(
                    conn,
                    village_id=village_id,
                    first_resident=first_resident,
                    residents=residents,
                    topics=share,
                    seed=n,
                )
            busiest = busiest or out["busiest_topic"]
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return busiest
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=["village", "county"], default="county")
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the county dataset of an earlier run"
    )
    args = parser.parse_args()
    village = args.scale == "village"
    seconds = args.seconds or (6 if village else 10)
    tmp = Path(tempfile.mkdtemp(prefix="cunyue-bench-"))
    report = Report()
    started = time.perf_counter()
    databases = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    if not village:
        databases.append(("PostgreSQL", PG_BASE + "cunyue_bench"))
    print("database | measure | value | | | | verdict")
    for name, url in databases:
        throughput(
            report,
            name,
            url,
            households=3000 if village else 20000,
            seconds=seconds,
            runs=args.runs,
            connections=args.connections,
            tmp=tmp,
        )
    roster_bench.run(report, tmp, fresh_database)  # a 5,000-row roster import (issue 18)
    if village:
        url = f"sqlite:///{tmp / 'pages.db'}"
        fresh_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            info = dataset.load(
                conn,
                village_code="v1",
                village_name="示范村",
                households=700,
                per_household=3,
                entries_per_household=150,
            )
        engine.dispose()
        ids = staff_and_rule(url, info["village_id"], info["first_resident"])
        page_timings(
            report,
            "SQLite (village: 700 households, 105,000 entries)",
            url,
            info["village_id"],
            info["first_household"],
            ids,
            tmp,
        )
        verify_rate(report, "SQLite (village)", url)
    else:
        url = PG_BASE + "cunyue_county"
        print(
            "loading the county dataset (160 villages, 320,000 residents, 10 million entries)",
            flush=True,
        )
        info = (existing_county(url, 160) if args.reuse else None) or county_dataset(
            url, villages=160, households=667, entries_per_household=94
        )
        ids = staff_and_rule(url, info["village_id"], info["first_resident"])
        ids["county"] = county_officer(url)
        ids["topic_id"] = county_topics(url)
        analyze(url)  # the county and its topics came after the dataset's ANALYZE
        page_timings(
            report,
            "PostgreSQL (county)",
            url,
            info["village_id"],
            info["first_household"],
            ids,
            tmp,
        )
        verify_rate(report, "PostgreSQL (county)", url)
    write(report, args.scale, time.perf_counter() - started)


def write(report: Report, scale: str, elapsed: float) -> None:
    versions = subprocess.run(
        [
            sys.executable,
            "-c",
            "import flask, sqlalchemy; print(flask.__version__, sqlalchemy.__version__)",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    lines = [
        f"# Cunyue benchmark ({scale} scale), {date.today().isoformat()}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {_mem_gb():.0f} GiB, {platform.platform()}; "
        f"Python {platform.python_version()}, Flask {versions[0] if versions else '?'}, SQLAlchemy "
        f"{versions[1] if len(versions) > 1 else '?'}, gunicorn --workers {WORKERS} --threads {THREADS}, "
        f"wrk 16 connections, Cunyue and bare alternating, median of the runs. Took {elapsed / 60:.1f} min.",
        "",
        "| database | measure | value | | | | verdict |",
        "|---|---|---|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in report.rows),
        "",
        *(f"- {n}" for n in report.notes),
    ]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    text_out = "\n".join(lines) + "\n"
    (out / f"{scale}-latest.md").write_text(text_out)
    print()
    print(text_out)


def _mem_gb() -> float:
    m = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return int(m.group(1)) / 1024 / 1024 if m else 0


if __name__ == "__main__":
    main()
