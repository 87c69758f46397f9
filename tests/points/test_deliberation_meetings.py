"""Deliberation II worked examples: who deliberates (bodies, representatives) and how a
meeting decides (quorum from the check-ins, votes, 四议两公开, escalation)."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from points import events
from points.county import create_county, create_officer
from points.deliberation import (
    bodies,
    chain,
    escalations,
    implementation,
    meeting_settings,
    meetings,
    representatives,
    research,
    screening,
    topics,
    votes,
)
from points.deliberation.models import TopicStatus
from points.deliberation.topics import InvalidTransition
from points.errors import NotFound, ValidationFailed
from points.models import Role
from tests.eventutil import make_rule

S = TopicStatus
START = datetime.fromisoformat("2026-11-02T01:30:00+00:00")


@pytest.fixture
def w(session, village, make_household, make_resident, make_user, fixed_clock):
    houses = [make_household(village, f"20{i:02d}") for i in range(1, 9)]
    people = [make_resident(village, h, f"村民{i}") for i, h in enumerate(houses, start=1)]
    rule = make_rule(session, village)
    session.commit()
    admin = make_user(village, (Role.ADMIN,))
    host = make_user(village, (Role.HOST,))
    meeting_settings.update(
        session, village_id=village.id, by=admin, households_per_representative=2
    )
    term = representatives.create_term(
        session,
        village=village,
        by=admin,
        name="第十二届",
        starts_on="2026-01-01",
        ends_on="2030-12-31",
    )
    session.commit()
    return type("W", (), locals())


def _confirm(session, w, resident, households):
    n = representatives.nominate(session, w.term, by=w.admin, resident_id=resident.id)
    for h in households:
        representatives.sign(session, n, by=w.admin, household_id=h.id)
    return representatives.confirm(session, n, by=w.admin, present=9, votes_for=6)


def _researched_topic(session, w, title="修缮村道"):
    topic = topics.submit(
        session,
        village=w.village,
        by=w.admin,
        title=title,
        on_behalf_of=w.people[0],
        source="meeting",
    )
    screening.decide(
        session,
        topic,
        village=w.village,
        by=w.admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
    )
    research.save_research(
        session,
        topic,
        by=w.admin,
        research_notes="走访",
        parties="全体",
        proposal="硬化村道500米",
        notice="周一开会",
    )
    research.complete_research(session, topic, by=w.admin)
    return topic


def _four_representatives(session, w):
    h = w.houses
    return [
        _confirm(session, w, w.people[0], h[0:2]),
        _confirm(session, w, w.people[2], h[2:4]),
        _confirm(session, w, w.people[4], h[4:6]),
        _confirm(session, w, w.people[6], h[6:8]),
    ]


def _meeting(session, w, kind, topic_ids):
    m = meetings.create(
        session,
        village=w.village,
        by=w.admin,
        kind=kind,
        topic_ids=topic_ids,
        title=None,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        rule_id=w.rule.id,
    )
    event = meetings.event_of(session, m)
    events.open_event(session, event, by_id=w.host.id)
    return m, event


def _check_in(session, event, resident, method="event_qr"):
    return events.check_in(session, event=event, resident=resident, method=method, by_id=None)


def test_nomination_needs_its_households_each_signing_once_per_term(session, w):
    n = representatives.nominate(session, w.term, by=w.admin, resident_id=w.people[0].id)
    representatives.sign(session, n, by=w.admin, household_id=w.houses[0].id)
    # One household is too few for a village of one representative per two households.
    with pytest.raises(representatives.TooFewHouseholds) as exc:
        representatives.confirm(session, n, by=w.admin, present=9, votes_for=9)
    assert exc.value.details == {"households": 1, "needed": 2}
    # A household signs once per term: again here, or for another nominee, is refused.
    with pytest.raises(representatives.AlreadySigned):
        representatives.sign(session, n, by=w.admin, household_id=w.houses[0].id)
    other = representatives.nominate(session, w.term, by=w.admin, resident_id=w.people[1].id)
    with pytest.raises(representatives.AlreadySigned):
        representatives.sign(session, other, by=w.admin, household_id=w.houses[0].id)
    representatives.sign(session, n, by=w.admin, household_id=w.houses[1].id)
    # Two thirds of those present confirm; fewer rejects.
    representatives.sign(session, other, by=w.admin, household_id=w.houses[2].id)
    representatives.sign(session, other, by=w.admin, household_id=w.houses[3].id)
    with pytest.raises(ValidationFailed):
        representatives.confirm(session, other, by=w.admin, present=3, votes_for=4)
    assert (
        representatives.confirm(session, other, by=w.admin, present=9, votes_for=5).status
        == "rejected"
    )
    assert (
        representatives.confirm(session, n, by=w.admin, present=9, votes_for=6).status
        == "confirmed"
    )
    assert [r.resident_id for r in representatives.roster(session, w.term)] == [w.people[0].id]


def test_representatives_meeting_below_quorum_refuses_votes_then_qr_check_ins_reach_it(session, w):
    reps = _four_representatives(session, w)
    topic = _researched_topic(session, w)
    m, event = _meeting(session, w, "representatives", [topic.id])
    item = votes.item_of(session, m, meetings.results.agenda(session, event.id)[0].id)
    # Four representatives: more than two thirds is three. Two came (and a non-member).
    _check_in(session, event, reps[0].resident)
    _check_in(session, event, reps[1].resident)
    _check_in(session, event, w.people[1])
    q = meetings.quorum(session, m)
    assert (q.called, q.present, q.needed, q.reached) == (4, 2, 3, False)
    with pytest.raises(votes.QuorumNotMet):
        votes.record_count(session, m, item, by=w.host, votes_for=2, against=0, abstain=0)
    with pytest.raises(votes.QuorumNotMet):
        votes.open_ballot(session, m, item, by=w.host)
    assert topic.status == S.RESEARCHED and item.passed is None
    # The third representative scans the meeting's code: the quorum is reached.
    _check_in(session, event, reps[2].resident)
    assert meetings.quorum(session, m).reached
    vote = votes.open_ballot(session, m, item, by=w.host)
    # A ballot from a representative who has not checked in, or from someone not called.
    with pytest.raises(votes.NotCheckedIn):
        votes.cast(session, m, vote, by=w.host, resident_id=reps[3].resident_id, choice="for")
    with pytest.raises(votes.NotCalled):
        votes.cast(session, m, vote, by=w.host, resident_id=w.people[1].id, choice="for")
    votes.cast(session, m, vote, by=w.host, resident_id=reps[0].resident_id, choice="for")
    votes.cast(session, m, vote, by=w.host, resident_id=reps[1].resident_id, choice="for")
    votes.cast(session, m, vote, by=w.host, resident_id=reps[2].resident_id, choice="against")
    with pytest.raises(votes.AlreadyVoted):
        votes.cast(session, m, vote, by=w.host, resident_id=reps[2].resident_id, choice="for")
    votes.close_ballot(session, m, item, by=w.host, minutes="大家同意先修东段")
    assert (vote.for_count, vote.against_count, vote.present, vote.passed) == (2, 1, 3, True)
    # The topic's result comes from the vote.
    assert topic.status == S.DELIBERATED and topic.result == "硬化村道500米"
    assert item.passed is True
    assert item.minutes.startswith("大家同意先修东段")
    assert "应到4人，实到3人；赞成2，反对1，弃权0；通过" in item.minutes
    with pytest.raises(votes.VoteClosed):
        votes.record_count(session, m, item, by=w.host, votes_for=3, against=0, abstain=0)


def test_a_show_of_hands_that_falls_short_leaves_the_topic_for_another_meeting(session, w):
    reps = _four_representatives(session, w)
    topic = _researched_topic(session, w)
    m, event = _meeting(session, w, "representatives", [topic.id])
    item = meetings.results.agenda(session, event.id)[0]
    for r in reps[:3]:
        _check_in(session, event, r.resident, method="card")
    with pytest.raises(ValidationFailed):
        votes.record_count(session, m, item, by=w.host, votes_for=3, against=1, abstain=0)
    vote = votes.record_count(session, m, item, by=w.host, votes_for=1, against=1, abstain=1)
    assert vote.passed is False and item.passed is False
    assert topic.status == S.RESEARCHED


def test_a_term_ending_retires_its_representatives_from_the_invited_lists(session, w):
    reps = _four_representatives(session, w)
    topic = _researched_topic(session, w)
    m, event = _meeting(session, w, "representatives", [topic.id])
    assert len(meetings.called(session, m).resident_ids) == 4
    late = representatives.nominate(session, w.term, by=w.admin, resident_id=w.people[-1].id)
    representatives.end_term(session, w.term, by=w.admin)
    assert meetings.called(session, m).resident_ids == []
    with pytest.raises(representatives.TermEnded):  # no signature for a term that has ended
        representatives.sign(session, late, by=w.admin, household_id=w.houses[0].id)
    with pytest.raises(representatives.TermEnded):  # nor a confirmation (checked first)
        representatives.confirm(session, late, by=w.admin, present=3, votes_for=3)
    assert late.status == "open" and late.decided_at is None
    for r in reps:
        _check_in(session, event, r.resident)
    assert not meetings.quorum(session, m).reached
    with pytest.raises(representatives.TermEnded):
        representatives.end_term(session, w.term, by=w.admin)
    # A new term's representatives are called instead.
    new = representatives.create_term(
        session,
        village=w.village,
        by=w.admin,
        name="第十三届",
        starts_on="2026-11-01",
        ends_on="2031-10-31",
    )
    n = representatives.nominate(session, new, by=w.admin, resident_id=w.people[1].id)
    for h in w.houses[:2]:
        representatives.sign(session, n, by=w.admin, household_id=h.id)
    representatives.confirm(session, n, by=w.admin, present=3, votes_for=2)
    assert meetings.called(session, m).resident_ids == [w.people[1].id]


def test_body_members_terms_by_election_and_the_x_of_a_topic(session, w):
    body = bodies.create_body(
        session,
        village=w.village,
        by=w.admin,
        kind="deliberation",
        rules_text="每月议事一次",
        honorary_head="老支书",
    )
    with pytest.raises(bodies.DuplicateBody):
        bodies.create_body(session, village=w.village, by=w.admin, kind="deliberation")
    convener = bodies.add_member(
        session,
        body,
        by=w.admin,
        role="convener",
        resident_id=w.people[0].id,
        duty="党支部书记",
        term_start="2026-01-01",
        term_end="2028-12-31",
    )
    old = bodies.add_member(
        session,
        body,
        by=w.admin,
        role="member",
        resident_id=w.people[1].id,
        duty="村民小组长",
        term_start="2026-01-01",
        term_end="2028-12-31",
    )
    bodies.remove_member(session, old, by=w.admin, on="2026-06-30", village_id=w.village.id)
    new = bodies.add_member(
        session,
        body,
        by=w.admin,
        role="member",
        resident_id=w.people[2].id,
        duty="村民小组长",
        term_start="2026-07-01",
        term_end="2028-12-31",
        by_election=True,
    )
    outside = bodies.add_member(
        session,
        body,
        by=w.admin,
        role="member",
        name="陈律师",
        organisation="县司法局",
        phone="13800000000",
        term_start="2026-01-01",
    )
    topic = _researched_topic(session, w)
    talent = bodies.add_talent(
        session, village=w.village, by=w.admin, resident_id=w.people[3].id, skills="水利、测量"
    )
    x = bodies.add_member(
        session, body, by=w.admin, role="x", x_kind="expert", talent_id=talent.id, topic_id=topic.id
    )
    assert x.name == "村民4" and x.resident_id == w.people[3].id
    with pytest.raises(ValidationFailed) as exc:
        bodies.add_member(session, body, by=w.admin, role="x", name="某人")
    assert set(exc.value.fields) == {"x_kind", "topic_id"}
    with pytest.raises(ValidationFailed):
        bodies.add_member(
            session, body, by=w.admin, role="member", resident_id=999999, term_start="2026-01-01"
        )
    assert [t.id for t in bodies.talents(session, w.village.id, "水利")] == [talent.id]
    spring = bodies.current_members(session, body, date(2026, 3, 1))
    assert {m.id for m in spring} == {convener.id, old.id, outside.id}
    autumn = bodies.current_members(session, body, date(2026, 11, 2), [topic.id])
    assert {m.id for m in autumn} == {convener.id, new.id, outside.id, x.id}
    # The meeting calls the residents among them; the outside member is listed apart.
    m, event = _meeting(session, w, "deliberation", [topic.id])
    who = meetings.called(session, m)
    assert sorted(who.resident_ids) == sorted([w.people[0].id, w.people[2].id, w.people[3].id])
    assert [o.name for o in who.outside] == ["陈律师"]
    with pytest.raises(ValidationFailed):
        _meeting(session, w, "supervisory", [])


def test_four_deliberations_two_publications_in_order_only(session, w, fixed_clock):
    reps = _four_representatives(session, w)
    for kind in ("party_branch", "committees", "party_members"):
        body = bodies.create_body(session, village=w.village, by=w.admin, kind=kind)
        for p in w.people[:3]:
            bodies.add_member(
                session, body, by=w.admin, role="member", resident_id=p.id, term_start="2026-01-01"
            )
    topic = _researched_topic(session, w, "村集体鱼塘承包")
    with pytest.raises(ValidationFailed):
        chain.start(session, topic, by=w.admin, category="公共事务")
    c = chain.start(session, topic, by=w.admin, category="集体资产和资金")
    # The chained topic is not decided by typing a result on its page.
    with pytest.raises(InvalidTransition):
        meetings.results.decide_result(session, topic, by=w.admin, result="承包给外村")
    with pytest.raises(chain.ChainExists):
        chain.start(session, topic, by=w.admin, category="土地")
    # Out of order: the 两委会 before the party's proposal, a publication before the decision.
    m2, e2 = _meeting(session, w, "committees", [topic.id])
    with pytest.raises(InvalidTransition) as exc:
        chain.record(session, c, by=w.admin, stage="consultation", event_id=e2.id)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(InvalidTransition):
        chain.record(session, c, by=w.admin, stage="resolution_public")

    def hold(kind, stage, people):
        m, e = _meeting(session, w, kind, [topic.id])
        for p in people:
            _check_in(session, e, p)
        item = meetings.results.agenda(session, e.id)[0]
        votes.record_count(
            session,
            m,
            item,
            by=w.host,
            votes_for=len(people),
            against=0,
            abstain=0,
            minutes=f"{stage}纪要",
        )
        return chain.record(session, c, by=w.admin, stage=stage, event_id=e.id)

    # A meeting of another kind does not hold a stage.
    with pytest.raises(ValidationFailed):
        chain.record(session, c, by=w.admin, stage="proposal", event_id=e2.id)
    hold("party_branch", "proposal", w.people[:2])
    # The chained topic is not deliberated by the earlier stages' votes.
    hold("committees", "consultation", w.people[:3])
    assert topic.status == S.RESEARCHED
    hold("party_members", "review", w.people[:2])
    with pytest.raises(InvalidTransition):
        chain.record(session, c, by=w.admin, stage="result_public", note="已完成")
    hold("representatives", "decision", [r.resident for r in reps[:3]])
    assert topic.status == S.DELIBERATED
    chain.record(session, c, by=w.admin, stage="resolution_public")
    assert topic.status == S.PUBLISHED
    with pytest.raises(InvalidTransition):
        chain.record(session, c, by=w.admin, stage="result_public", note="已完成")
    fixed_clock.advance(days=6)
    implementation.start(session, topic, by=w.admin, owner="村委会", deadline=date(2026, 12, 31))
    chain.record(session, c, by=w.admin, stage="result_public", note="承包款已入账")
    sheet = chain.record_sheet(session, c)
    assert [s["done"] for s in sheet] == [True] * 6
    assert sheet[1]["minutes"].startswith("consultation纪要")
    assert "通过" in sheet[3]["vote"]
    assert chain.next_stage(c) is None


def test_escalation_to_the_county_is_answered_there(session, w, make_village):
    county = create_county(session, code="C16", name="示范县")
    w.village.county_id = county.id
    other_county = create_county(session, code="C17", name="邻县")
    session.flush()
    topic = _researched_topic(session, w, "跨村水渠")
    esc = escalations.escalate(
        session, topic, by=w.admin, level="county", reason="涉及两个村，需要县里协调"
    )
    escalations.escalate(
        session, topic, by=w.admin, level="village_meeting", reason="议事会意见分歧"
    )
    officer = create_officer(session, county=county, username="county16", password="county-pass-16")
    assert [e.id for e, _, _ in escalations.county_queue(session, county.id)] == [esc.id]
    assert escalations.county_queue(session, other_county.id) == []
    with pytest.raises(NotFound):
        escalations.get_for_county(session, other_county.id, esc.id)
    escalations.answer(session, esc, by=officer, text="县水利局下周现场查看")
    assert esc.status == "answered" and esc.answered_by_id == officer.id
    with pytest.raises(escalations.AlreadyAnswered):
        escalations.answer(session, esc, by=officer, text="再答")


def _representatives_meeting_with_duty(session, w):
    """Four representatives called to a 村民代表会议 on a researched topic, whose duty rule
    gives 3 points; the meeting's event is open."""
    reps = _four_representatives(session, w)
    duty = make_rule(session, w.village, code="DB01", points=3)
    meeting_settings.update(
        session, village_id=w.village.id, by=w.admin, duty_rules={"representatives": duty.id}
    )
    topic = _researched_topic(session, w)
    m, event = _meeting(session, w, "representatives", [topic.id])
    return reps, m, event


def test_duty_points_by_kind_and_role_and_the_attendance_rates(session, w):
    from points.deliberation import participation
    from points.models import LedgerEntry

    reps, m, event = _representatives_meeting_with_duty(session, w)
    for r in reps[:3]:
        _check_in(session, event, r.resident)
    _check_in(session, event, w.people[1])  # a resident who is not a representative
    events.close_event(session, event, by_id=w.host.id)
    made = participation.settle_duty(session, m, by=w.host)
    assert made == 3
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.note.like("村民代表会议履职%"))
    ).all()
    assert sorted(e.resident_id for e in rows) == sorted(r.resident_id for r in reps[:3])
    assert {e.amount for e in rows} == {3}
    # Every attendee earned the meeting's own rule at check-in (5), the member the duty too.
    session.refresh(w.houses[0])
    session.refresh(w.houses[1])
    assert (w.houses[0].balance, w.houses[1].balance) == (8, 5)
    with pytest.raises(participation.AlreadySettled):
        participation.settle_duty(session, m, by=w.host)
    kinds = participation.kind_rates(session, w.village)
    assert kinds == [
        {
            "kind": "representatives",
            "held": 1,
            "called": 4,
            "present": 3,
            "label": "村民代表会议",
            "rate": 0.75,
        }
    ]
    rates = {
        r["name"]: (r["attended"], r["held"])
        for r in participation.representative_rates(session, w.village)
    }
    assert rates == {"村民1": (1, 1), "村民3": (1, 1), "村民5": (1, 1), "村民7": (0, 1)}


def test_duty_points_wait_for_the_meeting_s_end_and_leave_with_an_undone_check_in(session, w):
    from points import ledger
    from points.deliberation import participation
    from points.models import EntryKind, Household, LedgerEntry

    reps, m, event = _representatives_meeting_with_duty(session, w)
    came = [_check_in(session, event, r.resident).attendance for r in reps[:3]]
    duty_rows = select(LedgerEntry).where(LedgerEntry.source_type == "meeting_duty")
    # While the meeting is open, who came is not yet known: no duty points.
    with pytest.raises(participation.MeetingNotEnded) as exc:
        participation.settle_duty(session, m, by=w.host)
    assert exc.value.details["event_status"] == "open"
    assert session.scalars(duty_rows).all() == [] and m.duty_settled_at is None
    events.close_event(session, event, by_id=w.host.id)
    assert participation.settle_duty(session, m, by=w.host) == 3
    # A check-in undone after the settlement takes its duty points back with the meeting's
    # own: two linked corrections with the undo's reason; the ledger still verifies.
    household = session.get(Household, came[0].household_id)
    assert household.balance == 5 + 3
    events.undo_checkin(session, attendance=came[0], reason="代签，本人未到", by_id=w.host.id)
    rows = ledger.entries(session, household.id)
    corrections = [e for e in rows if e.kind == EntryKind.CORRECTION]
    reversed_ = {e.reverses_id: e for e in corrections}
    awards = [e for e in rows if e.kind == EntryKind.AWARD and e.source_id == came[0].id]
    assert sorted((e.source_type, e.amount) for e in awards) == [
        ("attendance", 5),
        ("meeting_duty", 3),
    ]
    assert set(reversed_) == {e.id for e in awards}
    assert {(e.amount, e.note) for e in corrections} == {
        (-5, "代签，本人未到"),
        (-3, "代签，本人未到"),
    }
    session.refresh(household)
    assert household.balance == 0 and household.honour_score == 0
    # The others keep theirs; a second settlement is still refused.
    others = [session.get(Household, a.household_id) for a in came[1:]]
    assert [h.balance for h in others] == [8, 8]
    with pytest.raises(participation.AlreadySettled):
        participation.settle_duty(session, m, by=w.host)
    assert ledger.verify(session, village_id=w.village.id).ok
