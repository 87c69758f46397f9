"""Events and check-in over the API, per API.md "Events and check-in"."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from points import cards, events, ledger
from points.event_models import Attendance
from points.models import EntryKind, LedgerEntry, Role, RuleUnit
from tests.eventutil import card, make_event, make_rule

SECRET = "test-key"


@pytest.fixture
def host(make_user, village):
    return make_user(village, roles=(Role.HOST,))


@pytest.fixture
def meeting(session, village, fixed_clock):
    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    session.commit()
    return event


def scan(client, headers, event, **body):
    return client.post(f"/api/v1/events/{event.id}/checkins", json=body, headers=headers)


def test_create_open_checkin_repeat_close(
    client, session, village, host, token_for, make_resident, fixed_clock
):
    rule = make_rule(session, village, points=5)
    session.commit()
    h = token_for(host)
    r = client.post(
        "/api/v1/events",
        json={
            "title": "村民代表会议",
            "kind": "meeting",
            "starts_at": "2026-11-02T10:00:00+08:00",
            "ends_at": "2026-11-02T12:00:00+08:00",
            "rule_id": rule.id,
            "location": "村委会议室",
        },
        headers=h,
    )
    assert r.status_code == 201, r.json
    event_id = r.json["id"]
    assert r.json["status"] == "scheduled"
    resident = make_resident(village, name="张建国")
    ev = events.get_event(session, village.id, event_id)

    r = scan(client, h, ev, card=card(SECRET, resident))
    assert r.status_code == 409 and r.json["error"] == "event_not_open"

    assert client.post(f"/api/v1/events/{event_id}/open", headers=h).json["status"] == "open"
    r = scan(client, h, ev, card=card(SECRET, resident))
    assert r.status_code == 201, r.json
    assert r.json["resident"]["name"] == "张建国"
    assert r.json["points_awarded"] == 5
    assert r.json["household"]["balance"] == 5
    first_time = r.json["checked_in_at"]

    fixed_clock.advance(minutes=4)
    r = scan(client, h, ev, card=card(SECRET, resident))
    assert r.status_code == 200
    assert r.json == {
        "already": True,
        "attendance_id": r.json["attendance_id"],
        "checked_in_at": first_time,
        "resident": {"id": resident.id, "name": "张建国"},
    }
    session.expire_all()
    assert resident.household.balance == 5  # awarded once

    assert client.post(f"/api/v1/events/{event_id}/close", headers=h).json["status"] == "closed"
    other = make_resident(village, name="李四")
    r = scan(client, h, ev, card=card(SECRET, other))
    assert r.status_code == 409 and r.json["error"] == "event_not_open"
    assert ledger.verify(session, village_id=village.id).ok


def test_forged_and_reissued_cards_are_400(
    client, session, village, host, token_for, make_resident, meeting
):
    h = token_for(host)
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    resident = make_resident(village)
    old = card(SECRET, resident)
    forged = old[:-2] + ("AA" if old[-2:] != "AA" else "BB")
    r = scan(client, h, meeting, card=forged)
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    assert r.json["message"]
    r = scan(client, h, meeting, card=card("another-secret", resident))
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    cards.reissue(session, resident, by_id=None)
    session.commit()
    r = scan(client, h, meeting, card=old)
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    r = scan(client, h, meeting, card=card(SECRET, resident))
    assert r.status_code == 201
    short = cards.short_code_for(SECRET, resident)
    r = scan(client, h, meeting, card=short)
    assert r.status_code == 200 and r.json["already"] is True
    assert session.scalars(select(Attendance)).all().__len__() == 1


def test_offline_scan_keeps_scan_time_and_device(
    client, session, village, host, token_for, make_resident, meeting, fixed_clock
):
    h = token_for(host)
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    scanned = fixed_clock.now + timedelta(minutes=1)
    fixed_clock.advance(minutes=20)
    resident = make_resident(village)
    body = {"card": card(SECRET, resident), "scanned_at": scanned.isoformat(), "client_id": "dev-1"}
    headers = {**h, "Idempotency-Key": "dev-1:1", "User-Agent": "Android 7 phone"}
    r = client.post(f"/api/v1/events/{meeting.id}/checkins", json=body, headers=headers)
    assert r.status_code == 201, r.json
    assert r.json["method"] == "offline"
    again = client.post(f"/api/v1/events/{meeting.id}/checkins", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    att = session.scalars(select(Attendance)).one()
    assert att.checked_in_at == scanned
    assert att.recorded_at == fixed_clock.now
    assert att.client_id == "dev-1" and att.device == "Android 7 phone"
    # Queued scans still count after the event closed, if they were made while it was open.
    client.post(f"/api/v1/events/{meeting.id}/close", headers=h)
    late = make_resident(village, name="晚到")
    body = {"card": card(SECRET, late), "scanned_at": scanned.isoformat(), "client_id": "dev-1"}
    assert scan(client, h, meeting, **body).status_code == 201
    body["scanned_at"] = (fixed_clock.now + timedelta(minutes=1)).isoformat()
    body["card"] = card(SECRET, make_resident(village, name="太晚"))
    assert scan(client, h, meeting, **body).status_code == 409


def test_bad_input_is_400_with_fields(client, session, village, host, token_for, meeting):
    h = token_for(host)
    r = client.post(
        "/api/v1/events",
        json={"title": "", "kind": "party", "starts_at": "tomorrow", "ends_at": "x", "rule_id": 0},
        headers=h,
    )
    assert r.status_code == 400
    assert set(r.json["fields"]) == {"title", "kind", "starts_at", "ends_at", "rule_id"}
    r = client.post(
        "/api/v1/events",
        json={
            "title": "t",
            "kind": "meeting",
            "starts_at": "2026-11-02T12:00:00+08:00",
            "ends_at": "2026-11-02T10:00:00+08:00",
            "rule_id": meeting.rule_id,
        },
        headers=h,
    )
    assert r.status_code == 400 and "ends_at" in r.json["fields"]
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    assert scan(client, h, meeting).status_code == 400
    assert scan(client, h, meeting, card="x", scanned_at="yesterday").status_code == 400
    r = client.post(f"/api/v1/events/{meeting.id}/checkins", data="nope", headers=h)
    assert r.status_code == 400


def test_roles_and_village_isolation(
    client, session, village, other_village, make_user, token_for, make_resident, meeting
):
    clerk = token_for(make_user(village, roles=(Role.CLERK,)))
    resident_user = token_for(make_user(village, roles=(Role.RESIDENT,)))
    supervisor = token_for(make_user(village, roles=(Role.SUPERVISOR,)))
    outsider = token_for(make_user(other_village, roles=(Role.ADMIN,)))
    resident = make_resident(village)
    base = f"/api/v1/events/{meeting.id}"
    for h in (clerk, resident_user, supervisor):
        assert client.post(f"{base}/open", headers=h).status_code == 403
        assert (
            client.post(
                f"{base}/checkins", json={"resident_id": resident.id}, headers=h
            ).status_code
            == 403
        )
        assert client.get(f"{base}/rotating-qr", headers=h).status_code == 403
    assert client.get(f"{base}/attendance", headers=resident_user).status_code == 403
    assert client.get(f"{base}/attendance", headers=supervisor).status_code == 200
    for path in ("", "/attendance", "/rotating-qr"):
        assert client.get(base + path, headers=outsider).status_code == 404
    for path in ("/open", "/close"):
        assert client.post(base + path, headers=outsider).status_code == 404
    r = client.post(f"{base}/checkins", json={"resident_id": resident.id}, headers=outsider)
    assert r.status_code == 404
    for path in ("/checkouts", "/attendance/1/undo"):
        body = {"resident_id": resident.id} if path == "/checkouts" else {"reason": "x"}
        assert client.post(base + path, json=body, headers=outsider).status_code == 404
        assert client.post(base + path, json=body, headers=clerk).status_code == 403
    assert client.get(f"{base}/residents?q=王", headers=outsider).status_code == 404
    assert client.get(f"{base}/residents?q=王", headers=clerk).status_code == 403
    assert (
        client.post("/api/v1/checkin", json={"payload": "CE1X"}, headers=outsider).status_code
        == 403
    )
    # The outsider's own event cannot take this village's resident.
    assert client.get(f"/api/v1/residents/{resident.id}/card", headers=outsider).status_code == 404


def test_manual_checkin_one_per_household_and_undo(
    client, session, village, host, token_for, make_resident, make_household, fixed_clock
):
    rule = make_rule(session, village, points=4)
    event = make_event(session, village, rule, one_per_household=True)
    session.commit()
    hh = make_household(village, "A7")
    father = make_resident(village, hh, name="王父")
    son = make_resident(village, hh, name="王子")
    h = token_for(host)
    client.post(f"/api/v1/events/{event.id}/open", headers=h)
    r1 = scan(client, h, event, resident_id=father.id)
    r2 = scan(client, h, event, resident_id=son.id)
    assert (r1.status_code, r2.status_code) == (201, 201)
    assert (r1.json["points_awarded"], r2.json["points_awarded"]) == (4, 0)
    att = client.get(f"/api/v1/events/{event.id}/attendance", headers=h).json
    assert att["unit"] == "households" and att["checked_in"] == 1
    assert {i["method"] for i in att["items"]} == {"manual"}

    url = f"/api/v1/events/{event.id}/attendance/{r1.json['attendance_id']}/undo"
    assert client.post(url, json={"reason": " "}, headers=h).status_code == 400
    r = client.post(url, json={"reason": "扫错了人"}, headers=h)
    assert r.status_code == 200 and r.json["undone"] is True
    assert client.post(url, json={"reason": "again"}, headers=h).json["error"] == "already_undone"
    session.expire_all()
    assert hh.balance == 0 and hh.honour_score == 0
    correction = session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CORRECTION)
    ).one()
    assert correction.note == "扫错了人" and correction.amount == -4


def test_volunteer_checkout_half_hours_and_close_settles(
    client, session, village, host, token_for, make_resident, fixed_clock
):
    rule = make_rule(session, village, code="ZY01", points=4, unit=RuleUnit.PER_HOUR)
    start = fixed_clock.now
    event = make_event(session, village, rule, kind="volunteer", start=start, hours=3)
    session.commit()
    a, b = make_resident(village, name="甲"), make_resident(village, name="乙")
    h = token_for(host)
    client.post(f"/api/v1/events/{event.id}/open", headers=h)
    assert scan(client, h, event, resident_id=a.id).json["points_awarded"] == 0
    fixed_clock.advance(minutes=10)
    scan(client, h, event, resident_id=b.id)
    fixed_clock.advance(minutes=80)  # a: 90 minutes, b: 80 minutes
    r = client.post(
        f"/api/v1/events/{event.id}/checkouts", json={"card": card(SECRET, a)}, headers=h
    )
    assert r.status_code == 200, r.json
    assert r.json == {**r.json, "hours": 1.5, "points_awarded": 6}
    r = client.post(f"/api/v1/events/{event.id}/checkouts", json={"resident_id": a.id}, headers=h)
    assert r.status_code == 409 and r.json["error"] == "already_checked_out"
    fixed_clock.advance(hours=5)  # long after the end: b is settled at the event's end
    assert client.post(f"/api/v1/events/{event.id}/close", headers=h).status_code == 200
    session.expire_all()
    att_b = session.scalars(select(Attendance).where(Attendance.resident_id == b.id)).one()
    assert att_b.checked_out_at == event.ends_at
    assert att_b.half_hours == 5 and att_b.points_awarded == 10  # 2h50 -> 2.5 h
    assert a.household.balance == 6 and b.household.balance == 10


def test_monthly_cap_limits_checkin_award(
    client, session, village, host, token_for, make_resident, fixed_clock
):
    rule = make_rule(session, village, points=5, cap=8)
    e1 = make_event(session, village, rule, title="一")
    e2 = make_event(session, village, rule, title="二")
    session.commit()
    resident = make_resident(village)
    h = token_for(host)
    for e in (e1, e2):
        client.post(f"/api/v1/events/{e.id}/open", headers=h)
    assert scan(client, h, e1, resident_id=resident.id).json["points_awarded"] == 5
    assert scan(client, h, e2, resident_id=resident.id).json["points_awarded"] == 3
    session.expire_all()
    assert resident.household.balance == 8


def test_rotating_code_expires_with_injected_clock(
    client, session, village, host, make_user, token_for, make_resident, meeting, fixed_clock
):
    h = token_for(host)
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    resident = make_resident(village, name="赵六")
    me = token_for(make_user(village, roles=(Role.RESIDENT,), resident=resident))
    qr = client.get(f"/api/v1/events/{meeting.id}/rotating-qr", headers=h).json
    assert 0 < qr["expires_in"] <= 30
    fixed_clock.advance(seconds=qr["expires_in"] + 20)  # the next window: still accepted
    r = client.post(
        "/api/v1/checkin", json={"payload": qr["payload"], "client_id": "p1"}, headers=me
    )
    assert r.status_code == 201 and r.json["method"] == "event_qr"
    assert (
        client.post("/api/v1/checkin", json={"payload": qr["payload"]}, headers=me).status_code
        == 200
    )
    fixed_clock.advance(seconds=30)  # two windows later: a photo of the old code
    other = make_resident(village, name="孙七")
    you = token_for(make_user(village, roles=(Role.RESIDENT,), resident=other))
    r = client.post("/api/v1/checkin", json={"payload": qr["payload"]}, headers=you)
    assert r.status_code == 400 and r.json["error"] == "expired_code"
    p = qr["payload"]
    forged = p[:-5] + ("A" if p[-5] != "A" else "B") + p[-4:]  # a bit of the MAC changed
    r = client.post("/api/v1/checkin", json={"payload": forged}, headers=you)
    assert r.status_code == 400 and r.json["error"] == "invalid_event_code"
    assert (
        client.post("/api/v1/checkin", json={"payload": qr["payload"]}, headers=h).status_code
        == 403
    )


def test_attendance_rate_groups_and_flags(
    client, session, village, host, make_user, token_for, make_household, make_resident, fixed_clock
):
    from points.villages import get_or_create_group

    g1 = get_or_create_group(session, village.id, "第一组")
    session.commit()
    rule = make_rule(session, village)
    event = make_event(session, village, rule, invite_scope="groups", invited_ids=[g1.id])
    session.commit()
    h1 = make_household(village, "G1-1", group="第一组")
    h2 = make_household(village, "G2-1", group="第二组")
    people = [make_resident(village, h1, name=n) for n in ("一", "二", "三", "四")]
    outsider = make_resident(village, h2, name="五")
    h = token_for(host)
    client.post(f"/api/v1/events/{event.id}/open", headers=h)
    qr = client.get(f"/api/v1/events/{event.id}/rotating-qr", headers=h).json["payload"]
    for p in people[:3]:  # three residents checked in from one phone
        t = token_for(make_user(village, roles=(Role.RESIDENT,), resident=p))
        assert (
            client.post(
                "/api/v1/checkin", json={"payload": qr, "client_id": "same-phone"}, headers=t
            ).status_code
            == 201
        )
    scan(client, h, event, resident_id=outsider.id)
    r = client.get(f"/api/v1/events/{event.id}/attendance", headers=h).json
    assert (r["checked_in"], r["invited"], r["rate"]) == (3, 4, 0.75)
    groups = {row["group"]: (row["invited"], row["checked_in"]) for row in r["by_group"]}
    assert groups == {"第一组": (4, 3), "第二组": (0, 1)}
    assert r["flags"][0]["kind"] == "one_device_many_residents"
    assert len(r["flags"][0]["resident_ids"]) == 3


def test_openapi_lists_event_and_card_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/events",
        "/api/v1/events/{event_id}/open",
        "/api/v1/events/{event_id}/close",
        "/api/v1/events/{event_id}/checkins",
        "/api/v1/events/{event_id}/checkouts",
        "/api/v1/events/{event_id}/rotating-qr",
        "/api/v1/events/{event_id}/attendance",
        "/api/v1/checkin",
        "/api/v1/residents/{resident_id}/card",
        "/api/v1/residents/{resident_id}/card/reissue",
        "/api/v1/cards/resolve",
    ):
        assert path in paths, path
    checkins = paths["/api/v1/events/{event_id}/checkins"]["post"]
    assert {"200", "201", "400", "409"} <= set(checkins["responses"])


def test_scan_after_close_answers_already_for_those_checked_in(
    client, session, village, host, token_for, make_resident, meeting
):
    h = token_for(host)
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    resident = make_resident(village, name="王芳")
    first = scan(client, h, meeting, resident_id=resident.id)
    assert first.status_code == 201
    client.post(f"/api/v1/events/{meeting.id}/close", headers=h)
    r = scan(client, h, meeting, card=card(SECRET, resident))
    assert r.status_code == 200 and r.json["already"] is True
    assert r.json["attendance_id"] == first.json["attendance_id"]
    assert r.json["resident"] == {"id": resident.id, "name": "王芳"}
    session.expire_all()
    assert resident.household.balance == 5


def test_scan_of_another_village_finds_nothing_and_changes_nothing(
    client, session, village, other_village, host, token_for, make_resident, meeting
):
    h = token_for(host)
    client.post(f"/api/v1/events/{meeting.id}/open", headers=h)
    stranger = make_resident(other_village)
    r = scan(client, h, meeting, resident_id=stranger.id)
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = scan(client, h, meeting, card=card(SECRET, stranger))
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    r = scan(client, h, meeting, card=cards.short_code_for(SECRET, stranger))
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    r = scan(client, h, meeting, resident_id=2_000_000_000)
    assert r.status_code == 404 and r.json["error"] == "not_found"
    foreign_rule = make_rule(session, other_village, points=5)
    foreign_event = make_event(session, other_village, foreign_rule)
    session.commit()
    own = make_resident(village)
    r = scan(client, h, foreign_event, resident_id=own.id)
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = scan(client, h, meeting)
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    assert session.scalars(select(Attendance)).all() == []
    assert session.scalars(select(LedgerEntry)).all() == []
