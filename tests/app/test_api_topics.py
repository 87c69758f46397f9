"""The deliberation API: a topic's life over HTTP, the contract's status and error codes,
roles, and another village's ids answering 404."""

from datetime import date, timedelta

import pytest

from points import rules
from points.models import Household, Role

CAT = "公共事务、公共环境、公益事业"


def _rule(session, village, code, points, **kw):
    terms = rules.clean_terms({"title": code, "category": "议事协商", "points": points, **kw})
    r = rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return r


@pytest.fixture
def world(
    session,
    village,
    other_village,
    make_household,
    make_resident,
    make_user,
    token_for,
    fixed_clock,
):
    h1, h2 = make_household(village, "1001"), make_household(village, "1002")
    wang = make_resident(village, h1, "王建国", phone="13900000001")
    li = make_resident(village, h2, "李秀英", phone="13900000002")
    zhao = make_resident(village, h2, "赵大爷")
    stranger = make_resident(other_village, make_household(other_village, "9001"), "外村人")
    w = {
        "h1": h1,
        "h2": h2,
        "wang": wang,
        "li": li,
        "zhao": zhao,
        "stranger": stranger,
        "proposal": _rule(session, village, "YS03", 10),
        "rating": _rule(session, village, "YS04", 2),
        "meeting": _rule(session, village, "YS01", 5),
    }
    users = {}
    for name, roles, resident, v in (
        ("host", (Role.HOST,), None, village),
        ("admin", (Role.ADMIN,), None, village),
        ("admin2", (Role.ADMIN,), None, village),
        ("sup", (Role.SUPERVISOR,), None, village),
        ("clerk", (Role.CLERK,), None, village),
        ("wang_user", (Role.RESIDENT,), wang, village),
        ("li_user", (Role.RESIDENT,), li, village),
        ("other_admin", (Role.ADMIN, Role.HOST), None, other_village),
        ("other_res", (Role.RESIDENT,), stranger, other_village),
    ):
        users[name] = make_user(v, roles=roles, resident=resident)
        w[name] = token_for(users[name])
    w["users"] = users
    return w


def _balance(session, household) -> int:
    session.expire_all()
    return session.get(Household, household.id).balance


def _post(client, path, headers, **body):
    return client.post(f"/api/v1{path}", json=body, headers=headers)


def test_small_topic_life_over_http(client, session, world, fixed_clock):
    w = world
    r = _post(
        client,
        "/village/deliberation-settings",
        w["admin"],
        publication_days=3,
        proposal_rule_id=w["proposal"].id,
        rating_rule_id=w["rating"].id,
    )
    assert r.status_code == 200 and r.json["publication_days"] == 3
    r = _post(
        client,
        "/topics",
        w["wang_user"],
        title="村口路灯不亮",
        description="老槐树下",
        size="small",
    )
    assert r.status_code == 201 and r.json["status"] == "collected"
    tid = r.json["id"]
    r = _post(client, f"/topics/{tid}/decide", w["host"], accept=True, category=CAT)
    assert r.status_code == 403
    r = _post(client, f"/topics/{tid}/decide", w["admin"], accept=True, category="别的")
    assert r.status_code == 400 and "category" in r.json["fields"]
    r = _post(client, f"/topics/{tid}/decide", w["admin"], accept=True, category=CAT)
    assert r.status_code == 200 and r.json["status"] == "accepted"
    r = _post(client, f"/topics/{tid}/decide", w["admin"], accept=False, reason="x")
    assert r.status_code == 409 and r.json["error"] == "invalid_transition"
    assert _balance(session, w["h1"]) == 10

    r = _post(client, f"/topics/{tid}/advance", w["admin"], to="deliberated", result="换灯")
    assert r.status_code == 400 and set(r.json["fields"]) == {"note", "cosigner_id"}
    r = _post(
        client,
        f"/topics/{tid}/advance",
        w["admin"],
        to="deliberated",
        result="换灯",
        note="两委商定",
        cosigner_id=w["users"]["admin2"].id,
    )
    assert r.status_code == 200 and r.json["status"] == "deliberated"
    r = _post(client, f"/topics/{tid}/advance", w["admin"], to="published")
    assert r.status_code == 200 and r.json["status"] == "published"
    body = {"to": "implementing", "owner": "电工老张", "deadline": "2026-12-01"}
    r = client.post(f"/api/v1/topics/{tid}/advance", json=body, headers=w["host"])
    assert r.status_code == 409 and r.json["error"] == "in_objection_window"
    r = _post(client, f"/topics/{tid}/ratings", w["wang_user"], score="satisfied")
    assert r.status_code == 409 and r.json["error"] == "invalid_transition"
    fixed_clock.advance(days=3, minutes=1)
    r = client.post(f"/api/v1/topics/{tid}/advance", json=body, headers=w["host"])
    assert r.status_code == 200 and r.json["status"] == "implementing"
    r = _post(client, f"/topics/{tid}/progress", w["host"], note="灯已订购")
    assert r.status_code == 201
    r = _post(client, f"/topics/{tid}/advance", w["host"], to="done")
    assert r.status_code == 403  # the supervisors sign off
    r = _post(client, f"/topics/{tid}/advance", w["sup"], to="done", note="验收")
    assert r.status_code == 200 and r.json["status"] == "done"
    r = _post(client, f"/topics/{tid}/ratings", w["wang_user"], score="satisfied")
    assert r.status_code == 201 and r.json["points_awarded"] == 2
    r = _post(client, f"/topics/{tid}/ratings", w["wang_user"], score="dissatisfied")
    assert r.status_code == 409 and r.json["error"] == "already_rated"
    r = _post(client, f"/topics/{tid}/ratings", w["wang_user"], score="great")
    assert r.status_code == 400
    r = _post(
        client,
        f"/topics/{tid}/ratings",
        w["host"],
        score="basically_satisfied",
        resident_id=w["zhao"].id,
        proxy_reason="老人无手机",
    )
    assert r.status_code == 201
    r = client.get(f"/api/v1/topics/{tid}", headers=w["wang_user"])
    assert r.status_code == 200
    t = r.json
    assert t["ratings"] == {
        "satisfied": 1,
        "basically_satisfied": 1,
        "dissatisfied": 0,
        "total": 2,
        "rate": 1.0,
    }
    assert [h["status"] for h in t["history"]] == [
        "collected",
        "accepted",
        "deliberated",
        "published",
        "implementing",
        "done",
    ]
    assert all(h["at"].endswith("+00:00") for h in t["history"])
    assert t["result"] == "换灯" and t["my_rating"] == "satisfied" and t["proposed_by_me"]
    assert "proposers" not in t
    assert _balance(session, w["h1"]) == 12


def test_decline_reason_seen_by_the_proposer_and_list_urgent_first(client, world):
    w = world
    a = _post(client, "/topics", w["wang_user"], title="只修我家门前路").json["id"]
    b = _post(
        client,
        "/topics",
        w["host"],
        title="危房",
        urgent=True,
        on_behalf_of=w["li"].id,
        source="wechat",
    ).json["id"]
    r = _post(
        client,
        f"/topics/{a}/decide",
        w["admin"],
        accept=False,
        reason="带有歧视性或不公平的事项不议",
    )
    assert r.status_code == 200 and r.json["status"] == "declined"
    mine = client.get("/api/v1/topics?mine=1", headers=w["wang_user"]).json["items"]
    assert [(t["id"], t["reason"]) for t in mine] == [(a, "带有歧视性或不公平的事项不议")]
    items = client.get("/api/v1/topics", headers=w["wang_user"]).json["items"]
    assert [t["id"] for t in items] == [b, a]
    assert items[0]["source"] == "wechat" and items[0]["age_days"] == 0
    assert (
        client.get("/api/v1/topics?status=declined", headers=w["admin"]).json["items"][0]["id"] == a
    )
    assert client.get("/api/v1/topics?status=nope", headers=w["admin"]).status_code == 400
    # A resident cannot enter a topic for someone else.
    r = _post(client, "/topics", w["wang_user"], title="x", on_behalf_of=w["li"].id)
    assert r.status_code == 400
    r = _post(client, "/topics", w["wang_user"], title="")
    assert r.status_code == 400 and "title" in r.json["fields"]
    r = _post(client, "/topics", w["wang_user"], title="x", size="huge")
    assert r.status_code == 400 and "size" in r.json["fields"]


def test_hard_topic_meeting_objection_upheld(client, world, fixed_clock):
    w = world
    tid = _post(client, "/topics", w["li_user"], title="修排水渠", size="hard").json["id"]
    _post(client, f"/topics/{tid}/decide", w["admin"], accept=True, category=CAT, form="forum")
    r = _post(
        client,
        f"/topics/{tid}/advance",
        w["admin"],
        to="deliberated",
        result="修",
        note="n",
        cosigner_id=w["users"]["admin2"].id,
    )
    assert r.status_code == 409 and r.json["error"] == "invalid_transition"
    r = _post(
        client,
        f"/topics/{tid}/research",
        w["host"],
        proposal="修渠 300 米",
        parties="沿渠农户",
        notice="周五晚议事",
    )
    assert r.status_code == 200 and r.json["proposal"] == "修渠 300 米"
    assert _post(client, f"/topics/{tid}/advance", w["host"], to="researched").status_code == 200
    start = fixed_clock.now + timedelta(hours=1)
    r = _post(
        client,
        "/meetings",
        w["host"],
        topic_ids=[tid],
        rule_id=w["meeting"].id,
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=2)).isoformat(),
    )
    assert r.status_code == 201 and r.json["kind"] == "meeting" and r.json["agenda"] == [tid]
    eid = r.json["id"]
    assert _post(client, f"/events/{eid}/open", w["host"]).status_code == 200
    r = _post(client, f"/events/{eid}/checkins", w["host"], resident_id=w["li"].id)
    assert r.status_code == 201 and r.json["points_awarded"] == 5
    r = _post(
        client,
        f"/topics/{tid}/advance",
        w["host"],
        to="deliberated",
        result="修渠",
        minutes="同意 20 人",
        event_id=eid,
    )
    assert r.status_code == 200
    t = client.get(f"/api/v1/topics/{tid}", headers=w["admin"]).json
    assert t["meetings"][0]["passed"] is True and t["meetings"][0]["minutes"] == "同意 20 人"
    _post(client, f"/topics/{tid}/advance", w["admin"], to="published")
    r = _post(client, f"/topics/{tid}/objections", w["wang_user"], reason="占我家地")
    assert r.status_code == 201
    oid = r.json["id"]
    r = _post(client, f"/topic-objections/{oid}/decide", w["host"], uphold=True, reason="x")
    assert r.status_code == 403
    r = _post(client, f"/topic-objections/{oid}/decide", w["sup"], uphold=True, reason="重议")
    assert r.status_code == 200 and r.json["status"] == "upheld"
    t = client.get(f"/api/v1/topics/{tid}", headers=w["admin"]).json
    assert t["status"] == "researched" and t["objection_deadline"] is None
    fixed_clock.advance(days=6)
    r = _post(client, f"/topics/{tid}/objections", w["wang_user"], reason="again")
    assert r.status_code == 409 and r.json["error"] == "not_in_objection_window"


def test_other_villages_ids_answer_404_and_roles(client, world):
    w = world
    tid = _post(client, "/topics", w["wang_user"], title="路灯").json["id"]
    for method, path, body in (
        ("get", f"/topics/{tid}", None),
        ("post", f"/topics/{tid}/decide", {"accept": True, "category": CAT}),
        ("post", f"/topics/{tid}/advance", {"to": "researched"}),
        ("post", f"/topics/{tid}/progress", {"note": "x"}),
        ("post", f"/topics/{tid}/research", {"proposal": "x"}),
        ("post", f"/topics/{tid}/merge", {"duplicate_id": tid}),
        ("post", f"/topics/{tid}/ratings/close", None),
    ):
        r = getattr(client, method)(f"/api/v1{path}", json=body, headers=w["other_admin"])
        assert r.status_code == 404, path
    r = _post(client, f"/topics/{tid}/ratings", w["other_res"], score="satisfied")
    assert r.status_code == 404
    r = _post(client, f"/topics/{tid}/objections", w["other_res"], reason="x")
    assert r.status_code == 404
    r = _post(client, "/topics", w["host"], title="x", on_behalf_of=w["stranger"].id)
    assert r.status_code == 404
    r = _post(client, "/visits", w["host"], household_id=w["stranger"].household_id, raised="x")
    assert r.status_code == 404
    assert client.get(f"/api/v1/topics/{tid}").status_code == 401
    assert _post(client, f"/topics/{tid}/advance", w["clerk"], to="researched").status_code == 403
    assert _post(client, f"/topics/{tid}/progress", w["wang_user"], note="x").status_code == 403
    assert (
        _post(client, "/village/deliberation-settings", w["host"], publication_days=3).status_code
        == 403
    )
    r = _post(client, "/village/deliberation-settings", w["admin"], publication_days=31)
    assert r.status_code == 400
    assert client.get("/api/v1/topics", headers=w["other_admin"]).json["items"] == []


def test_merge_and_visit_log(client, world):
    w = world
    a = _post(client, "/topics", w["wang_user"], title="垃圾清运").json["id"]
    b = _post(client, "/topics", w["li_user"], title="垃圾没人收").json["id"]
    r = _post(client, f"/topics/{a}/merge", w["admin"], duplicate_id=b)
    assert r.status_code == 200
    assert sorted(p["name"] for p in r.json["proposers"]) == ["李秀英", "王建国"]
    assert client.get(f"/api/v1/topics/{b}", headers=w["admin"]).json["merged_into_id"] == a
    r = _post(
        client,
        "/visits",
        w["host"],
        household_id=w["h2"].id,
        resident_id=w["zhao"].id,
        raised="院墙开裂",
    )
    assert r.status_code == 201
    vid = r.json["id"]
    r = client.post(f"/api/v1/visits/{vid}/topic", headers=w["host"])
    assert r.status_code == 201
    t = client.get(f"/api/v1/topics/{r.json['id']}", headers=w["admin"]).json
    assert t["source"] == "visit" and t["proposers"] == [{"id": w["zhao"].id, "name": "赵大爷"}]
    assert client.get("/api/v1/visits", headers=w["host"]).json["items"][0]["topic_id"] == t["id"]
