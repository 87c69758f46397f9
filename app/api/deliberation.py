"""Who deliberates and how a meeting decides, over the API: bodies and their members, the
talent pool, the representatives (terms, nominations, signatures, confirmation, roster),
meetings of a kind with their live quorum and votes, the 四议两公开 chain and escalations.
Everything lives under /api/v1/deliberation/."""

from __future__ import annotations

from flask import g

from app.api import bp
from app.api.common import endpoint, iso
from app.api.deliberation_schemas import (
    BallotBody,
    BodyBody,
    BodyPatch,
    ChainBody,
    CloseBody,
    ConfirmBody,
    CountBody,
    EscalateBody,
    LeaveBody,
    MeetingKindBody,
    MeetingSettingsBody,
    MemberBody,
    NominateBody,
    SignBody,
    StageBody,
    TalentBody,
    TermBody,
)
from app.db import get_session
from app.security import STAFF, current_village, require_role
from points import events
from points.deliberation import (
    bodies,
    chain,
    escalations,
    meeting_settings,
    meetings,
    participation,
    representatives,
    results,
    topics,
    votes,
)
from points.deliberation.body_models import MEETING_KINDS
from points.models import Role

HOSTS = (Role.HOST, Role.ADMIN)
P = "/deliberation"


# ---------------------------------------------------------------- shapes


def member_dict(m) -> dict:
    return {
        "id": m.id,
        "role": m.role,
        "x_kind": m.x_kind or None,
        "duty": m.duty,
        "resident_id": m.resident_id,
        "name": m.name,
        "organisation": m.organisation,
        "phone": m.phone if g.user.is_staff else None,
        "topic_id": m.topic_id,
        "term_start": m.term_start.isoformat() if m.term_start else None,
        "term_end": m.term_end.isoformat() if m.term_end else None,
        "by_election": m.by_election,
        "left_on": m.left_on.isoformat() if m.left_on else None,
    }


def body_dict(b, *, with_members: bool = True) -> dict:
    out = {
        "id": b.id,
        "kind": b.kind,
        "name": b.name,
        "honorary_head": b.honorary_head,
        "rules_text": b.rules_text,
    }
    if with_members:
        out["members"] = [member_dict(m) for m in bodies.all_members(get_session(), b)]
    return out


def nomination_dict(n) -> dict:
    return {
        "id": n.id,
        "term_id": n.term_id,
        "resident": {"id": n.resident_id, "name": n.resident.name},
        "group_id": n.group_id,
        "status": n.status,
        "households": len(n.signatures),
        "present": n.present,
        "votes_for": n.votes_for,
        "decided_at": iso(n.decided_at),
    }


def term_dict(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "starts_on": t.starts_on.isoformat(),
        "ends_on": t.ends_on.isoformat(),
        "ended_at": iso(t.ended_at),
    }


def vote_dict(v) -> dict | None:
    if v is None:
        return None
    return {
        "id": v.id,
        "method": v.method,
        "status": v.status,
        "called": v.called,
        "present": v.present,
        "for": v.for_count,
        "against": v.against_count,
        "abstain": v.abstain_count,
        "passed": v.passed,
        "closed_at": iso(v.closed_at),
    }


def meeting_dict(m) -> dict:
    session = get_session()
    event = meetings.event_of(session, m)
    return {
        "id": m.id,
        "kind": m.kind,
        "kind_label": MEETING_KINDS[m.kind],
        "event_id": event.id,
        "title": event.title,
        "status": event.status.value,
        "starts_at": iso(event.starts_at),
        "notice": m.notice,
        "quorum": meetings.quorum(session, m, event).as_dict(),
        "called": meetings.called_names(session, m, event),
        "agenda": [
            {
                "id": a.id,
                "topic_id": a.topic_id,
                "title": a.topic.title,
                "minutes": a.minutes,
                "result": a.result or None,
                "passed": a.passed,
                "vote": vote_dict(votes.vote_of(session, a)),
            }
            for a in results.agenda(session, event.id)
        ],
    }


def chain_dict(c) -> dict:
    sheet = chain.record_sheet(get_session(), c)
    for row in sheet:
        if "done_at" in row:
            row["done_at"] = iso(row["done_at"])
        if "starts_at" in row:
            row["starts_at"] = iso(row["starts_at"])
    return {
        "id": c.id,
        "topic_id": c.topic_id,
        "category": c.category,
        "next_stage": chain.next_stage(c),
        "stages": sheet,
    }


def escalation_dict(e) -> dict:
    return {
        "id": e.id,
        "topic_id": e.topic_id,
        "level": e.level,
        "reason": e.reason,
        "status": e.status,
        "answer": e.answer or None,
        "answered_at": iso(e.answered_at),
    }


def _vid() -> int:
    return g.actor.village_id


# ---------------------------------------------------------------- bodies


@bp.get(P + "/bodies")
@require_role()
@endpoint(responses={200: "the village's bodies with their members"})
def list_bodies():
    """The village's bodies (议事协商委员会 and the others), their members and rules."""
    return {"items": [body_dict(b) for b in bodies.list_bodies(get_session(), _vid())]}, 200


@bp.post(P + "/bodies")
@require_role(Role.ADMIN)
@endpoint(body=BodyBody, responses={201: "body"}, errors=("bad_request", "duplicate_body"))
def create_body(data):
    """A body of a kind (one per kind): deliberation, committees, party_members, ..."""
    body = bodies.create_body(get_session(), village=current_village(), by=g.user, **data)
    return body_dict(body), 201


@bp.get(P + "/bodies/<int:body_id>")
@require_role()
@endpoint(responses={200: "body"}, errors=("not_found",))
def get_body(body_id: int):
    """One body with its members (current and past) and its 议事规程."""
    return body_dict(bodies.get_body(get_session(), _vid(), body_id)), 200


@bp.patch(P + "/bodies/<int:body_id>")
@require_role(Role.ADMIN)
@endpoint(body=BodyPatch, responses={200: "body"}, errors=("not_found", "bad_request"))
def update_body(body_id: int, data):
    """Change the body's name, honorary head or rules."""
    session = get_session()
    body = bodies.update_body(session, bodies.get_body(session, _vid(), body_id), by=g.user, **data)
    return body_dict(body), 200


@bp.post(P + "/bodies/<int:body_id>/members")
@require_role(Role.ADMIN)
@endpoint(body=MemberBody, responses={201: "member"}, errors=("not_found", "bad_request"))
def add_member(body_id: int, data):
    """A member: a resident or an outside person; with a term, or an X for one topic."""
    session = get_session()
    body = bodies.get_body(session, _vid(), body_id)
    return member_dict(bodies.add_member(session, body, by=g.user, **data)), 201


@bp.post(P + "/bodies/<int:body_id>/members/<int:member_id>/leave")
@require_role(Role.ADMIN)
@endpoint(body=LeaveBody, responses={200: "member"}, errors=("not_found", "bad_request"))
def member_leaves(body_id: int, member_id: int, data):
    """The member leaves on a day (a by-election fills the seat)."""
    session = get_session()
    body = bodies.get_body(session, _vid(), body_id)
    member = bodies.get_member(session, body, member_id)
    bodies.remove_member(session, member, by=g.user, on=data["left_on"], village_id=_vid())
    return member_dict(member), 200


@bp.get(P + "/talents")
@require_role(*STAFF)
@endpoint(responses={200: "the talent pool"})
def list_talents():
    """人才库: people to draw on as the X, with their skills."""
    rows = bodies.talents(get_session(), _vid())
    return {
        "items": [
            {
                "id": t.id,
                "name": t.name,
                "resident_id": t.resident_id,
                "organisation": t.organisation,
                "phone": t.phone,
                "skills": t.skills,
            }
            for t in rows
        ]
    }, 200


@bp.post(P + "/talents")
@require_role(Role.ADMIN)
@endpoint(body=TalentBody, responses={201: "talent"}, errors=("bad_request",))
def add_talent(data):
    """Add a person to the talent pool."""
    row = bodies.add_talent(get_session(), village=current_village(), by=g.user, **data)
    return {"id": row.id, "name": row.name, "skills": row.skills}, 201


# ---------------------------------------------------------------- representatives


@bp.get(P + "/terms")
@require_role()
@endpoint(responses={200: "terms with their roster"})
def list_terms():
    """The representatives' terms, newest first, each with its confirmed roster."""
    session = get_session()
    out = []
    for t in representatives.terms(session, _vid()):
        row = term_dict(t)
        row["roster"] = [nomination_dict(n) for n in representatives.roster(session, t)]
        out.append(row)
    return {"items": out}, 200


@bp.post(P + "/terms")
@require_role(Role.ADMIN)
@endpoint(body=TermBody, responses={201: "term"}, errors=("bad_request",))
def create_term(data):
    """A new term of the representatives."""
    term = representatives.create_term(get_session(), village=current_village(), by=g.user, **data)
    return term_dict(term), 201


@bp.get(P + "/terms/<int:term_id>/nominations")
@require_role(*STAFF)
@endpoint(responses={200: "nominations"}, errors=("not_found",))
def list_nominations(term_id: int):
    """Every nomination of the term with its households' signatures and outcome."""
    session = get_session()
    term = representatives.get_term(session, _vid(), term_id)
    return {"items": [nomination_dict(n) for n in representatives.nominations(session, term)]}, 200


@bp.post(P + "/terms/<int:term_id>/end")
@require_role(Role.ADMIN)
@endpoint(responses={200: "term"}, errors=("not_found", "term_ended"))
def end_term(term_id: int):
    """End the term: its representatives leave the invited lists."""
    session = get_session()
    term = representatives.end_term(
        session, representatives.get_term(session, _vid(), term_id), by=g.user
    )
    return term_dict(term), 200


@bp.post(P + "/terms/<int:term_id>/nominations")
@require_role(Role.ADMIN)
@endpoint(
    body=NominateBody,
    responses={201: "nomination"},
    errors=("not_found", "bad_request", "term_ended", "already_nominated"),
)
def nominate(term_id: int, data):
    """Nominate a resident as representative of their group."""
    session = get_session()
    term = representatives.get_term(session, _vid(), term_id)
    n = representatives.nominate(session, term, by=g.user, resident_id=data["resident_id"])
    return nomination_dict(n), 201


@bp.post(P + "/nominations/<int:nomination_id>/signatures")
@require_role(*HOSTS)
@endpoint(
    body=SignBody,
    responses={201: "nomination"},
    errors=("not_found", "bad_request", "already_signed", "nomination_closed", "term_ended"),
)
def sign_nomination(nomination_id: int, data):
    """A household co-signs the nomination (once per term)."""
    session = get_session()
    n = representatives.get_nomination(session, _vid(), nomination_id)
    representatives.sign(session, n, by=g.user, household_id=data["household_id"])
    return nomination_dict(n), 201


@bp.post(P + "/nominations/<int:nomination_id>/confirm")
@require_role(Role.ADMIN)
@endpoint(
    body=ConfirmBody,
    responses={200: "confirmed or rejected"},
    errors=(
        "not_found",
        "bad_request",
        "too_few_households",
        "nomination_closed",
        "term_ended",
    ),
)
def confirm_nomination(nomination_id: int, data):
    """The group meeting's vote: two thirds of those present confirm."""
    session = get_session()
    n = representatives.get_nomination(session, _vid(), nomination_id)
    return nomination_dict(representatives.confirm(session, n, by=g.user, **data)), 200


# ---------------------------------------------------------------- meetings and votes


@bp.post(P + "/meetings")
@require_role(*HOSTS)
@endpoint(
    body=MeetingKindBody,
    responses={201: "the meeting with its quorum"},
    errors=("bad_request", "not_found", "invalid_transition"),
    idempotent=True,
)
def create_meeting_of_kind(data):
    """A meeting of a kind (村民代表会议, 两委会, ...) with its agenda and QR check-in."""
    m = meetings.create(get_session(), village=current_village(), by=g.user, **data)
    return meeting_dict(m), 201


@bp.get(P + "/meetings")
@require_role(*STAFF)
@endpoint(responses={200: "meetings, newest first"})
def list_meetings_of_kind():
    """The village's meetings of a kind, newest first."""
    rows = meetings.listing(get_session(), _vid())
    return {
        "items": [
            {
                "id": m.id,
                "kind": m.kind,
                "event_id": e.id,
                "title": e.title,
                "starts_at": iso(e.starts_at),
            }
            for m, e in rows
        ]
    }, 200


@bp.get(P + "/meetings/<int:meeting_id>")
@require_role(*STAFF)
@endpoint(responses={200: "meeting"}, errors=("not_found",))
def get_meeting_of_kind(meeting_id: int):
    """The meeting: those called and who came, the quorum now, the agenda and its votes."""
    return meeting_dict(meetings.get(get_session(), _vid(), meeting_id)), 200


def _item(meeting_id: int, item_id: int):
    session = get_session()
    m = meetings.get(session, _vid(), meeting_id)
    events.get_event(session, _vid(), m.event_id, lock=True)
    return m, votes.item_of(session, m, item_id)


VOTE_ERRORS = ("not_found", "bad_request", "quorum_not_met", "vote_closed", "invalid_transition")


@bp.post(P + "/meetings/<int:meeting_id>/items/<int:item_id>/count")
@require_role(*HOSTS)
@endpoint(body=CountBody, responses={200: "the closed vote"}, errors=VOTE_ERRORS)
def count_vote(meeting_id: int, item_id: int, data):
    """举手表决: the counts for, against and abstaining; the topic's result follows."""
    m, item = _item(meeting_id, item_id)
    vote = votes.record_count(get_session(), m, item, by=g.user, **data)
    return vote_dict(vote), 200


@bp.post(P + "/meetings/<int:meeting_id>/items/<int:item_id>/ballots/open")
@require_role(*HOSTS)
@endpoint(responses={200: "the open vote"}, errors=VOTE_ERRORS)
def open_ballot(meeting_id: int, item_id: int):
    """Open a ballot vote on the item (needs the quorum)."""
    m, item = _item(meeting_id, item_id)
    return vote_dict(votes.open_ballot(get_session(), m, item, by=g.user)), 200


@bp.post(P + "/meetings/<int:meeting_id>/items/<int:item_id>/ballots")
@require_role(*HOSTS)
@endpoint(
    body=BallotBody,
    responses={201: "the ballot"},
    errors=(*VOTE_ERRORS, "not_checked_in", "not_called", "already_voted"),
)
def cast_ballot(meeting_id: int, item_id: int, data):
    """One present member's ballot: for, against or abstain."""
    session = get_session()
    m, item = _item(meeting_id, item_id)
    vote = votes.vote_of(session, item)
    if vote is None:
        vote = votes.open_ballot(session, m, item, by=g.user)
    b = votes.cast(session, m, vote, by=g.user, **data)
    return {"id": b.id, "resident_id": b.resident_id, "choice": b.choice}, 201


@bp.post(P + "/meetings/<int:meeting_id>/items/<int:item_id>/ballots/close")
@require_role(*HOSTS)
@endpoint(body=CloseBody, responses={200: "the closed vote"}, errors=VOTE_ERRORS)
def close_ballot(meeting_id: int, item_id: int, data):
    """Count the ballots; the minutes record the result and the topic takes it."""
    m, item = _item(meeting_id, item_id)
    return vote_dict(votes.close_ballot(get_session(), m, item, by=g.user, **data)), 200


@bp.post(P + "/meetings/<int:meeting_id>/duty")
@require_role(*HOSTS)
@endpoint(
    responses={200: "entries made"},
    errors=("not_found", "already_settled", "meeting_not_ended"),
)
def settle_meeting_duty(meeting_id: int):
    """Post the duty points of the members who came (the village's rule per kind), once,
    after the meeting has ended (its event closed)."""
    session = get_session()
    made = participation.settle_duty(session, meetings.get(session, _vid(), meeting_id), by=g.user)
    return {"entries": made}, 200


@bp.get(P + "/participation")
@require_role(*STAFF)
@endpoint(responses={200: "attendance rates"})
def participation_rates():
    """Attendance rates per meeting kind this year and per representative this term."""
    session = get_session()
    village = current_village()
    return {
        "kinds": participation.kind_rates(session, village),
        "representatives": participation.representative_rates(session, village),
    }, 200


@bp.get(P + "/settings")
@require_role()
@endpoint(responses={200: "the village's meeting rules"})
def get_meeting_settings():
    """Households per representative, quorum per kind, the passing rule, major matters."""
    return meeting_settings.as_dict(meeting_settings.current(get_session(), _vid())), 200


@bp.post(P + "/settings")
@require_role(Role.ADMIN)
@endpoint(body=MeetingSettingsBody, responses={200: "settings"}, errors=("bad_request",))
def update_meeting_settings(data):
    """Change the village's meeting rules (fractions as [num, den])."""
    row = meeting_settings.update(get_session(), village_id=_vid(), by=g.user, **data)
    return meeting_settings.as_dict(row), 200


# ---------------------------------------------------------------- 四议两公开, escalation


@bp.post(P + "/topics/<int:topic_id>/chain")
@require_role(Role.ADMIN)
@endpoint(
    body=ChainBody,
    responses={201: "the chain"},
    errors=("not_found", "bad_request", "invalid_transition", "chain_exists"),
)
def start_chain(topic_id: int, data):
    """Put a major matter on the 四议两公开 route."""
    session = get_session()
    topic = topics.get_topic(session, _vid(), topic_id, lock=True)
    return chain_dict(chain.start(session, topic, by=g.user, category=data["category"])), 201


@bp.get(P + "/chains/<int:chain_id>")
@require_role()
@endpoint(responses={200: "the chain's record"}, errors=("not_found",))
def get_chain(chain_id: int):
    """The record of the chain: each stage with its meeting, vote and minutes."""
    return chain_dict(chain.get(get_session(), _vid(), chain_id)), 200


@bp.post(P + "/chains/<int:chain_id>/stages")
@require_role(Role.ADMIN)
@endpoint(
    body=StageBody,
    responses={201: "the chain"},
    errors=("not_found", "bad_request", "invalid_transition", "vote_not_passed"),
)
def record_stage(chain_id: int, data):
    """The next stage, in order only: a meeting whose vote passed, or a publication."""
    session = get_session()
    c = chain.get(session, _vid(), chain_id)
    topics.get_topic(session, _vid(), c.topic_id, lock=True)
    chain.record(session, c, by=g.user, **data)
    return chain_dict(c), 201


@bp.post(P + "/topics/<int:topic_id>/escalations")
@require_role(Role.ADMIN)
@endpoint(body=EscalateBody, responses={201: "escalation"}, errors=("not_found", "bad_request"))
def escalate_topic(topic_id: int, data):
    """Send a topic to a 村民(代表)会议 vote, or to the town or county."""
    session = get_session()
    topic = topics.get_topic(session, _vid(), topic_id)
    return escalation_dict(escalations.escalate(session, topic, by=g.user, **data)), 201


@bp.get(P + "/topics/<int:topic_id>/escalations")
@require_role(*STAFF)
@endpoint(responses={200: "escalations"}, errors=("not_found",))
def list_escalations(topic_id: int):
    """The topic's escalations and their answers."""
    session = get_session()
    topic = topics.get_topic(session, _vid(), topic_id)
    return {"items": [escalation_dict(e) for e in escalations.of_topic(session, topic.id)]}, 200
