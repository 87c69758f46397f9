"""Bad input on every route answers a clear 4xx and changes nothing (issue 14, findings 10-13).

The API is walked from its own OpenAPI document: every operation gets a body (or query)
that would otherwise pass, with one field at a time replaced by a bad value: text with NUL
or a lone surrogate, a number of thousands of digits, a number beyond 64 bits, a date at
the ends of the calendar; and whole bodies nested far too deep. Every answer must be a 4xx
JSON error, and afterwards every table holds exactly the rows it held before. The pages are
walked from the app's url_map the same way for the characters no text may hold.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from points import events, ledger
from points.models import EntryKind, Role
from store import catalogue
from tests.dbutil import row_counts
from tests.eventutil import make_event, make_rule

SECRET = "test-key"
NUL = "村民\x00张三"
SURROGATE = "村民\ud800"
HUGE_DIGITS = "9" * 5000
# Put in place of a value in the JSON text, so the number is sent as it is written.
RAW = {
    "@5000-digits@": "9" * 5000,
    "@2^70@": str(2**70),
    "@-2^70@": str(-(2**70)),
    "@1e999@": "1e999",
    "@NaN@": "NaN",
    "@-Infinity@": "-Infinity",
}
DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00"]
DATE_TIMES = [*DATES, "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00"]
DEEP_BODIES = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    '{"title": ' + "[" * 600 + "]" * 600 + "}",
    '{"title": ' + "[" * 40 + "]" * 40 + "}",
]


@pytest.fixture
def world(session, village, make_household, make_resident, make_user, token_for, fixed_clock):
    """One of everything a route's path can name, and a token for each kind of user."""
    household = make_household(village, "1001")
    resident = make_resident(village, household, name="张建国")
    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    item = catalogue.create_item(
        session, village_id=village.id, data={"name": "大米", "price": 5}, stock=10, by_id=None
    )
    entry = ledger.post(session, household_id=household.id, amount=60, kind=EntryKind.AWARD)
    session.commit()
    admin = make_user(village, roles=[Role.ADMIN])
    ids = {
        "household_id": household.id,
        "resident_id": resident.id,
        "rule_id": rule.id,
        "event_id": event.id,
        "item_id": item.id,
        "entry_id": entry.id,
        "award_id": 1,
        "objection_id": 1,
        "order_id": 1,
        "attendance_id": 1,
    }
    return {
        "ids": ids,
        "admin": token_for(admin),
        "admin_user": admin,
        "supervisor": token_for(make_user(village, roles=[Role.SUPERVISOR])),
        "resident": token_for(make_user(village, roles=[Role.RESIDENT], resident=resident)),
    }




def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(doc: dict, name: str, schema: dict, ids: dict[str, int]) -> Any:
    """A value the field would accept (as far as its type says)."""
    schema = _resolve(doc, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "integer":
        return ids.get(name, 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return [_example(doc, name, schema.get("items", {}), ids)]
    if kind == "object" or "properties" in schema:
        return {k: _example(doc, k, v, ids) for k, v in schema.get("properties", {}).items()}
    if schema.get("format") == "date-time":
        return "2026-11-02T10:00:00+08:00"
    if schema.get("format") == "date":
        return "2026-11-02"
    return "测试"


def _bad_values(schema: dict) -> list[Any]:
    """Values no field of this type may accept."""
    values: list[Any] = [NUL, SURROGATE, *RAW]
    if schema.get("type") == "integer":
        values += [HUGE_DIGITS, str(2**70)]
    if schema.get("format") == "date-time":
        values += DATE_TIMES
    elif schema.get("format") == "date":
        values += DATES
    if schema.get("type") == "array":
        values += [[NUL], [{"item_id": "@2^70@", "quantity": "@5000-digits@"}]]
    return values


def _dumps(body: Any) -> str:
    text = json.dumps(body)
    for mark, number in RAW.items():
        text = text.replace(json.dumps(mark), number)
    return text


def _operations(client, world):
    doc = client.get("/api/v1/openapi.json").json
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if path == "/api/v1/auth/token" and method == "delete":
                continue  # would revoke the token the other cases use
            url = re.sub(r"\{(\w+)\}", lambda m: str(world["ids"].get(m.group(1), 1)), path)
            body_schema = (
                op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ).get("schema")
            yield doc, method, url, op, (_resolve(doc, body_schema) if body_schema else None)


def _headers(world, op) -> dict[str, str]:
    roles = op.get("description", "").removeprefix("Roles: ").split(", ")
    if "admin" in roles or "host" in roles or "clerk" in roles or roles == [""]:
        return world["admin"]
    if "supervisor" in roles:
        return world["supervisor"]
    return world["resident"]


def _send(client, method, url, headers, *, body=None, query=None):
    kw: dict[str, Any] = {"headers": {**headers, "Accept-Encoding": "identity"}}
    if body is not None:
        kw["data"] = body if isinstance(body, str) else _dumps(body)
        kw["content_type"] = "application/json"
    if query is not None:
        kw["query_string"] = query
    return client.open(url, method=method.upper(), **kw)


def test_every_api_route_refuses_bad_input_and_changes_nothing(client, session, world):
    before = row_counts(session)
    answers: list[tuple] = []
    sent = 0
    for doc, method, url, op, body_schema in _operations(client, world):
        for headers in {id(h): h for h in (_headers(world, op), world["resident"])}.values():
            if body_schema is not None:
                props = body_schema.get("properties", {})
                template = {k: _example(doc, k, v, world["ids"]) for k, v in props.items()}
                cases: list[Any] = list(DEEP_BODIES)
                for name, prop in props.items():
                    prop = _resolve(doc, prop)
                    cases += [{**template, name: bad} for bad in _bad_values(prop)]
                cases.append({**template, NUL: 1})
                for body in cases:
                    r = _send(client, method, url, headers, body=body)
                    sent += 1
                    answers.append((method, url, str(body)[:60], r.status_code, r.get_json()))
            elif method in ("post", "patch", "put"):
                for body in DEEP_BODIES[:2]:
                    r = _send(client, method, url, headers, body=body)
                    sent += 1
                    answers.append((method, url, body[:20], r.status_code, r.get_json()))
            for param in op.get("parameters", []):
                if param["in"] != "query":
                    continue
                schema = _resolve(doc, param.get("schema", {}))
                for bad in _bad_values(schema):
                    if bad == SURROGATE:
                        continue  # a URL cannot carry it: it is not UTF-8
                    value = RAW.get(bad, bad) if isinstance(bad, str) else json.dumps(bad)
                    r = _send(client, method, url, headers, query={param["name"]: value})
                    sent += 1
                    if r.status_code >= 400 or method != "get":
                        answers.append((method, url, param["name"], r.status_code, r.get_json()))
                    else:
                        assert r.status_code < 300, (url, param["name"], r.status_code)
    assert sent > 800
    wrong = [a for a in answers if not 400 <= a[3] < 500]
    assert not wrong, wrong[:10]
    unclear = [a for a in answers if not (a[4] and a[4].get("error") and a[4].get("message"))]
    assert not unclear, unclear[:10]
    # Nothing changed but the throttle's counters: a well-formed body with wrong credentials
    # sent to the token endpoint is a failed login, and every public posting-code check is
    # counted per client; counting those is the throttle's job.
    after = row_counts(session)
    assert {**after, "login_failure_counts": 0} == {**before, "login_failure_counts": 0}


@pytest.mark.parametrize("body", DEEP_BODIES)
def test_json_nested_deeper_than_any_body_is_a_clear_400(client, world, body):
    r = _send(client, "post", "/api/v1/events", world["admin"], body=body)
    assert r.status_code == 400
    assert r.json["error"] == "bad_request"
    assert r.json["fields"] == {"body": "嵌套层数过多"}
    # on the login route too, where the rate limiter reads the body first
    r = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_request"


@pytest.mark.parametrize("text", [NUL, SURROGATE, "\x00", "\udfff尾"])
def test_nul_and_lone_surrogates_are_refused_in_json_by_field(client, session, world, text):
    before = row_counts(session)
    r = client.post(
        "/api/v1/residents",
        data=json.dumps({"household_number": "1001", "name": text}),
        content_type="application/json",
        headers=world["admin"],
    )
    assert r.status_code == 400
    assert r.json["error"] == "bad_request"
    assert r.json["fields"] == {"name": "含有不允许的字符（如空字符或残缺的编码）"}
    assert row_counts(session) == before


def _page_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")):
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_page_refuses_nul_in_its_form_and_query(app, client, session, world, login):
    """A form field or a query argument with NUL (a lone surrogate cannot arrive in a form:
    it is not UTF-8) is refused before any view, logged in or not, the same on both
    databases."""
    admin = world["admin_user"]
    before = row_counts(session)
    wrong = []
    pages = list(_page_rules(app))
    assert len(pages) > 40
    for who in ("anonymous", "admin"):
        c = app.test_client()
        if who == "admin":
            login(admin, c)
        for method, url in pages:
            if method == "GET":
                r = c.get(url, query_string={"q": NUL})
            else:
                r = c.open(url, method=method, data={"name": NUL, "note": "好"})
            if r.status_code != 400 or "不允许的字符".encode() not in r.data:
                wrong.append((who, method, url, r.status_code))
    assert not wrong, wrong[:10]
    assert row_counts(session) == before
