"""The deliberation II API: bodies, representatives, a meeting of a kind with its quorum
and vote, 四议两公开 out of order, codes, roles, and another village's ids answering 404."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from points import events
from points.deliberation import meeting_settings, meetings, research, screening, topics
from points.deliberation.models import Topic
from points.models import EntryKind, Household, LedgerEntry, Role
from tests.dbutil import row_counts
from tests.eventutil import make_rule

START = datetime.fromisoformat("2026-11-02T01:30:00+00:00")


@pytest.fixture
def w(
    session,
    village,
    other_village,
    make_household,
    make_resident,
    make_user,
    token_for,
    fixed_clock,
):
    houses = [make_household(village, f"30{i:02d}") for i in range(1, 7)]
    people = [make_resident(village, h, f"代表{i}") for i, h in enumerate(houses, start=1)]
    rule = make_rule(session, village)
    session.commit()
    admin = make_user(village, (Role.ADMIN,))
    host = make_user(village, (Role.HOST,))
    resident = make_user(village, (Role.RESIDENT,), resident=people[5])
    outsider = make_user(other_village, (Role.ADMIN,))
    topic = topics.submit(
        session,
        village=village,
        by=admin,
        title="修缮村道",
        on_behalf_of=people[0],
        source="meeting",
    )
    screening.decide(
        session,
        topic,
        village=village,
        by=admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
    )
    research.save_research(session, topic, by=admin, proposal="硬化村道")
    research.complete_research(session, topic, by=admin)
    session.commit()
    return type(
        "W",
        (),
        {
            **locals(),
            "A": token_for(admin),
            "H": token_for(host),
            "R": token_for(resident),
            "O": token_for(outsider),
        },
    )


def test_representatives_meeting_quorum_and_vote_over_http(client, session, w):
    P = "/api/v1/deliberation"
    r = client.post(P + "/settings", json={"households_per_representative": 1}, headers=w.A)
    assert r.status_code == 200 and r.json["quorum"]["representatives"] == [2, 3]
    r = client.post(
        P + "/terms",
        json={"name": "第十二届", "starts_on": "2026-01-01", "ends_on": "2030-12-31"},
        headers=w.A,
    )
    assert r.status_code == 201
    term = r.json["id"]
    reps = w.people[:3]
    for i, p in enumerate(reps):
        n = client.post(f"{P}/terms/{term}/nominations", json={"resident_id": p.id}, headers=w.A)
        assert n.status_code == 201
        nid = n.json["id"]
        if i == 0:
            r = client.post(
                f"{P}/nominations/{nid}/confirm", json={"present": 3, "votes_for": 3}, headers=w.A
            )
            assert r.status_code == 409 and r.json["error"] == "too_few_households"
        r = client.post(
            f"{P}/nominations/{nid}/signatures", json={"household_id": w.houses[i].id}, headers=w.H
        )
        assert r.status_code == 201 and r.json["households"] == 1
        r = client.post(
            f"{P}/nominations/{nid}/signatures", json={"household_id": w.houses[i].id}, headers=w.H
        )
        assert r.status_code == 409 and r.json["error"] == "already_signed"
        r = client.post(
            f"{P}/nominations/{nid}/confirm", json={"present": 3, "votes_for": 2}, headers=w.A
        )
        assert r.status_code == 200 and r.json["status"] == "confirmed"
    terms = client.get(P + "/terms", headers=w.R).json["items"]
    assert [x["resident"]["name"] for x in terms[0]["roster"]] == ["代表1", "代表2", "代表3"]
    # A meeting of the representatives with the topic on its agenda.
    body = {
        "kind": "representatives",
        "topic_ids": [w.topic.id],
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat(),
        "rule_id": w.rule.id,
    }
    assert (
        client.post(P + "/meetings", json={**body, "kind": "bogus"}, headers=w.H).status_code == 400
    )
    r = client.post(P + "/meetings", json=body, headers=w.H)
    assert r.status_code == 201, r.json
    mid, item = r.json["id"], r.json["agenda"][0]["id"]
    assert r.json["quorum"] == {
        "kind": "representatives",
        "called": 3,
        "present": 0,
        "needed": 3,
        "rule": [2, 3],
        "households_called": 0,
        "households_present": 0,
        "reached": False,
    }
    event = events.get_event(session, w.village.id, r.json["event_id"])
    events.open_event(session, event, by_id=w.host.id)
    for p in reps[:2]:
        events.check_in(session, event=event, resident=p, method="event_qr", by_id=None)
    session.commit()
    count = {"for": 2, "against": 0, "abstain": 0, "minutes": "同意"}
    r = client.post(f"{P}/meetings/{mid}/items/{item}/count", json=count, headers=w.H)
    assert r.status_code == 409 and r.json["error"] == "quorum_not_met"
    assert r.json["needed"] == 3 and r.json["present"] == 2
    events.check_in(session, event=event, resident=reps[2], method="event_qr", by_id=None)
    session.commit()
    assert client.get(f"{P}/meetings/{mid}", headers=w.H).json["quorum"]["reached"] is True
    # A ballot from someone called but not present is refused; not called is refused too.
    r = client.post(
        f"{P}/meetings/{mid}/items/{item}/ballots",
        json={"resident_id": w.people[4].id, "choice": "for"},
        headers=w.H,
    )
    assert r.status_code == 409 and r.json["error"] == "not_called"
    r = client.post(
        f"{P}/meetings/{mid}/items/{item}/ballots",
        json={"resident_id": reps[0].id, "choice": "maybe"},
        headers=w.H,
    )
    assert r.status_code == 400
    r = client.post(f"{P}/meetings/{mid}/items/{item}/count", json={**count, "for": 4}, headers=w.H)
    assert r.status_code == 400
    assert (
        client.post(f"{P}/meetings/{mid}/items/{item}/count", json=count, headers=w.R).status_code
        == 403
    )
    r = client.post(f"{P}/meetings/{mid}/items/{item}/ballots/close", json={}, headers=w.H)
    assert r.status_code == 404
    r = client.post(f"{P}/meetings/{mid}/items/{item}/count", json=count, headers=w.H)
    assert r.status_code == 200 and r.json["passed"] is True and r.json["present"] == 3
    session.expire_all()
    topic = session.get(Topic, w.topic.id)
    assert topic.status.value == "deliberated" and topic.result == "硬化村道"
    got = client.get(f"/api/v1/topics/{w.topic.id}", headers=w.R).json
    assert got["meetings"][0]["passed"] is True and "实到3人" in got["meetings"][0]["minutes"]
    r = client.post(f"{P}/meetings/{mid}/items/{item}/count", json=count, headers=w.H)
    assert r.status_code == 409 and r.json["error"] == "vote_closed"
    # Another village's admin sees none of it.
    assert client.get(f"{P}/meetings/{mid}", headers=w.O).status_code == 404
    assert client.post(f"{P}/terms/{term}/end", headers=w.O).status_code == 404
    assert client.post(f"{P}/terms/{term}/end", headers=w.A).status_code == 200
    assert client.get(f"{P}/meetings/{mid}", headers=w.H).json["quorum"]["called"] == 0


def test_bodies_chain_and_escalation_over_http(client, session, w):
    P = "/api/v1/deliberation"
    assert client.post(P + "/bodies", json={"kind": "deliberation"}, headers=w.H).status_code == 403
    r = client.post(
        P + "/bodies", json={"kind": "deliberation", "rules_text": "每月十五日议事"}, headers=w.A
    )
    assert r.status_code == 201
    bid = r.json["id"]
    assert (
        client.post(P + "/bodies", json={"kind": "deliberation"}, headers=w.A).json["error"]
        == "duplicate_body"
    )
    r = client.post(
        f"{P}/bodies/{bid}/members",
        json={
            "role": "convener",
            "resident_id": w.people[0].id,
            "duty": "党支部书记",
            "term_start": "2026-01-01",
        },
        headers=w.A,
    )
    assert r.status_code == 201 and r.json["name"] == "代表1"
    r = client.post(
        f"{P}/bodies/{bid}/members",
        json={
            "role": "member",
            "name": "陈律师",
            "organisation": "县司法局",
            "phone": "13800000000",
            "term_start": "2026-01-01",
        },
        headers=w.A,
    )
    mid = r.json["id"]
    r = client.post(
        f"{P}/bodies/{bid}/members",
        json={
            "role": "member",
            "resident_id": 999999,
            "term_start": "2026-01-01",
        },
        headers=w.A,
    )
    assert r.status_code == 400 and "resident_id" in r.json["fields"]
    r = client.post(
        f"{P}/bodies/{bid}/members/{mid}/leave", json={"left_on": "2026-06-30"}, headers=w.A
    )
    assert r.status_code == 200 and r.json["left_on"] == "2026-06-30"
    listed = client.get(P + "/bodies", headers=w.R).json["items"][0]
    assert listed["rules_text"] == "每月十五日议事" and listed["members"][1]["phone"] is None
    assert client.get(f"{P}/bodies/{bid}", headers=w.O).status_code == 404
    assert (
        client.post(
            P + "/talents", json={"name": "张工", "skills": "水利"}, headers=w.A
        ).status_code
        == 201
    )
    assert client.get(P + "/talents", headers=w.H).json["items"][0]["skills"] == "水利"
    # 四议两公开: a major category only, and the stages in order only.
    r = client.post(f"{P}/topics/{w.topic.id}/chain", json={"category": "其他"}, headers=w.A)
    assert r.status_code == 400
    r = client.post(f"{P}/topics/{w.topic.id}/chain", json={"category": "项目建设"}, headers=w.A)
    assert r.status_code == 201 and r.json["next_stage"] == "proposal"
    cid = r.json["id"]
    r = client.post(f"{P}/chains/{cid}/stages", json={"stage": "decision"}, headers=w.A)
    assert r.status_code == 409 and r.json["error"] == "invalid_transition"
    r = client.post(f"{P}/chains/{cid}/stages", json={"stage": "proposal"}, headers=w.A)
    assert r.status_code == 400
    assert client.get(f"{P}/chains/{cid}", headers=w.R).json["stages"][0]["label"] == "党组织提议"
    assert client.get(f"{P}/chains/{cid}", headers=w.O).status_code == 404
    r = client.post(
        f"{P}/topics/{w.topic.id}/escalations",
        json={"level": "county", "reason": "需要县里资金"},
        headers=w.A,
    )
    assert r.status_code == 201 and r.json["status"] == "open"
    assert client.get(f"{P}/topics/{w.topic.id}/escalations", headers=w.O).status_code == 404


def test_duty_points_over_http_wait_for_the_end_and_an_undo_takes_them_back(client, session, w):
    """A 村民会议 whose duty rule pays 3: refused while open (nothing changed), paid once
    after the close, and taken back, with the meeting's own points, when a check-in is
    undone."""
    P = "/api/v1/deliberation"
    duty = make_rule(session, w.village, code="DB01", points=3)
    meeting_settings.update(
        session, village_id=w.village.id, by=w.admin, duty_rules={"village_assembly": duty.id}
    )
    m = meetings.create(
        session,
        village=w.village,
        by=w.admin,
        kind="village_assembly",
        topic_ids=None,
        title=None,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        rule_id=w.rule.id,
    )
    event = meetings.event_of(session, m)
    events.open_event(session, event, by_id=w.host.id)
    came = [
        events.check_in(session, event=event, resident=p, method="event_qr", by_id=None)
        for p in w.people[:2]
    ]
    session.commit()
    before = row_counts(session)
    r = client.post(f"{P}/meetings/{m.id}/duty", headers=w.H)
    assert r.status_code == 409 and r.json["error"] == "meeting_not_ended"
    assert r.json["message"] == "会议结束后才能发放履职积分，请先结束本次活动。"
    assert row_counts(session) == before
    r = client.post(f"/api/v1/events/{event.id}/close", headers=w.H)
    assert r.status_code == 200
    r = client.post(f"{P}/meetings/{m.id}/duty", headers=w.H)
    assert r.status_code == 200 and r.json == {"entries": 2}
    r = client.post(f"{P}/meetings/{m.id}/duty", headers=w.H)
    assert r.status_code == 409 and r.json["error"] == "already_settled"
    first = came[0].attendance
    r = client.post(
        f"/api/v1/events/{event.id}/attendance/{first.id}/undo",
        json={"reason": "扫错了人"},
        headers=w.H,
    )
    assert r.status_code == 200
    session.expire_all()
    balances = [session.get(Household, p.household_id).balance for p in w.people[:2]]
    assert balances == [0, 5 + 3]
    notes = session.scalars(
        select(LedgerEntry.note).where(
            LedgerEntry.household_id == first.household_id,
            LedgerEntry.kind == EntryKind.CORRECTION,
        )
    ).all()
    assert notes == ["扫错了人", "扫错了人"]


def test_the_new_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/deliberation/bodies",
        "/api/v1/deliberation/terms/{term_id}/nominations",
        "/api/v1/deliberation/nominations/{nomination_id}/signatures",
        "/api/v1/deliberation/meetings/{meeting_id}/items/{item_id}/count",
        "/api/v1/deliberation/chains/{chain_id}/stages",
    ):
        assert path in paths, path
    errors = paths["/api/v1/deliberation/meetings/{meeting_id}/items/{item_id}/count"]["post"][
        "responses"
    ]
    assert "409" in errors
