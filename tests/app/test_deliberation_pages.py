"""Pages of who deliberates: a body with its wall sheet, the representatives' roster with
nominations and signatures, a 村民代表会议 page with its quorum and the vote form, the
四议两公开 record, and the county's queue where the officer answers."""

from datetime import datetime, timedelta

import pytest

from points import county as counties
from points import events
from points.deliberation import (
    bodies,
    chain,
    escalations,
    meeting_settings,
    meetings,
    representatives,
    research,
    screening,
    topics,
)
from points.deliberation.models import Topic
from points.models import Role
from tests.dbutil import row_counts
from tests.eventutil import make_rule

START = datetime.fromisoformat("2026-11-02T01:30:00+00:00")


@pytest.fixture
def w(session, village, make_household, make_resident, make_user, fixed_clock):
    houses = [make_household(village, f"40{i:02d}") for i in range(1, 5)]
    people = [make_resident(village, h, f"代表{i}") for i, h in enumerate(houses, start=1)]
    rule = make_rule(session, village)
    session.commit()
    admin = make_user(village, (Role.ADMIN,))
    resident = make_user(village, (Role.RESIDENT,), resident=people[3])
    meeting_settings.update(
        session, village_id=village.id, by=admin, households_per_representative=1
    )
    term = representatives.create_term(
        session,
        village=village,
        by=admin,
        name="第十二届",
        starts_on="2026-01-01",
        ends_on="2030-12-31",
    )
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
    research.save_research(session, topic, by=admin, proposal="硬化村道500米")
    research.complete_research(session, topic, by=admin)
    session.commit()
    return type("W", (), locals())


def _as(app, login, user):
    c = app.test_client()
    login(user, c)
    return c


def test_body_page_and_its_wall_sheet(app, session, login, w):
    c = _as(app, login, w.admin)
    r = c.post("/deliberation/bodies", data={"kind": "deliberation"})
    assert r.status_code == 302
    body = bodies.body_of_kind(session, w.village.id, "deliberation")
    r = c.post(
        f"/deliberation/bodies/{body.id}/members",
        data={
            "role": "convener",
            "household": "4001",
            "duty": "党支部书记",
            "term_start": "2026-01-01",
        },
    )
    assert r.status_code == 302
    r = c.post(
        f"/deliberation/bodies/{body.id}/members",
        data={
            "role": "member",
            "name": "陈律师",
            "organisation": "县司法局",
            "term_start": "2026-01-01",
        },
    )
    assert r.status_code == 302
    r = c.post(
        f"/deliberation/bodies/{body.id}/members", data={"role": "member", "household": "9999"}
    )
    assert r.status_code == 400
    c.post(
        f"/deliberation/bodies/{body.id}/rules",
        data={"honorary_head": "老支书", "rules_text": "每月十五日议事，过半数通过。"},
    )
    page = c.get(f"/deliberation/bodies/{body.id}").get_data(as_text=True)
    assert "代表1" in page and "陈律师" in page and "议事规程" in page
    sheet = c.get(f"/deliberation/bodies/{body.id}/sheet").get_data(as_text=True)
    assert (
        "议事协商委员会成员及议事规程" in sheet and "每月十五日议事" in sheet and "老支书" in sheet
    )
    # A resident reads the sheet (公示上墙) but cannot add members.
    rc = _as(app, login, w.resident)
    assert rc.get(f"/deliberation/bodies/{body.id}/sheet").status_code == 200
    assert (
        rc.post(f"/deliberation/bodies/{body.id}/members", data={"role": "member"}).status_code
        == 403
    )


def test_roster_nomination_signatures_and_confirmation(app, session, login, w):
    c = _as(app, login, w.admin)
    assert (
        c.post(
            f"/deliberation/representatives/terms/{w.term.id}/nominate", data={"household": "4001"}
        ).status_code
        == 302
    )
    n = representatives.nominations(session, w.term)[0]
    assert (
        c.post(
            f"/deliberation/representatives/nominations/{n.id}/confirm",
            data={"present": "3", "votes_for": "3"},
        ).status_code
        == 409
    )
    assert (
        c.post(
            f"/deliberation/representatives/nominations/{n.id}/sign", data={"household": "4001"}
        ).status_code
        == 302
    )
    r = c.post(f"/deliberation/representatives/nominations/{n.id}/sign", data={"household": "4001"})
    assert r.status_code == 409
    assert (
        c.post(
            f"/deliberation/representatives/nominations/{n.id}/confirm",
            data={"present": "3", "votes_for": "2"},
        ).status_code
        == 302
    )
    page = _as(app, login, w.resident).get("/deliberation/representatives").get_data(as_text=True)
    assert "第一组" in page and "代表1" in page and "提名" not in page


def test_meeting_page_shows_quorum_and_records_a_counted_vote(app, session, login, w):
    for i, p in enumerate(w.people[:3]):
        n = representatives.nominate(session, w.term, by=w.admin, resident_id=p.id)
        representatives.sign(session, n, by=w.admin, household_id=w.houses[i].id)
        representatives.confirm(session, n, by=w.admin, present=3, votes_for=3)
    m = meetings.create(
        session,
        village=w.village,
        by=w.admin,
        kind="representatives",
        topic_ids=[w.topic.id],
        title=None,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        rule_id=w.rule.id,
    )
    event = meetings.event_of(session, m)
    events.open_event(session, event, by_id=w.admin.id)
    events.check_in(session, event=event, resident=w.people[0], method="event_qr", by_id=None)
    session.commit()
    c = _as(app, login, w.admin)
    page = c.get(f"/deliberation/meetings/{m.id}").get_data(as_text=True)
    assert "村民代表会议" in page and "未达到法定人数" in page
    assert c.get(f"/deliberation/meetings/{m.id}/quorum.json").json["present"] == 1
    item = meetings.results.agenda(session, event.id)[0]
    r = c.post(
        f"/deliberation/meetings/{m.id}/items/{item.id}/count",
        data={"for": "1", "against": "0", "abstain": "0"},
    )
    assert r.status_code == 409 and "未达到法定人数" in r.get_data(as_text=True)
    for p in w.people[1:3]:
        events.check_in(session, event=event, resident=p, method="event_qr", by_id=None)
    session.commit()
    assert "已达到法定人数" in c.get(f"/deliberation/meetings/{m.id}").get_data(as_text=True)
    # The topic's own outcome buttons are refused for a meeting of a kind: it votes.
    r = c.post(
        f"/topics/{w.topic.id}/result",
        data={"event_id": str(event.id), "result": "通过", "passed": "1"},
    )
    assert r.status_code == 409 and "请在会议页面登记表决结果" in r.get_data(as_text=True)
    r = c.post(f"/deliberation/meetings/{m.id}/items/{item.id}/count", data={"for": "x"})
    assert r.status_code == 400
    r = c.post(
        f"/deliberation/meetings/{m.id}/items/{item.id}/count",
        data={"for": "3", "against": "0", "abstain": "0", "minutes": "一致同意"},
    )
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Topic, w.topic.id).status.value == "deliberated"
    page = c.get(f"/deliberation/meetings/{m.id}").get_data(as_text=True)
    assert "应到3人，实到3人；赞成3，反对0，弃权0；通过" in page and "一致同意" in page
    # The members' duty points wait for the meeting's end: refused while it is open.
    before = row_counts(session)
    r = c.post(f"/deliberation/meetings/{m.id}/duty")
    assert r.status_code == 409
    assert "会议结束后才能发放履职积分，请先结束本次活动。" in r.get_data(as_text=True)
    assert row_counts(session) == before
    events.close_event(session, event, by_id=w.admin.id)
    session.commit()
    assert c.post(f"/deliberation/meetings/{m.id}/duty").status_code == 302
    session.expire_all()
    assert meetings.get(session, w.village.id, m.id).duty_settled_at is not None
    # The dashboard shows the attendance rates per kind and per representative.
    board = c.get("/admin/dashboard").get_data(as_text=True)
    assert "会议出席率" in board and "本届村民代表出席情况" in board
    assert board.count("100%") >= 4  # the kind, and each of the three representatives
    # The county table shows each village's attendance per meeting kind in the month.
    county = counties.create_county(session, code="c-16r", name="某县")
    counties.attach_village(session, county, w.village)
    counties.create_officer(session, county=county, username="officer16r", password="secret-pass-1")
    session.commit()
    oc = app.test_client()
    assert (
        oc.post("/login", data={"username": "officer16r", "password": "secret-pass-1"}).status_code
        == 302
    )
    table = oc.get("/county").get_data(as_text=True)
    assert "会议出席率" in table and "村民代表会议" in table and "100%（3/3）" in table


def test_chain_record_and_the_county_queue(app, session, login, w, make_village):
    c = _as(app, login, w.admin)
    r = c.post(f"/deliberation/topics/{w.topic.id}/chain", data={"category": "项目建设"})
    assert r.status_code == 302
    ch = chain.of_topic(session, w.topic.id)
    page = c.get(f"/deliberation/chains/{ch.id}").get_data(as_text=True)
    assert "党组织提议" in page and "实施结果公开" in page
    r = c.post(f"/deliberation/chains/{ch.id}/stages", data={"stage": "review"})
    assert r.status_code == 409
    assert "四议两公开" in c.get(f"/topics/{w.topic.id}").get_data(as_text=True)
    r = c.post(
        f"/deliberation/topics/{w.topic.id}/escalate",
        data={"level": "county", "reason": "需要县里资金"},
    )
    assert r.status_code == 302
    county = counties.create_county(session, code="c-16", name="某县")
    counties.attach_village(session, county, w.village)
    officer = counties.create_officer(
        session, county=county, username="officer16", password="secret-pass-1"
    )
    session.commit()
    oc = app.test_client()
    assert (
        oc.post("/login", data={"username": "officer16", "password": "secret-pass-1"}).status_code
        == 302
    )
    page = oc.get("/deliberation/county/escalations").get_data(as_text=True)
    assert "修缮村道" in page and "需要县里资金" in page
    esc = escalations.of_topic(session, w.topic.id)[0]
    assert (
        oc.post(
            f"/deliberation/county/escalations/{esc.id}/answer", data={"answer": ""}
        ).status_code
        == 400
    )
    assert (
        oc.post(
            f"/deliberation/county/escalations/{esc.id}/answer", data={"answer": "下周派人查看"}
        ).status_code
        == 302
    )
    assert "下周派人查看" in c.get(f"/topics/{w.topic.id}").get_data(as_text=True)
    assert c.get("/deliberation/county/escalations").status_code == 403
    assert officer.id
