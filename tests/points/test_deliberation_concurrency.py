"""Deliberation acts that must happen once, with real commits and two threads at a time:
a vote recorded twice, a ballot cast while its vote closes, a nomination confirmed twice or
while its term ends, duty points settled while a check-in is undone, and a resident's rating
sent twice across a round's close.

Most tests hold the first act's transaction open until the second has started, so the order
is fixed and the second has to wait for the first's lock (or, without it, acts on what it
read before the first committed)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from points import events, ledger, residents, users, villages
from points.deliberation import (
    implementation,
    meeting_settings,
    meetings,
    participation,
    ratings,
    representatives,
    research,
    results,
    screening,
    settings,
    topics,
    votes,
)
from points.deliberation.body_models import Ballot, Nomination, Vote
from points.deliberation.models import Topic, TopicRating, TopicStatus, TopicTransition
from points.event_models import Attendance
from points.models import AuditLog, EntryKind, Household, LedgerEntry, Role, User, Village
from tests.conftest import PASSWORD
from tests.eventutil import make_rule

pytestmark = pytest.mark.concurrency

START = datetime.fromisoformat("2026-11-02T01:30:00+00:00")


def _outcome(call, session):
    try:
        result = call(session)
    except Exception as exc:  # a refusal: its name is the outcome
        session.rollback()
        return type(exc).__name__
    session.commit()
    return result


def _in_flight(real_db, first, second):
    """``first(session)`` runs in a thread and keeps its transaction open while
    ``second(session)`` starts in another; after a second, the first commits. Returns both
    outcomes (a result, or the name of the error raised) and whether the second was still
    waiting when the first committed."""
    done_first = threading.Event()
    release = threading.Event()

    def run_first():
        with real_db.session() as s:
            try:
                result = first(s)
            except Exception as exc:
                s.rollback()
                return type(exc).__name__
            finally:
                done_first.set()
            release.wait(30)
            s.commit()
            return result

    def run_second():
        with real_db.session() as s:
            return _outcome(second, s)

    with ThreadPoolExecutor(2) as pool:
        one = pool.submit(run_first)
        assert done_first.wait(30)
        two = pool.submit(run_second)
        # A plain sleep, not a timed wait: under the CI's shifted clock (libfaketime) a timed
        # wait that has to run out never returns.
        time.sleep(1.0)
        waited = not two.done()
        release.set()
        return one.result(timeout=30), two.result(timeout=30), waited


def _village(s, tag: str, people: int):
    """A village of its own with ``people`` residents (one household each), the meeting rule
    YS01 (5 points), an admin, a second admin, a supervisor and a host."""
    v = villages.create_village(s, code=f"{tag}-{uuid.uuid4().hex[:8]}", name="并发议事村")
    folk = [
        residents.create_resident(s, village_id=v.id, household_number=f"{i:03d}", name=f"村民{i}")
        for i in range(1, people + 1)
    ]
    rule = make_rule(s, v)

    def user(role, resident=None):
        return users.create_user(
            s,
            username=f"{role.value}{uuid.uuid4().hex[:6]}",
            password=PASSWORD,
            village_id=v.id,
            roles=(role,),
            resident_id=resident.id if resident else None,
        )

    staff = {
        "admin": user(Role.ADMIN),
        "admin2": user(Role.ADMIN),
        "sup": user(Role.SUPERVISOR),
        "host": user(Role.HOST),
    }
    return v, folk, rule, staff, user


def _researched(s, v, staff, proposer, title="修缮村道"):
    topic = topics.submit(
        s, village=v, by=staff["admin"], title=title, on_behalf_of=proposer, source="meeting"
    )
    screening.decide(
        s, topic, village=v, by=staff["admin"], accept=True, category="公共事务、公共环境、公益事业"
    )
    research.save_research(s, topic, by=staff["admin"], proposal="硬化村道500米")
    research.complete_research(s, topic, by=staff["admin"])
    return topic


def _assembly(s, v, staff, rule, topic_ids):
    """A 村民会议 (everyone called; more than half present reaches the quorum), opened."""
    m = meetings.create(
        s,
        village=v,
        by=staff["admin"],
        kind="village_assembly",
        topic_ids=topic_ids,
        title=None,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        rule_id=rule.id,
    )
    event = meetings.event_of(s, m)
    events.open_event(s, event, by_id=staff["host"].id)
    return m, event


def _voting_meeting(real_db):
    """Three residents at a 村民会议 with one researched topic on its agenda, all checked in."""
    with real_db.session() as s, s.begin():
        v, folk, rule, staff, _ = _village(s, "vote", 3)
        topic = _researched(s, v, staff, folk[0])
        m, event = _assembly(s, v, staff, rule, [topic.id])
        for p in folk:
            events.check_in(s, event=event, resident=p, method="event_qr", by_id=None)
        item = results.agenda(s, event.id)[0]
        return {
            "village": v.id,
            "meeting": m.id,
            "item": item.id,
            "topic": topic.id,
            "host": staff["host"].id,
            "people": [p.id for p in folk],
        }


def _vote_parts(s, w):
    m = meetings.get(s, w["village"], w["meeting"])
    return m, votes.item_of(s, m, w["item"]), s.get(User, w["host"])


# ---------------------------------------------------------------- votes (_hold)


def test_two_shows_of_hands_recorded_at_once_count_once(real_db, fixed_clock):
    w = _voting_meeting(real_db)

    def record(for_, against):
        def call(s):
            m, item, host = _vote_parts(s, w)
            vote = votes.record_count(
                s, m, item, by=host, votes_for=for_, against=against, abstain=0
            )
            return (vote.for_count, vote.against_count, vote.passed)

        return call

    first, second, waited = _in_flight(real_db, record(3, 0), record(0, 3))
    assert (first, second) == ((3, 0, True), "VoteClosed")
    assert waited  # the second waited for the meeting's lock
    with real_db.session() as s:
        rows = s.scalars(select(Vote).where(Vote.meeting_id == w["meeting"])).all()
        assert [(v.status, v.for_count, v.against_count) for v in rows] == [("closed", 3, 0)]
        recorded = select(func.count(AuditLog.id)).where(
            AuditLog.action == "meeting.vote", AuditLog.village_id == w["village"]
        )
        assert s.scalar(recorded) == 1
        moves = select(func.count(TopicTransition.id)).where(
            TopicTransition.topic_id == w["topic"],
            TopicTransition.to_status == TopicStatus.DELIBERATED.value,
        )
        assert s.scalar(moves) == 1
        assert s.get(Topic, w["topic"]).status == TopicStatus.DELIBERATED


@pytest.mark.parametrize("first_act", ["close", "cast"])
def test_a_ballot_cast_while_the_vote_closes_is_counted_or_refused(real_db, fixed_clock, first_act):
    """Two ballots are in; the third member's ballot and the close come at once. Either the
    close counts it (cast first) or it is refused (close first): never stored uncounted."""
    w = _voting_meeting(real_db)
    with real_db.session() as s, s.begin():
        m, item, host = _vote_parts(s, w)
        vote = votes.open_ballot(s, m, item, by=host)
        for rid in w["people"][:2]:
            votes.cast(s, m, vote, by=host, resident_id=rid, choice="for")
        vote_id = vote.id

    def cast(s):
        m, _item, host = _vote_parts(s, w)
        ballot = votes.cast(
            s, m, s.get(Vote, vote_id), by=host, resident_id=w["people"][2], choice="against"
        )
        return ballot.choice

    def close(s):
        m, item, host = _vote_parts(s, w)
        closed = votes.close_ballot(s, m, item, by=host)
        return (closed.for_count, closed.against_count)

    if first_act == "close":
        closed, cast_, _waited = _in_flight(real_db, close, cast)
        assert (closed, cast_) == ((2, 0), "VoteClosed")
    else:
        cast_, closed, _waited = _in_flight(real_db, cast, close)
        assert (cast_, closed) == ("against", (2, 1))
    with real_db.session() as s:
        vote = s.get(Vote, vote_id)
        stored = s.scalars(select(Ballot).where(Ballot.vote_id == vote_id)).all()
        assert vote.status == "closed"
        assert vote.for_count + vote.against_count + vote.abstain_count == len(stored)


# ---------------------------------------------------------------- representatives


def _signed_nomination(real_db):
    """A term, and a nomination with the two households' signatures it needs."""
    with real_db.session() as s, s.begin():
        v, folk, _rule, staff, _ = _village(s, "rep", 3)
        meeting_settings.update(
            s, village_id=v.id, by=staff["admin"], households_per_representative=2
        )
        term = representatives.create_term(
            s,
            village=v,
            by=staff["admin"],
            name="第十二届",
            starts_on="2026-01-01",
            ends_on="2030-12-31",
        )
        n = representatives.nominate(s, term, by=staff["admin"], resident_id=folk[0].id)
        for p in folk[:2]:
            representatives.sign(s, n, by=staff["admin"], household_id=p.household_id)
        return {"village": v.id, "term": term.id, "nomination": n.id, "admin": staff["admin"].id}


def _confirm(w, votes_for):
    def call(s):
        n = representatives.get_nomination(s, w["village"], w["nomination"])
        admin = s.get(User, w["admin"])
        return representatives.confirm(s, n, by=admin, present=3, votes_for=votes_for).status

    return call


def _decisions(s, w):
    return s.scalars(
        select(AuditLog.action)
        .where(AuditLog.village_id == w["village"], AuditLog.object_id == w["nomination"])
        .where(AuditLog.action.in_(["representatives.confirmed", "representatives.rejected"]))
    ).all()


def test_two_confirmations_of_one_nomination_at_once_decide_it_once(real_db, fixed_clock):
    w = _signed_nomination(real_db)
    first, second, waited = _in_flight(real_db, _confirm(w, 3), _confirm(w, 0))
    assert (first, second) == ("confirmed", "NominationClosed")
    assert waited
    with real_db.session() as s:
        n = s.get(Nomination, w["nomination"])
        assert (n.status, n.present, n.votes_for) == ("confirmed", 3, 3)
        assert _decisions(s, w) == ["representatives.confirmed"]


def test_a_confirmation_while_its_term_ends_is_refused(real_db, fixed_clock):
    w = _signed_nomination(real_db)

    def end(s):
        term = representatives.get_term(s, w["village"], w["term"])
        return representatives.end_term(s, term, by=s.get(User, w["admin"])).ended_at is not None

    ended, confirmed, waited = _in_flight(real_db, end, _confirm(w, 3))
    assert (ended, confirmed) == (True, "TermEnded")
    assert waited
    with real_db.session() as s:
        n = s.get(Nomination, w["nomination"])
        assert (n.status, n.decided_at) == ("open", None)
        assert _decisions(s, w) == []


# ---------------------------------------------------------------- duty points


@pytest.mark.parametrize("first_act", ["undo", "settle"])
def test_duty_points_settled_while_a_check_in_is_undone(real_db, fixed_clock, first_act):
    """Two came to a closed 村民会议 whose duty rule pays 3; one check-in is undone while the
    duty points are settled. Whichever commits first, the undone one ends with nothing
    (neither the meeting's 5 nor the duty's 3 left), the other with 8."""
    with real_db.session() as s, s.begin():
        v, folk, rule, staff, _ = _village(s, "duty", 2)
        duty = make_rule(s, v, code="DB01", points=3)
        meeting_settings.update(
            s, village_id=v.id, by=staff["admin"], duty_rules={"village_assembly": duty.id}
        )
        m, event = _assembly(s, v, staff, rule, None)
        came = [
            events.check_in(s, event=event, resident=p, method="event_qr", by_id=None) for p in folk
        ]
        events.close_event(s, event, by_id=staff["host"].id)
        w = {
            "village": v.id,
            "meeting": m.id,
            "host": staff["host"].id,
            "attendance": came[0].attendance.id,
            "households": [p.household_id for p in folk],
        }

    def undo(s):
        att = s.get(Attendance, w["attendance"])
        events.undo_checkin(s, attendance=att, reason="代签，本人未到", by_id=w["host"])
        return "undone"

    def settle(s):
        m = meetings.get(s, w["village"], w["meeting"])
        return participation.settle_duty(s, m, by=s.get(User, w["host"]))

    if first_act == "undo":
        undone, made, _waited = _in_flight(real_db, undo, settle)
        assert (undone, made) == ("undone", 1)
    else:
        made, undone, _waited = _in_flight(real_db, settle, undo)
        assert (made, undone) == (2, "undone")
    with real_db.session() as s:
        balances = [s.get(Household, h).balance for h in w["households"]]
        assert balances == [0, 8]
        corrected = {
            e.reverses_id
            for e in s.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.household_id == w["households"][0],
                    LedgerEntry.kind == EntryKind.CORRECTION,
                )
            )
        }
        awards = s.scalars(
            select(LedgerEntry).where(
                LedgerEntry.household_id == w["households"][0],
                LedgerEntry.kind == EntryKind.AWARD,
            )
        ).all()
        # Whatever the undone one was awarded (the check-in's 5, and the duty's 3 if the
        # settlement came first) is reversed by a linked correction.
        assert {e.id for e in awards} == corrected
        expected = [5] if first_act == "undo" else [3, 5]
        assert sorted(e.amount for e in awards) == expected
        assert ledger.verify(s, village_id=w["village"]).ok


# ---------------------------------------------------------------- ratings


def test_a_rating_from_before_the_round_closed_and_one_from_after_earn_once(real_db, fixed_clock):
    """One resident's rating is sent from a page loaded in round 1 while another (made for
    him by the host) is sent in round 2, at once: one rating, in the current round, and the
    民主测评 points once."""
    with real_db.session() as s, s.begin():
        v, folk, _rule, staff, user = _village(s, "rate", 2)
        voter, other = folk
        voter_user, other_user = user(Role.RESIDENT, voter), user(Role.RESIDENT, other)
        rating_rule = make_rule(s, v, code="YS04", points=2)
        settings.update_settings(
            s, village_id=v.id, by=staff["admin"], rating_rule_id=rating_rule.id
        )
        topic = topics.submit(s, village=v, by=other_user, title="修水渠", size="small")
        screening.decide(
            s,
            topic,
            village=v,
            by=staff["admin"],
            accept=True,
            category="公共事务、公共环境、公益事业",
        )
        results.decide_result(
            s, topic, by=staff["admin"], result="修渠", note="小事", cosigner_id=staff["admin2"].id
        )
        results.publish(s, topic, by=staff["admin"])
        w = {
            "village": v.id,
            "topic": topic.id,
            "voter": voter.id,
            "voter_user": voter_user.id,
            "other_user": other_user.id,
            "host": staff["host"].id,
            "admin": staff["admin"].id,
            "sup": staff["sup"].id,
            "household": voter.household_id,
        }
    fixed_clock.advance(days=5, minutes=1)
    with real_db.session() as s, s.begin():
        topic = s.get(Topic, w["topic"])
        implementation.start(
            s, topic, by=s.get(User, w["host"]), owner="村委会", deadline=date(2026, 12, 31)
        )
        implementation.sign_off(s, topic, by=s.get(User, w["sup"]))
        village = s.get(Village, w["village"])
        ratings.rate(
            s, topic, village=village, by=s.get(User, w["other_user"]), score="dissatisfied"
        )

    stale = real_db.session()  # the page loaded in round 1
    stale_topic = stale.get(Topic, w["topic"])
    assert (stale_topic.rating_round, stale_topic.status) == (1, TopicStatus.DONE)
    stale.commit()
    with real_db.session() as s, s.begin():  # the round closes below the threshold, and
        topic = s.get(Topic, w["topic"])  # is signed off again: round 2
        village = s.get(Village, w["village"])
        ratings.close_rating(s, topic, village=village, by=s.get(User, w["admin"]))
        implementation.sign_off(s, topic, by=s.get(User, w["sup"]))
    barrier = threading.Barrier(2)

    def from_stale(_):
        barrier.wait()
        village = stale.get(Village, w["village"])
        return _outcome(
            lambda s: (
                ratings.rate(
                    s,
                    stale_topic,
                    village=village,
                    by=s.get(User, w["voter_user"]),
                    score="satisfied",
                ).round
            ),
            stale,
        )

    def from_host(_):
        with real_db.session() as s:
            barrier.wait()
            return _outcome(
                lambda s: (
                    ratings.rate(
                        s,
                        s.get(Topic, w["topic"]),
                        village=s.get(Village, w["village"]),
                        by=s.get(User, w["host"]),
                        score="satisfied",
                        resident=residents.get_resident(s, w["village"], w["voter"]),
                        proxy_reason="老人不会用手机",
                    ).round
                ),
                s,
            )

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(from_stale, None)
        b = pool.submit(from_host, None)
        outcomes = sorted([a.result(timeout=60), b.result(timeout=60)], key=str)
    stale.close()
    assert outcomes == [2, "AlreadyRated"]
    with real_db.session() as s:
        mine = s.scalars(
            select(TopicRating).where(
                TopicRating.topic_id == w["topic"], TopicRating.resident_id == w["voter"]
            )
        ).all()
        assert [(r.round, r.points_awarded) for r in mine] == [(2, 2)]
        paid = s.scalars(
            select(LedgerEntry).where(
                LedgerEntry.household_id == w["household"],
                LedgerEntry.source_type == "topic_rating",
            )
        ).all()
        assert [e.amount for e in paid] == [2]
        assert s.get(Household, w["household"]).balance == 2
