"""Deliberation worked examples: a small, an urgent and a hard topic through the six steps,
every refused transition, 三不议, an upheld objection, overdue, reopening, and the points."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from points import awards, ledger, rules
from points.deliberation import (
    flow,
    implementation,
    ratings,
    research,
    results,
    screening,
    settings,
    topics,
    visits,
)
from points.deliberation.models import TopicStatus, TopicTransition
from points.errors import Forbidden, ValidationFailed
from points.models import Award, AwardStatus, Household, LedgerEntry, Role

S = TopicStatus


def _rule(session, village, code, points, **kw):
    terms = rules.clean_terms({"title": code, "category": "议事协商", "points": points, **kw})
    return rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )


@pytest.fixture
def w(session, village, make_household, make_resident, make_user, fixed_clock):
    h1, h2, h3 = (make_household(village, n) for n in ("1001", "1002", "1003"))
    wang = make_resident(village, h1, "王建国", phone="13900000001")
    li = make_resident(village, h2, "李秀英", phone="13900000002")
    zhao = make_resident(village, h3, "赵大爷")  # no phone
    proposal = _rule(session, village, "YS03", 10)
    rating = _rule(session, village, "YS04", 2, monthly_cap=10)
    meeting = _rule(session, village, "YS01", 5)
    session.commit()
    admin = make_user(village, (Role.ADMIN,))
    admin2 = make_user(village, (Role.ADMIN,))
    sup = make_user(village, (Role.SUPERVISOR,))
    host = make_user(village, (Role.HOST,))
    u_wang = make_user(village, (Role.RESIDENT,), resident=wang)
    u_li = make_user(village, (Role.RESIDENT,), resident=li)
    settings.update_settings(
        session,
        village_id=village.id,
        by=admin,
        proposal_rule_id=proposal.id,
        rating_rule_id=rating.id,
    )
    session.commit()
    return type("W", (), locals())


def _accept(session, w, topic, **kw):
    return screening.decide(
        session,
        topic,
        village=w.village,
        by=w.admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
        **kw,
    )


def _through_done(session, w, topic, clock):
    results.publish(session, topic, by=w.admin)
    clock.advance(days=5, minutes=1)
    implementation.start(
        session, topic, by=w.host, owner="村委会 王主任", deadline=date(2026, 12, 31)
    )
    implementation.add_progress(session, topic, by=w.host, note="已开工")
    implementation.sign_off(session, topic, by=w.sup, note="验收合格")


def test_small_topic_two_members_decide_then_rated(session, w, fixed_clock):
    topic = topics.submit(
        session,
        village=w.village,
        by=w.u_wang,
        title="村口路灯不亮",
        description="村口老槐树下的路灯坏了一周",
        size="small",
    )
    assert topic.status == S.COLLECTED and topic.source.value == "resident"
    _accept(session, w, topic)
    # The proposer's award is made by the deciding member: no review rule, so confirmed.
    session.refresh(w.h1)
    assert w.h1.balance == 10
    # Deciding alone, or without a note, is refused; with a second member and a note it passes.
    with pytest.raises(ValidationFailed) as exc:
        results.decide_result(session, topic, by=w.admin, result="换灯泡", note="")
    assert set(exc.value.fields) == {"note", "cosigner_id"}
    with pytest.raises(ValidationFailed):
        results.decide_result(
            session, topic, by=w.admin, result="换灯泡", note="小事", cosigner_id=w.host.id
        )
    with pytest.raises(Forbidden):
        results.decide_result(
            session, topic, by=w.host, result="换灯泡", note="小事", cosigner_id=w.admin.id
        )
    results.decide_result(
        session,
        topic,
        by=w.admin,
        result="村委会更换灯泡",
        note="两委成员商定",
        cosigner_id=w.admin2.id,
    )
    assert topic.status == S.DELIBERATED
    step = session.scalars(
        select(TopicTransition).where(TopicTransition.to_status == "deliberated")
    ).one()
    assert (step.by_id, step.cosigner_id, step.note) == (w.admin.id, w.admin2.id, "两委成员商定")
    _through_done(session, w, topic, fixed_clock)
    assert topic.status == S.DONE and topic.signed_off_by_id == w.sup.id
    ratings.rate(session, topic, village=w.village, by=w.u_wang, score="satisfied")
    # Staff rate for 赵大爷, who has no phone, with the reason logged.
    with pytest.raises(ValidationFailed):
        ratings.rate(
            session, topic, village=w.village, by=w.host, score="satisfied", resident=w.zhao
        )
    ratings.rate(
        session,
        topic,
        village=w.village,
        by=w.host,
        score="basically_satisfied",
        resident=w.zhao,
        proxy_reason="老人无手机，入户代录",
    )
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate(session, topic, village=w.village, by=w.u_wang, score="dissatisfied")
    counts = ratings.tally(session, topic)
    assert counts.as_dict() == {
        "satisfied": 1,
        "basically_satisfied": 1,
        "dissatisfied": 0,
        "total": 2,
        "rate": 1.0,
    }
    ratings.close_rating(session, topic, village=w.village, by=w.admin)
    assert topic.status == S.DONE
    # Points: 10 for the proposal and 2 for the rating to 王建国's household, 2 to 赵大爷's.
    session.refresh(w.h1)
    session.refresh(w.h3)
    assert (w.h1.balance, w.h3.balance) == (12, 2)
    sources = session.execute(
        select(LedgerEntry.household_id, LedgerEntry.source_type, LedgerEntry.amount).order_by(
            LedgerEntry.id
        )
    ).all()
    assert sources == [
        (w.h1.id, "award", 10),
        (w.h1.id, "topic_rating", 2),
        (w.h3.id, "topic_rating", 2),
    ]
    assert ledger.verify(session, village_id=w.village.id).ok
    history = [t.to_status for t in topic.history]
    assert history == [
        "collected",
        "accepted",
        "deliberated",
        "published",
        "implementing",
        "done",
    ]


def test_hard_topic_research_meeting_and_refused_jumps(session, w, fixed_clock):
    topic = topics.submit(
        session,
        village=w.village,
        by=w.host,
        title="修建村北排水渠",
        description="雨季村北积水，需修排水渠",
        size="hard",
        source="talk_room",
        on_behalf_of=w.li,
    )
    assert topic.source.value == "talk_room"
    for to in ("researched", "deliberated", "published", "implementing", "done"):
        with pytest.raises(topics.InvalidTransition):
            flow.advance(
                session, topic, by=w.admin, to=to, result="x", owner="x", deadline=date(2027, 1, 1)
            )
    _accept(session, w, topic, form="hearing")
    with pytest.raises(screening.InvalidTransition):
        _accept(session, w, topic)
    # Normal and hard topics may not skip the research, even with two members and a note.
    with pytest.raises(topics.InvalidTransition):
        results.decide_result(
            session, topic, by=w.admin, result="修", note="商定", cosigner_id=w.admin2.id
        )
    with pytest.raises(ValidationFailed):
        research.complete_research(session, topic, by=w.host)  # no proposal yet
    research.save_research(
        session,
        topic,
        by=w.host,
        research_notes="实地查看积水点三处",
        parties="沿渠农户、镇水利站",
        proposal="沿村北修渠 300 米，一事一议筹资",
        notice="12月10日晚7点在村委会议事，请相关农户参加",
    )
    research.complete_research(session, topic, by=w.host)
    meeting = results.create_meeting(
        session,
        village=w.village,
        by=w.host,
        topic_ids=[topic.id],
        title="",
        starts_at=fixed_clock.now + timedelta(days=1),
        ends_at=fixed_clock.now + timedelta(days=1, hours=2),
        rule_id=w.meeting.id,
    )
    assert meeting.kind.value == "meeting" and meeting.topic_id == topic.id
    results.record_not_passed(
        session, topic, by=w.host, event_id=meeting.id, minutes="意见分歧", result="暂缓"
    )
    assert topic.status == S.RESEARCHED
    results.decide_result(
        session, topic, by=w.host, result="修渠 300 米", event_id=meeting.id, minutes="同意 23 人"
    )
    item = results.agenda(session, meeting.id)[0]
    assert (item.passed, item.result, item.minutes) == (True, "修渠 300 米", "同意 23 人")
    with pytest.raises(topics.InvalidTransition):
        flow.advance(
            session, topic, by=w.admin, to="implementing", owner="x", deadline=date(2027, 1, 1)
        )
    results.publish(session, topic, by=w.admin)
    # Inside the window the move to implementation is refused.
    with pytest.raises(implementation.InObjectionWindow):
        flow.advance(
            session, topic, by=w.admin, to="implementing", owner="张三", deadline=date(2026, 11, 20)
        )
    with pytest.raises(topics.InvalidTransition):
        flow.advance(session, topic, by=w.sup, to="done")
    fixed_clock.advance(days=5, seconds=1)
    with pytest.raises(ValidationFailed):
        flow.advance(session, topic, by=w.admin, to="implementing")
    flow.advance(
        session, topic, by=w.admin, to="implementing", owner="张三", deadline=date(2026, 11, 20)
    )
    # Rating before done is refused; progress only while implementing.
    with pytest.raises(topics.InvalidTransition):
        ratings.rate(session, topic, village=w.village, by=w.u_li, score="satisfied")
    implementation.add_progress(session, topic, by=w.host, note="渠线放样完成")
    # The deadline passes: the topic is overdue on the committee's and supervisors' list.
    assert implementation.overdue(session, w.village) == []
    fixed_clock.advance(days=15)
    assert implementation.overdue(session, w.village) == [topic]
    assert topics.is_overdue(topic, date(2026, 11, 23))
    with pytest.raises(Forbidden):
        implementation.sign_off(session, topic, by=w.host)
    implementation.sign_off(session, topic, by=w.sup)
    assert implementation.overdue(session, w.village) == []
    with pytest.raises(topics.InvalidTransition):
        implementation.add_progress(session, topic, by=w.host, note="晚了")


def test_urgent_topic_listed_first_and_merged_duplicate(session, w, fixed_clock):
    older = topics.submit(session, village=w.village, by=w.u_li, title="垃圾清运不及时")
    fixed_clock.advance(days=2)
    urgent = topics.submit(
        session, village=w.village, by=w.u_wang, title="危房漏雨", urgent=True, size="small"
    )
    dup = topics.submit(session, village=w.village, by=w.u_li, title="王家危房漏雨")
    newest = topics.submit(session, village=w.village, by=w.u_li, title="文化广场灯")
    page = topics.list_topics(session, w.village.id)
    assert [t.id for t in page.items] == [urgent.id, newest.id, dup.id, older.id]
    first = topics.list_topics(session, w.village.id, limit=2)
    rest = topics.list_topics(session, w.village.id, limit=2, cursor=first.next_cursor)
    assert [t.id for t in first.items + rest.items] == [urgent.id, newest.id, dup.id, older.id]
    fixed_clock.advance(days=1)
    assert topics.age_days(older, w.village) == 3
    topics.merge(session, keep=urgent, duplicate=dup, by=w.admin)
    assert dup.status == S.MERGED and dup.merged_into_id == urgent.id
    assert sorted(topics.proposer_ids(urgent)) == sorted([w.wang.id, w.li.id])
    _accept(session, w, urgent)
    # Both proposers earn, once: deciding again is refused and awards nothing more.
    for h in (w.h1, w.h2):
        session.refresh(h)
    assert (w.h1.balance, w.h2.balance) == (10, 10)
    with pytest.raises(topics.InvalidTransition):
        _accept(session, w, urgent)
    assert session.scalar(select(Award.id).where(Award.amount == 10).offset(2)) is None


def test_decline_with_reason_seen_by_proposer(session, w):
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="只给我家修路")
    with pytest.raises(ValidationFailed):
        screening.decide(session, topic, village=w.village, by=w.admin, accept=False)
    with pytest.raises(ValidationFailed):
        screening.decide(
            session, topic, village=w.village, by=w.admin, accept=True, category="别的"
        )
    screening.decide(
        session,
        topic,
        village=w.village,
        by=w.admin,
        accept=False,
        reason="带有歧视性或不公平的事项不议",
    )
    mine = topics.list_topics(session, w.village.id, resident_id=w.wang.id).items
    assert [(t.status, t.decline_reason) for t in mine] == [
        (S.DECLINED, "带有歧视性或不公平的事项不议")
    ]
    session.refresh(w.h1)
    assert w.h1.balance == 0
    for to in ("researched", "deliberated", "published", "implementing", "done"):
        with pytest.raises(topics.InvalidTransition):
            flow.advance(session, topic, by=w.admin, to=to, result="x")
    with pytest.raises(ValidationFailed):
        flow.advance(session, topic, by=w.admin, to="nowhere")


def test_upheld_objection_stops_publication(session, w, fixed_clock):
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="占用耕地建停车场")
    _accept(session, w, topic)
    research.save_research(session, topic, by=w.host, proposal="在村东占地 2 亩建停车场")
    research.complete_research(session, topic, by=w.host)
    results.decide_result(session, topic, by=w.admin, result="建停车场")
    results.publish(session, topic, by=w.admin)
    assert topic.objection_deadline == fixed_clock.now + timedelta(days=5)
    objection = results.object_to(session, topic, by=w.u_li, reason="占的是我家承包地")
    with pytest.raises(awards.AlreadyObjected):
        results.object_to(session, topic, by=w.u_li, reason="再说一次")
    fixed_clock.advance(days=6)
    # The window has passed, but an objection is undecided: still not to implementation.
    with pytest.raises(implementation.InObjectionWindow):
        implementation.start(session, topic, by=w.admin, owner="x", deadline=date(2027, 1, 1))
    with pytest.raises(awards.NotInObjectionWindow):
        results.object_to(session, topic, by=w.u_wang, reason="晚了")
    results.decide_objection(session, objection, by=w.sup, uphold=True, reason="需重新协商")
    assert topic.status == S.RESEARCHED and topic.objection_deadline is None
    with pytest.raises(topics.InvalidTransition):
        implementation.start(session, topic, by=w.admin, owner="x", deadline=date(2027, 1, 1))
    assert topic.history[-1].note == "异议成立，停止公示：需重新协商"


def test_dismissed_objection_keeps_explanation(session, w, fixed_clock):
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="路灯", size="small")
    _accept(session, w, topic)
    results.decide_result(
        session, topic, by=w.admin, result="换灯", note="小事", cosigner_id=w.admin2.id
    )
    results.publish(session, topic, by=w.admin)
    objection = results.object_to(session, topic, by=w.u_li, reason="应该换太阳能灯")
    results.decide_objection(
        session, objection, by=w.sup, uphold=False, reason="太阳能灯冬季亮度不足"
    )
    assert topic.explanation == "李秀英：太阳能灯冬季亮度不足"
    fixed_clock.advance(days=5)
    implementation.start(session, topic, by=w.admin, owner="电工", deadline=date(2026, 12, 1))
    assert topic.status == S.IMPLEMENTING


def test_rating_below_threshold_reopens_with_comments(session, w, fixed_clock):
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="修桥", size="small")
    _accept(session, w, topic)
    results.decide_result(
        session, topic, by=w.admin, result="修桥", note="小事", cosigner_id=w.admin2.id
    )
    _through_done(session, w, topic, fixed_clock)
    ratings.rate(session, topic, village=w.village, by=w.u_wang, score="satisfied")
    ratings.rate(
        session, topic, village=w.village, by=w.u_li, score="dissatisfied", comment="桥面不平"
    )
    counts = ratings.close_rating(session, topic, village=w.village, by=w.admin)
    assert counts.rate == 0.5
    assert topic.status == S.IMPLEMENTING and topic.rating_round == 2
    assert topic.history[-1].note == "满意率 50%，低于 80%，重新落实：桥面不平"
    # Signed off again, the residents rate the new round; the first round's points stay,
    # and the new round's rating counts but earns nothing more (once per topic).
    implementation.sign_off(session, topic, by=w.sup)
    again = ratings.rate(session, topic, village=w.village, by=w.u_li, score="satisfied")
    assert ratings.tally(session, topic).total == 1
    assert (again.round, again.points_awarded, again.entry_id) == (2, 0, None)
    session.refresh(w.h2)
    assert w.h2.balance == 2


def test_rating_points_are_once_per_resident_and_topic_whatever_the_rounds(session, w, fixed_clock):
    """A topic rated below the threshold three times: each round counts its ratings, but a
    resident's 民主测评 points (the rule YS04, 2 points) come with the first rating only,
    his own or one made for him by staff."""
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="修水渠", size="small")
    _accept(session, w, topic)
    results.decide_result(
        session, topic, by=w.admin, result="修渠", note="小事", cosigner_id=w.admin2.id
    )
    _through_done(session, w, topic, fixed_clock)
    made = []
    for round_ in (1, 2, 3):
        made.append(
            ratings.rate(session, topic, village=w.village, by=w.u_li, score="dissatisfied")
        )
        made.append(  # 赵大爷 has no phone: the host rates for him
            ratings.rate(
                session,
                topic,
                village=w.village,
                by=w.host,
                score="dissatisfied",
                resident=w.zhao,
                proxy_reason="老人不会用手机",
            )
        )
        assert ratings.tally(session, topic).total == 2
        ratings.close_rating(session, topic, village=w.village, by=w.admin)
        assert topic.rating_round == round_ + 1
        implementation.sign_off(session, topic, by=w.sup)
    assert [(r.round, r.points_awarded) for r in made] == [
        (1, 2),
        (1, 2),
        (2, 0),
        (2, 0),
        (3, 0),
        (3, 0),
    ]
    paid = session.scalars(
        select(LedgerEntry).where(LedgerEntry.source_type == "topic_rating")
    ).all()
    assert sorted(e.household_id for e in paid) == sorted([w.h2.id, w.h3.id])
    session.refresh(w.h2)
    session.refresh(w.h3)
    assert (w.h2.balance, w.h3.balance) == (2, 2)
    # A fourth round's rating counts there; the same resident again in it is refused.
    ratings.rate(session, topic, village=w.village, by=w.u_li, score="satisfied")
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate(session, topic, village=w.village, by=w.u_li, score="satisfied")
    session.refresh(w.h2)
    assert w.h2.balance == 2 and ledger.verify(session, village_id=w.village.id).ok


def test_rating_points_stop_at_the_monthly_cap(session, w, fixed_clock):
    done = []
    for i in range(6):
        t = topics.submit(session, village=w.village, by=w.u_wang, title=f"小事{i}", size="small")
        _accept(session, w, t)
        results.decide_result(
            session, t, by=w.admin, result="办", note="小事", cosigner_id=w.admin2.id
        )
        results.publish(session, t, by=w.admin)
        done.append(t)
    fixed_clock.advance(days=5, minutes=1)
    for t in done:
        implementation.start(session, t, by=w.admin, owner="x", deadline=date(2026, 12, 1))
        implementation.sign_off(session, t, by=w.sup)
        ratings.rate(session, t, village=w.village, by=w.u_li, score="satisfied")
    session.refresh(w.h2)
    assert w.h2.balance == 10  # the cap: five ratings earn, the sixth is still counted
    assert sum(ratings.tally(session, t).total for t in done) == 6


def test_proposal_rule_with_review_makes_a_pending_award(session, w):
    reviewed = _rule(session, w.village, "YS09", 10, needs_review=True)
    settings.update_settings(
        session, village_id=w.village.id, by=w.admin, proposal_rule_id=reviewed.id
    )
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="建图书角")
    _accept(session, w, topic)
    award = session.scalar(select(Award).where(Award.rule_id == reviewed.id))
    assert award.status == AwardStatus.PENDING and award.amount == 10
    session.refresh(w.h1)
    assert (w.h1.balance, w.h1.pending) == (0, 10)


def test_visit_log_raises_a_topic_once(session, w, fixed_clock):
    visit = visits.log_visit(
        session,
        village=w.village,
        by=w.host,
        household_id=w.h3.id,
        raised="院墙开裂\n雨后更严重",
        resident_id=w.zhao.id,
    )
    topic = visits.raise_topic(session, visit, village=w.village, by=w.host)
    assert (topic.title, topic.source.value) == ("院墙开裂", "visit")
    assert topics.proposer_ids(topic) == [w.zhao.id]
    assert visits.raise_topic(session, visit, village=w.village, by=w.host).id == topic.id
    with pytest.raises(ValidationFailed):
        visits.log_visit(
            session,
            village=w.village,
            by=w.host,
            household_id=w.h3.id,
            raised="x",
            visited_on=date(2026, 12, 1),
        )


def test_settings_defaults_and_checks(session, w, other_village):
    row = settings.get_settings(session, other_village.id)
    assert row.publication_days == 5
    assert "违反法律法规的事项不议" in row.decline_reasons
    assert "政策在村级的落实" in row.categories
    with pytest.raises(ValidationFailed):
        settings.update_settings(session, village_id=w.village.id, by=w.admin, publication_days=31)
    settings.update_settings(session, village_id=w.village.id, by=w.admin, publication_days=0)
    topic = topics.submit(session, village=w.village, by=w.u_wang, title="路", size="small")
    _accept(session, w, topic)
    results.decide_result(
        session, topic, by=w.admin, result="修", note="小事", cosigner_id=w.admin2.id
    )
    results.publish(session, topic, by=w.admin)
    implementation.start(session, topic, by=w.admin, owner="x", deadline=date(2026, 12, 1))
    assert topic.status == S.IMPLEMENTING
    assert session.get(Household, w.h1.id).balance == 10


def test_demo_village_has_topics_at_every_step(session, fixed_clock):
    from app import demo
    from points.deliberation.models import Topic

    village = demo.seed_demo(session)
    rows = session.scalars(select(Topic).where(Topic.village_id == village.id)).all()
    statuses = {t.status for t in rows}
    assert statuses >= {
        S.COLLECTED,
        S.ACCEPTED,
        S.DECLINED,
        S.RESEARCHED,
        S.DELIBERATED,
        S.PUBLISHED,
        S.IMPLEMENTING,
        S.DONE,
    }
    assert {t.size.value for t in rows} == {"small", "normal", "hard"}
    assert any(t.urgent for t in rows)
    assert implementation.overdue(session, village)
    road = next(t for t in rows if t.status == S.DONE)
    assert ratings.tally(session, road).total == 4
    assert ledger.verify(session, village_id=village.id).ok
    from points.deliberation import registers

    collected = registers.collection(session, village, 2026)
    assert len(collected) == len(rows)
    assert [r.item.topic.title for r in registers.meetings(session, village, 2026)] == [
        "集体林地流转方案"
    ]
    posted = registers.implementation(session, village, 2026)
    assert {r.topic.title for r in posted} == {
        "小学门口加装减速带",
        "五保户屋顶漏雨维修",
        "村委会门前道路硬化",
        "垃圾清运改为每天一次",
    }
    road_row = next(r for r in posted if r.topic.title == "村委会门前道路硬化")
    assert (len(road_row.progress), road_row.tally.rate) == (2, 1.0)
    assert registers.collection(session, village, 2025) == []


def test_county_table_counts_topics_and_satisfaction(session, w, fixed_clock):
    from points import county

    c = county.create_county(session, code="cty", name="某县")
    county.attach_village(session, c, w.village)
    small = topics.submit(session, village=w.village, by=w.u_wang, title="路灯", size="small")
    topics.submit(session, village=w.village, by=w.u_li, title="广场")
    _accept(session, w, small)
    results.decide_result(
        session, small, by=w.admin, result="换灯", note="小事", cosigner_id=w.admin2.id
    )
    _through_done(session, w, small, fixed_clock)
    ratings.rate(session, small, village=w.village, by=w.u_wang, score="satisfied")
    ratings.rate(session, small, village=w.village, by=w.u_li, score="dissatisfied")
    ratings.rate(
        session,
        small,
        village=w.village,
        by=w.host,
        score="basically_satisfied",
        resident=w.zhao,
        proxy_reason="无手机",
    )
    table = county.county_table(session, c, month=date(2026, 11, 1), sort="topics_collected")
    f = table.rows[0].figures
    assert (f.topics_collected, f.topics_accepted, f.topics_decided, f.topics_done) == (
        2,
        1,
        1,
        1,
    )
    assert round(f.satisfaction, 4) == 0.6667
    assert table.totals.topics_collected == 2 and round(table.totals.satisfaction, 4) == 0.6667
    october = county.county_table(session, c, month=date(2026, 10, 1)).rows[0].figures
    assert (october.topics_collected, october.satisfaction) == (0, None)
