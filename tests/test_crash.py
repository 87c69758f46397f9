"""Crash test: a real gunicorn server is SIGKILLed under load and restarted; nothing it
acknowledged is lost and nothing retried is spent twice.

A village with households that have points, an open meeting and a small shop is seeded in
a fresh migrated database. ``gunicorn --workers 2 --threads 8`` serves it. Client threads
send redemptions (a few of them then voided) and check-ins, every one with an
Idempotency-Key. Once part of the load has been answered the whole process group (master
and workers) gets SIGKILL; the requests then in flight get no answer. The server is started
again and every request without an answer is sent again with the same key, twice at once
for those that were in flight. Then:

- every 2xx answer names an order / attendance that exists, and is what the key replays;
- orders and idempotency records match one to one (no key paid for two orders);
- the ledger verifies, each balance is the sum of its entries and of what happened
  (opening + meeting awards - orders that stand), nothing is below zero;
- each item's stock is its opening stock minus what orders took plus what voids returned.

Run it alone with ``pytest -m crash -s`` (``-s`` prints the numbers).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import PROJECT_ROOT
from points import events, ledger, residents, users, villages
from points.clock import now
from points.db import Database
from points.event_models import Attendance
from points.models import EntryKind, Household, IdempotencyRecord, LedgerEntry, Role
from store import catalogue
from store.models import Item, Order, OrderLine, OrderStatus, StockMovement
from tests.dbutil import database_url_for_tests, reset_database
from tests.eventutil import make_rule

pytestmark = pytest.mark.crash

HOUSEHOLDS = 24
MEMBERS = 2  # residents per household, each checked in once
OPENING = 60  # points each household starts with
MEETING_POINTS = 5
ITEMS = (("食用油", 9, 40), ("洗衣粉", 5, 80), ("肥皂", 2, 150))  # name, price, opening stock
REDEMPTIONS = 220
SECOND_SCANS = 16  # residents scanned again by a second phone (another key)
VOID_EVERY = 5  # every fifth redemption that succeeds is voided by the admin
CLIENTS = 16  # client threads (the server has 2 x 8)
KILLS = 3  # SIGKILLs, each followed by a restart
KILL_AFTER = 0.35  # share of a wave answered when the server is killed
REQUEST_TIMEOUT = 15  # seconds a client waits for one answer
TIME_LIMIT = 55  # seconds for the whole test on one database
SECRET = "crash-test-secret"
GUNICORN = Path(sys.executable).parent / "gunicorn"


# ------------------------------------------------------------------ the clients' side


@dataclass
class Answer:
    status: int
    body: dict
    replayed: bool


@dataclass
class Lost:
    """Sent (or accepted by the socket) but no answer came: in flight when the server died."""

    error: str


@dataclass
class Refused:
    """The connection was refused: the request never reached a server."""


@dataclass
class Call:
    kind: str  # redeem, checkin, void
    path: str
    body: dict
    key: str
    token: str
    void_after: bool = False
    attempts: list = field(default_factory=list)
    phase: list = field(default_factory=list)  # the phase (1, 2, 3) of each attempt

    @property
    def answers(self) -> list[Answer]:
        return [a for a in self.attempts if isinstance(a, Answer)]

    @property
    def ok(self) -> list[Answer]:
        return [a for a in self.answers if 200 <= a.status < 300]

    def lost_in(self, phase: int) -> bool:
        return any(
            isinstance(a, Lost) and p == phase
            for a, p in zip(self.attempts, self.phase, strict=True)
        )


def send(port: int, call: Call) -> Answer | Lost | Refused:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        try:
            conn.connect()
        except ConnectionRefusedError:
            return Refused()
        except OSError as exc:
            return Lost(type(exc).__name__)
        headers = {
            "Authorization": f"Bearer {call.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": call.key,
        }
        try:
            conn.request("POST", call.path, body=json.dumps(call.body), headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            return Lost(type(exc).__name__)
        replayed = resp.getheader("Idempotent-Replayed") == "true"
        return Answer(resp.status, json.loads(data), replayed)
    finally:
        conn.close()


class Load:
    """Client threads working through a list of calls until it is empty or ``stop`` is set.

    A redemption marked ``void_after`` that succeeds (first time, not a replay) is followed
    by the admin's void of that order, from the same thread.
    """

    def __init__(self, port: int, calls: list[Call], phase: int, *, admin_token: str, voids):
        self.port, self.phase, self.admin_token, self.voids = port, phase, admin_token, voids
        self.todo = deque(calls)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.answered = 0
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(CLIENTS)]

    def start(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, end - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "client threads did not finish"
        assert not self.errors, self.errors

    def _next(self) -> Call | None:
        with self.lock:
            if self.stop.is_set() or not self.todo:
                return None
            return self.todo.popleft()

    def _send(self, call: Call) -> Answer | Lost | Refused:
        outcome = send(self.port, call)
        with self.lock:
            call.attempts.append(outcome)
            call.phase.append(self.phase)
            if isinstance(outcome, Answer):
                self.answered += 1
        return outcome

    def _work(self) -> None:
        try:
            while (call := self._next()) is not None:
                outcome = self._send(call)
                if (
                    call.void_after
                    and isinstance(outcome, Answer)
                    and outcome.status == 201
                    and not outcome.replayed
                    and not self.stop.is_set()
                ):
                    order_id = outcome.body["id"]
                    void = Call(
                        "void",
                        f"/api/v1/redemptions/{order_id}/void",
                        {"reason": "顾客退货"},
                        f"void-{order_id}",
                        self.admin_token,
                    )
                    with self.lock:
                        self.voids.append(void)
                    self._send(void)
        except BaseException as exc:  # noqa: BLE001  (reported by join)
            self.errors.append(exc)


# ------------------------------------------------------------------ the server's side


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields_after_comm = text.rsplit(")", 1)[1].split()
        state, pgrp = fields_after_comm[0], int(fields_after_comm[2])
        if pgrp == pgid and state not in ("Z", "X"):
            return True
    return False


class Server:
    """gunicorn as the README runs it, in its own process group so one SIGKILL takes all."""

    def __init__(self, url: str, port: int, workdir: Path, token: str) -> None:
        self.port, self.workdir, self.token = port, workdir, token
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "CUNYUE_INSTANCE": str(workdir / "instance"),
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, deadline: float) -> None:
        log_path = self.workdir / f"gunicorn-{len(self.procs) + 1}.log"
        self.logs.append(log_path)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--workers",
                    "2",
                    "--threads",
                    "8",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "app:create_app()",
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {proc.returncode}:\n{self.log_tail()}")
            if self._ready():
                return
            time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer in time:\n{self.log_tail()}")

    def _ready(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {self.token}"})
            resp = conn.getresponse()
            resp.read()
            return resp.status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (one signal to the process group)."""
        os.killpg(self.procs[-1].pid, signal.SIGKILL)

    def wait_gone(self) -> None:
        """Wait until every process of every start is gone (bounded)."""
        end = time.monotonic() + 10
        for proc in self.procs:
            if proc.poll() is None:
                proc.wait(timeout=max(0.1, end - time.monotonic()))
            while group_alive(proc.pid) and time.monotonic() < end:
                time.sleep(0.05)
        assert not any(group_alive(p.pid) for p in self.procs), "gunicorn processes survived"

    def kill_all(self) -> None:
        for proc in self.procs:
            if group_alive(proc.pid):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.wait_gone()

    def log_tail(self) -> str:
        return "".join(p.read_text(errors="replace")[-3000:] for p in self.logs if p.exists())


# ------------------------------------------------------------------ the village


@dataclass
class Village:
    id: int
    event_id: int
    household_ids: list[int]
    resident_ids: list[int]
    items: dict[int, int]  # item id -> opening stock
    prices: dict[int, int]
    clerk_id: int
    host_id: int
    admin_id: int
    tokens: dict[str, str]


def seed(db: Database) -> Village:
    with db.session() as s, s.begin():
        v = villages.create_village(s, code="crash", name="断电村")
        made = {}
        for role, roles in (
            ("clerk", [Role.CLERK]),
            ("host", [Role.HOST]),
            ("admin", [Role.ADMIN, Role.SUPERVISOR]),  # a void of yesterday needs the supervisor
        ):
            made[role] = users.create_user(
                s, username=f"crash-{role}", password="long-enough-1", village_id=v.id, roles=roles
            )
        tokens = {role: users.issue_token(s, u)[0] for role, u in made.items()}
        household_ids, resident_ids = [], []
        for n in range(1, HOUSEHOLDS + 1):
            for m in range(MEMBERS):
                r = residents.create_resident(
                    s, village_id=v.id, household_number=f"{n:03d}", name=f"村民{n}-{m}"
                )
                resident_ids.append(r.id)
            household_ids.append(r.household_id)
            ledger.post(s, household_id=r.household_id, amount=OPENING, kind=EntryKind.AWARD)
        rule = make_rule(s, v, points=MEETING_POINTS)
        start = now() - timedelta(minutes=10)
        event = events.create_event(
            s,
            village_id=v.id,
            title="断电议事会",
            kind="meeting",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            rule_id=rule.id,
            by_id=None,
        )
        events.open_event(s, event, by_id=None)
        items, prices = {}, {}
        for name, price, stock in ITEMS:
            item = catalogue.create_item(
                s, village_id=v.id, data={"name": name, "price": price}, stock=stock, by_id=None
            )
            items[item.id], prices[item.id] = stock, price
        return Village(
            v.id,
            event.id,
            household_ids,
            resident_ids,
            items,
            prices,
            made["clerk"].id,
            made["host"].id,
            made["admin"].id,
            tokens,
        )


def plan(v: Village) -> list[Call]:
    """The first wave: redemptions and check-ins shuffled together, each with its own key."""
    rnd = random.Random(20261122)
    item_ids = sorted(v.items)
    calls = []
    for n in range(REDEMPTIONS):
        chosen = rnd.sample(item_ids, rnd.choice((1, 1, 2)))
        lines = [{"item_id": i, "quantity": rnd.choice((1, 1, 2))} for i in chosen]
        calls.append(
            Call(
                "redeem",
                "/api/v1/redemptions",
                {"household_id": rnd.choice(v.household_ids), "lines": lines},
                f"redeem-{n}",
                v.tokens["clerk"],
                void_after=n % VOID_EVERY == 0,
            )
        )
    scans = v.resident_ids + rnd.sample(v.resident_ids, SECOND_SCANS)
    for n, rid in enumerate(scans):
        calls.append(
            Call(
                "checkin",
                f"/api/v1/events/{v.event_id}/checkins",
                {"resident_id": rid},
                f"checkin-{n}",
                v.tokens["host"],
            )
        )
    rnd.shuffle(calls)
    return calls


def snapshot(db: Database, v: Village) -> dict:
    with db.session(write=False) as s:
        return {
            "balances": dict(
                s.execute(
                    select(Household.id, Household.balance).where(Household.village_id == v.id)
                ).all()
            ),
            "stock": dict(
                s.execute(select(Item.id, Item.stock).where(Item.village_id == v.id)).all()
            ),
            "entries": s.scalar(
                select(func.count(LedgerEntry.id)).where(
                    LedgerEntry.household_id.in_(v.household_ids)
                )
            ),
            "orders": s.scalar(select(func.count(Order.id)).where(Order.village_id == v.id)),
            "voided": s.scalar(
                select(func.count(Order.id)).where(
                    Order.village_id == v.id, Order.status == OrderStatus.VOIDED
                )
            ),
            "attendances": s.scalar(
                select(func.count(Attendance.id)).where(Attendance.event_id == v.event_id)
            ),
        }


# ------------------------------------------------------------------ the test


def test_sigkill_mid_load_loses_no_acknowledged_write_and_spends_nothing_twice(tmp_path):
    started = time.monotonic()
    deadline = started + TIME_LIMIT
    url = database_url_for_tests("_crash")
    reset_database(url)
    db = Database(url)
    server = None
    try:
        v = seed(db)
        server = Server(url, free_port(), tmp_path, v.tokens["clerk"])
        calls, voids = plan(v), []

        # Waves: each SIGKILLed once part of it has been answered, then a restart and a wave
        # of what got no answer, sent again with the same keys (twice at once for what was
        # in flight). The last wave runs to the end.
        work, kills, answered_at_kill, in_flight_per_kill = list(calls), 0, [], []
        for wave_no in itertools.count(1):
            assert wave_no <= KILLS + 3, "requests still unanswered after the last wave"
            server.start(deadline=min(deadline, time.monotonic() + 20))
            wave = Load(server.port, work, wave_no, admin_token=v.tokens["admin"], voids=voids)
            wave.start()
            if kills < KILLS:
                kill_at = int(len(work) * KILL_AFTER)
                while wave.answered < kill_at and time.monotonic() < deadline - 30:
                    time.sleep(0.002)
                assert wave.answered >= kill_at, "the wave was too slow to reach the kill point"
                server.kill()
                wave.stop.set()  # the clients send nothing new; what was in flight stays so
                answered_at_kill.append(wave.answered)
                server.wait_gone()
                kills += 1
            wave.join(max(REQUEST_TIMEOUT + 5, deadline - time.monotonic() - 10))
            everything = calls + voids
            lost = [c for c in everything if c.lost_in(wave_no)]
            if kills and len(in_flight_per_kill) < kills:
                in_flight_per_kill.append(len(lost))
                assert lost, "the kill caught no request in flight"
            unanswered = [c for c in everything if not c.answers]
            if not unanswered and kills == KILLS:
                break
            lost_now = {id(c) for c in lost}
            work = []
            for c in unanswered:
                work += [c, c] if id(c) in lost_now else [c]

        in_flight = [c for c in everything if any(isinstance(a, Lost) for a in c.attempts)]
        refused = [c for c in everything if any(isinstance(a, Refused) for a in c.attempts)]
        retried = [c for c in everything if c.attempts and not isinstance(c.attempts[0], Answer)]
        deferred = [c for c in everything if c.phase and c.phase[0] > 1]

        # Every call that got a 2xx, sent once more with its key: the same answer, replayed,
        # and nothing changes.
        before = snapshot(db, v)
        acknowledged = [c for c in everything if c.ok]
        replay = Load(server.port, acknowledged, 0, admin_token=v.tokens["admin"], voids=voids)
        replay.start().join(max(5.0, deadline - time.monotonic() - 5))
        assert snapshot(db, v) == before

        # ------------------------------------------------ what the clients saw
        statuses = Counter(a.status for c in everything for a in c.answers)
        assert all(code < 500 for code in statuses), statuses
        for c in everything:
            first = c.ok[0] if c.ok else None
            if first is None:
                assert c.kind == "redeem", (c.kind, c.key, c.attempts)
                assert {a.body["error"] for a in c.answers} <= {
                    "insufficient_points",
                    "out_of_stock",
                }, c.attempts
                continue
            # One key, one outcome: every 2xx answer of a key is the same answer, and only
            # one of them did the work; the others replayed it.
            assert sum(1 for a in c.ok if not a.replayed) <= 1, (c.key, c.attempts)
            assert all((a.status, a.body) == (first.status, first.body) for a in c.ok), c.key
            assert c.attempts[-1] == Answer(first.status, first.body, True), c.key
        for c in (c for c in everything if c.kind == "checkin"):
            assert c.ok, (c.key, c.attempts)
        for c in voids:
            assert c.ok and c.ok[0].status == 200 and c.ok[0].body["status"] == "voided"

        # ------------------------------------------------ what the database holds
        with db.session(write=False) as s:
            orders = {o.id: o for o in s.scalars(select(Order).where(Order.village_id == v.id))}
            records = {
                (r.user_id, r.key): r
                for r in s.scalars(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.user_id.in_([v.clerk_id, v.host_id, v.admin_id])
                    )
                )
            }
            user_of = {"redeem": v.clerk_id, "checkin": v.host_id, "void": v.admin_id}
            # Every acknowledged request is there, and its key replays exactly what was said.
            for c in (c for c in everything if c.ok):
                record = records[(user_of[c.kind], c.key)]
                assert (record.status_code, record.response) == (c.ok[0].status, c.ok[0].body)
            paid = [r for (uid, _k), r in records.items() if uid == v.clerk_id]
            assert all(r.status_code == 201 for r in paid)
            # Orders and keys match one to one: no key paid twice, no order without a key.
            assert sorted(r.response["id"] for r in paid) == sorted(orders)
            acknowledged_orders = {
                c.ok[0].body["id"] for c in everything if c.kind == "redeem" and c.ok
            }
            assert acknowledged_orders == set(orders)
            voided = {i for i, o in orders.items() if o.status == OrderStatus.VOIDED}
            assert voided == {c.ok[0].body["id"] for c in voids}
            assert voided

            attendances = {
                a.id: a
                for a in s.scalars(select(Attendance).where(Attendance.event_id == v.event_id))
            }
            assert sorted(a.resident_id for a in attendances.values()) == sorted(v.resident_ids)
            for c in (c for c in everything if c.kind == "checkin"):
                a = attendances[c.ok[0].body["attendance_id"]]
                assert a.resident_id == c.body["resident_id"]
            assert all(a.points_awarded == MEETING_POINTS for a in attendances.values())

            report = ledger.verify(s, village_id=v.id)
            assert report.ok, report.problems
            sums = dict(
                s.execute(
                    select(LedgerEntry.household_id, func.sum(LedgerEntry.amount))
                    .where(LedgerEntry.household_id.in_(v.household_ids))
                    .group_by(LedgerEntry.household_id)
                ).all()
            )
            awards = Counter(a.household_id for a in attendances.values())
            spent = Counter()
            for o in orders.values():
                if o.status == OrderStatus.COMPLETED:
                    spent[o.household_id] += o.total
            for h in s.scalars(select(Household).where(Household.village_id == v.id)):
                assert h.balance == sums[h.id]
                assert h.balance == OPENING + MEETING_POINTS * awards[h.id] - spent[h.id]
                assert h.balance >= 0

            taken = dict(
                s.execute(
                    select(OrderLine.item_id, func.sum(OrderLine.quantity))
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(Order.village_id == v.id)
                    .group_by(OrderLine.item_id)
                ).all()
            )
            returned = dict(
                s.execute(
                    select(OrderLine.item_id, func.sum(OrderLine.quantity))
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(Order.village_id == v.id, Order.status == OrderStatus.VOIDED)
                    .group_by(OrderLine.item_id)
                ).all()
            )
            moved = dict(
                s.execute(
                    select(StockMovement.item_id, func.sum(StockMovement.delta))
                    .where(StockMovement.village_id == v.id)
                    .group_by(StockMovement.item_id)
                ).all()
            )
            for item in s.scalars(select(Item).where(Item.village_id == v.id)):
                opening = v.items[item.id]
                expected = opening - taken.get(item.id, 0) + returned.get(item.id, 0)
                assert item.stock == expected == moved[item.id]
                assert item.stock >= 0

        # A request in flight had either committed before the kill (its retries all replay)
        # or not (exactly one retry did the work).
        committed = [c for c in in_flight if c.ok and all(a.replayed for a in c.ok)]
        lost_redemptions = [c for c in in_flight if c.kind == "redeem"]
        numbers = {
            "database": db.engine.dialect.name,
            "requests": len(everything),
            "attempts": sum(len(c.attempts) for c in everything),
            "2xx_under_load": sum(
                1
                for c in everything
                for a, p in zip(c.attempts, c.phase, strict=True)
                if p and isinstance(a, Answer) and 200 <= a.status < 300
            ),
            "2xx_replayed_after": len(acknowledged),
            "statuses": dict(sorted(statuses.items())),
            "kills": kills,
            "answered_before_each_kill": answered_at_kill,
            "killed_in_flight_each_kill": in_flight_per_kill,
            "requests_killed_in_flight": len(in_flight),
            "in_flight_committed_before_kill": len(committed),
            "refused_after_kill": len(refused),
            "retried_same_key": len(retried),
            "first_sent_after_a_restart": len(deferred),
            "lost_redemptions": len(lost_redemptions),
            "orders": len(orders),
            "voided": len(voided),
            "attendances": len(attendances),
            "seconds": round(time.monotonic() - started, 1),
        }
        print("\ncrash test:", json.dumps(numbers, ensure_ascii=False))
        assert time.monotonic() - started < TIME_LIMIT + 5
    finally:
        try:
            if server is not None:
                server.kill_all()
        finally:
            db.dispose()
