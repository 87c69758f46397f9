"""Bad input deep inside a request that would otherwise pass (issue 14, findings 11-13):
dates at the ends of the calendar, numbers of thousands of digits and ids beyond 64 bits,
NUL in a page's form. Each answers a localized 400 and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from points import cards, events, ledger
from points.event_models import Attendance, Event
from points.models import EntryKind, Resident, Role, RuleVersion
from store import catalogue
from tests.dbutil import row_counts
from tests.eventutil import make_event, make_rule

SECRET = "test-key"
TOKEN = "t" * 20
DATE_MESSAGE = "日期须在 2000 年至 2099 年之间"
EDGE_TIMES = [
    "0001-01-01T00:00:00+08:00",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59+14:00",
    "1999-12-31T23:59:59+08:00",
    "2100-01-01T00:00:00+08:00",
]
HUGE = "9" * 5000




@pytest.fixture
def place(session, village, make_household, make_resident, make_user, token_for, fixed_clock):
    household = make_household(village, "1001")
    resident = make_resident(village, household, name="张建国")
    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    item = catalogue.create_item(
        session, village_id=village.id, data={"name": "大米", "price": 5}, stock=10, by_id=None
    )
    ledger.post(session, household_id=household.id, amount=60, kind=EntryKind.AWARD)
    session.commit()

    class Place:
        pass

    p = Place()
    p.household, p.resident, p.rule, p.event, p.item = household, resident, rule, event, item
    p.admin = make_user(village, roles=[Role.ADMIN])
    p.headers = token_for(p.admin)
    return p


# ---------------------------------------------------------------- 12: dates


@pytest.mark.parametrize("at", EDGE_TIMES)
def test_event_times_at_the_calendar_ends_are_a_400(client, session, place, at):
    before = row_counts(session)
    body = {
        "title": "议事会",
        "kind": "meeting",
        "starts_at": at,
        "ends_at": "2026-11-02T12:00:00+08:00",
        "rule_id": place.rule.id,
    }
    r = client.post("/api/v1/events", json=body, headers=place.headers)
    assert r.status_code == 400, r.json
    assert r.json["fields"]["starts_at"] == DATE_MESSAGE
    r = client.post(
        "/api/v1/events",
        json={**body, "starts_at": body["ends_at"], "ends_at": at},
        headers=place.headers,
    )
    assert r.status_code == 400 and r.json["fields"]["ends_at"] == DATE_MESSAGE
    assert row_counts(session) == before


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_event_page_refuses_calendar_ends(client, session, login, place, at):
    login(place.admin)
    r = client.post(
        "/host/events/new",
        data={
            "title": "议事会",
            "kind": "meeting",
            "starts_at": at,
            "ends_at": "2026-11-02T12:00",
            "rule_id": str(place.rule.id),
            "invite_scope": "village",
        },
    )
    assert r.status_code == 400
    assert DATE_MESSAGE in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Event)) == 1


@pytest.mark.parametrize("at", EDGE_TIMES)
def test_an_offline_scan_time_at_the_calendar_ends_is_a_400(client, session, place, at):
    before = row_counts(session)
    r = client.post(
        f"/api/v1/events/{place.event.id}/checkins",
        json={"card": cards.payload_for(SECRET, place.resident), "scanned_at": at},
        headers=place.headers,
    )
    assert r.status_code == 400, r.json
    assert r.json["fields"] == {"scanned_at": DATE_MESSAGE}
    assert session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert row_counts(session) == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
def test_the_daily_sheet_of_a_day_beyond_the_calendar_is_a_400(client, login, place, day):
    login(place.admin)
    r = client.get("/shop/daily", query_string={"day": day})
    assert r.status_code == 400
    assert DATE_MESSAGE in r.get_data(as_text=True)
    assert client.get("/shop/daily", query_string={"day": "2099-12-31"}).status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_rule_in_force_from_beyond_the_calendar_is_a_400(client, session, login, place, day):
    before = row_counts(session)
    r = client.post(
        f"/api/v1/rules/{place.rule.id}/revise",
        json={"title": "参会", "category": "议事", "points": 3, "effective_from": day},
        headers=place.headers,
    )
    assert r.status_code == 400 and r.json["fields"] == {"effective_from": DATE_MESSAGE}
    login(place.admin)
    r = client.post(
        f"/rules/{place.rule.id}/revise",
        data={
            "title": "参会",
            "category": "议事",
            "points": "3",
            "unit": "per_time",
            "effective_from": day,
        },
    )
    assert r.status_code == 400 and DATE_MESSAGE in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(RuleVersion)) == 1
    assert row_counts(session) == before


# ---------------------------------------------------------------- 13: numbers


@pytest.mark.parametrize("quantity", [HUGE, "9" * 30, str(2**70), "-" + HUGE])
def test_counter_quantities_of_thousands_of_digits_are_a_400(
    client, session, login, place, quantity
):
    before = row_counts(session)
    login(place.admin)
    r = client.post(
        f"/shop/counter/{place.household.id}",
        data={"token": TOKEN, f"qty_{place.item.id}": quantity},
    )
    assert r.status_code == 400
    assert "须为整数" in r.get_data(as_text=True)  # must be a whole number
    r = client.post(
        f"/shop/counter/{place.household.id}",
        data={"token": TOKEN, f"qty_{HUGE}": "1", "resident_id": str(2**70)},
    )
    assert r.status_code in (400, 404)
    assert row_counts(session) == before


@pytest.mark.parametrize("count", [HUGE, str(2**70), "²"])
def test_stocktake_and_donation_counts_of_thousands_of_digits_are_a_400(
    client, session, login, place, count
):
    before = row_counts(session)
    login(place.admin)
    r = client.post("/shop/stocktake", data={f"count_{place.item.id}": count})
    assert r.status_code == 400
    r = client.post(
        "/shop/donations/new", data={"donor_name": "好心人", f"qty_{place.item.id}": count}
    )
    assert r.status_code == 400
    r = client.post(
        f"/shop/items/{place.item.id}/stock", data={"reason": "purchase", "delta": count}
    )
    assert r.status_code == 400
    r = client.post("/shop/items/new", data={"name": "油", "unit": "瓶", "price": count})
    assert r.status_code == 400
    assert row_counts(session) == before


@pytest.mark.parametrize("value", [HUGE, 2**70, -(2**70), 10**4000])
def test_api_numbers_beyond_64_bits_or_of_thousands_of_digits_are_a_400(
    client, session, place, value
):
    before = row_counts(session)
    item = place.item.id
    calls = [
        ("/api/v1/stocktakes", {"counts": {str(item): value}}),
        ("/api/v1/stocktakes", {"counts": {str(value): 1}}),
        (
            "/api/v1/donations",
            {"donor_name": "好心人", "lines": [{"item_id": item, "quantity": value}]},
        ),
        (
            "/api/v1/donations",
            {"donor_name": "好心人", "lines": [{"item_id": value, "quantity": 1}]},
        ),
        (
            "/api/v1/redemptions",
            {"household_id": place.household.id, "lines": [{"item_id": item, "quantity": value}]},
        ),
        (
            "/api/v1/redemptions",
            {"household_id": value, "lines": [{"item_id": item, "quantity": 1}]},
        ),
        ("/api/v1/awards", {"resident_id": value, "rule_id": place.rule.id}),
        (
            "/api/v1/rules",
            {"code": "X1", "title": "t", "category": "c", "points": 1, "monthly_cap": value},
        ),
    ]
    for url, body in calls:
        r = client.post(url, json=body, headers=place.headers)
        assert r.status_code == 400, (url, r.status_code, r.json)
        assert r.json["error"] == "bad_request" and r.json["message"]
    assert row_counts(session) == before


@pytest.mark.parametrize("value", [str(2**70), str(2**63), HUGE])
def test_ids_beyond_64_bits_in_page_queries_find_nothing(client, login, place, value):
    login(place.admin)
    assert client.get("/shop/counter", query_string={"household": value}).status_code == 200
    assert (
        client.get("/host/cards", query_string={"household": value, "group": value}).status_code
        == 200
    )
    assert client.get("/ledger/correct", query_string={"entry": value}).status_code == 200
    r = client.post("/ledger/correct", data={"entry_id": value, "reason": "错了"})
    assert r.status_code == 400


def test_a_rule_cap_beyond_the_database_is_a_400_on_the_page_too(client, session, login, place):
    login(place.admin)
    r = client.post(
        f"/rules/{place.rule.id}/revise",
        data={
            "title": "参会",
            "category": "议事",
            "points": "3",
            "unit": "per_time",
            "monthly_cap": str(2**70),
            "effective_from": "2026-11-02",
        },
    )
    assert r.status_code == 400
    assert session.scalar(select(func.count()).select_from(RuleVersion)) == 1


# ---------------------------------------------------------------- 11: text in page forms


@pytest.mark.parametrize("name", ["张\x00三", "\x00"])
def test_nul_in_a_page_form_is_refused_with_a_localized_message(
    client, session, login, place, name
):
    before = row_counts(session)
    login(place.admin)
    r = client.post("/admin/residents/new", data={"household_number": "1001", "name": name})
    assert r.status_code == 400
    assert "含有不允许的字符" in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Resident)) == 1
    assert row_counts(session) == before
