"""Parallel redemptions over real HTTP (threaded server, bearer tokens, committed database)."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from points import ledger, residents, users, villages
from points.models import EntryKind, Household, Role
from store import catalogue
from store.models import Item

pytestmark = pytest.mark.concurrency


def _post(url, token, body, key=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _setup(db, code, *, households, points, stock, price):
    with db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发超市村")
        clerk = users.create_user(
            s,
            username=f"{code}-clerk",
            password="long-enough-1",
            village_id=v.id,
            roles=[Role.CLERK],
        )
        token, _ = users.issue_token(s, clerk)
        hids = []
        for n in range(households):
            h = residents.create_household(s, village_id=v.id, number=str(n + 1))
            ledger.post(s, household_id=h.id, amount=points, kind=EntryKind.AWARD)
            hids.append(h.id)
        item = catalogue.create_item(
            s, village_id=v.id, data={"name": "食用油", "price": price}, stock=stock, by_id=None
        )
        return v.id, token, hids, item.id


def test_forty_parallel_http_redemptions(live_server):
    vid, token, (hid,), item_id = _setup(
        live_server.db, "http-store-40", households=1, points=95, stock=100, price=10
    )
    url = live_server.url + "/api/v1/redemptions"
    body = {"household_id": hid, "lines": [{"item_id": item_id, "quantity": 1}]}

    def go(i):
        return _post(url, token, body, key=f"k{i}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(go, range(40)))
    codes = [c for c, _ in results]
    assert codes.count(201) == 9 and codes.count(409) == 31, codes
    assert {b["error"] for c, b in results if c == 409} == {"insufficient_points"}
    # A retried request with a used key replays, it does not redeem again.
    first_ok = next(i for i, (c, _) in enumerate(results) if c == 201)
    assert go(first_ok) == results[first_ok]
    with live_server.db.session(write=False) as s:
        assert s.get(Household, hid).balance == 5
        assert s.get(Item, item_id).stock == 91
        assert ledger.verify(s, village_id=vid).ok


def test_two_households_race_over_http_for_the_last_unit(live_server):
    vid, token, hids, item_id = _setup(
        live_server.db, "http-store-last", households=2, points=50, stock=1, price=20
    )
    url = live_server.url + "/api/v1/redemptions"

    def go(hid):
        return _post(
            url, token, {"household_id": hid, "lines": [{"item_id": item_id, "quantity": 1}]}
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(go, hids))
    assert sorted(c for c, _ in results) == [201, 409]
    lost = next(b for c, b in results if c == 409)
    assert lost["error"] == "out_of_stock" and lost["item_id"] == item_id
    with live_server.db.session(write=False) as s:
        assert s.get(Item, item_id).stock == 0
        assert sorted(s.get(Household, h).balance for h in hids) == [30, 50]
        assert ledger.verify(s, village_id=vid).ok
