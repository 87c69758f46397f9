"""Deliberation topics (议题, the six steps) over the API: intake, screening, the route,
research, meetings, publication and objections, implementation, ratings, the visit log and
the village's deliberation settings."""

from __future__ import annotations

from flask import abort, g
from marshmallow import fields

from app.api import bp
from app.api.common import (
    Body,
    ListQuery,
    endpoint,
    id_field,
    iso,
    list_response,
)
from app.api.events import event_dict
from app.awards.shared import store_photo_base64
from app.db import get_session
from app.security import STAFF, current_village, require_resident, require_role
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
from points.deliberation.models import Topic, TopicStatus, VisitLog
from points.errors import ValidationFailed
from points.models import Role
from points.residents import get_resident
from points.villages import village_today

HOSTS = (Role.HOST, Role.ADMIN)
REVIEWERS = (Role.ADMIN, Role.SUPERVISOR)


class TopicBody(Body):
    title = fields.String(required=True)
    description = fields.String(load_default="")
    place = fields.String(load_default="")
    size = fields.String(load_default=None, allow_none=True)
    urgent = fields.Boolean(load_default=False)
    source = fields.String(load_default=None, allow_none=True)
    on_behalf_of = id_field(load_default=None, allow_none=True, strict=True)
    photo = fields.String(load_default=None, allow_none=True)  # base64 JPEG/PNG/WebP


class TopicQuery(ListQuery):
    status = fields.String(load_default=None)
    mine = fields.Boolean(load_default=False)


class DecideBody(Body):
    accept = fields.Boolean(required=True)
    category = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    size = fields.String(load_default=None, allow_none=True)
    urgent = fields.Boolean(load_default=None, allow_none=True)
    form = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default="")


class AdvanceBody(Body):
    to = fields.String(required=True)
    note = fields.String(load_default="")
    result = fields.String(load_default=None, allow_none=True)
    minutes = fields.String(load_default="")
    event_id = id_field(load_default=None, allow_none=True, strict=True)
    cosigner_id = id_field(load_default=None, allow_none=True, strict=True)
    owner = fields.String(load_default=None, allow_none=True)
    deadline = fields.Date(load_default=None, allow_none=True)


class ResearchBody(Body):
    research_notes = fields.String(load_default=None, allow_none=True)
    parties = fields.String(load_default=None, allow_none=True)
    proposal = fields.String(load_default=None, allow_none=True)
    notice = fields.String(load_default=None, allow_none=True)
    form = fields.String(load_default=None, allow_none=True)


class ProgressBody(Body):
    note = fields.String(required=True)
    photo = fields.String(load_default=None, allow_none=True)


class RatingBody(Body):
    score = fields.String(required=True)
    comment = fields.String(load_default="")
    resident_id = id_field(load_default=None, allow_none=True, strict=True)
    proxy_reason = fields.String(load_default=None, allow_none=True)


class TopicReasonBody(Body):
    reason = fields.String(required=True)


class ObjectionDecisionBody(Body):
    uphold = fields.Boolean(required=True)
    reason = fields.String(required=True)


class MergeBody(Body):
    duplicate_id = id_field(required=True, strict=True)


class MeetingBody(Body):
    topic_ids = fields.List(id_field(strict=True), required=True)
    title = fields.String(load_default="")
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    rule_id = id_field(required=True, strict=True)
    location = fields.String(load_default="")


class SettingsBody(Body):
    publication_days = fields.Integer(load_default=None, allow_none=True, strict=True)
    satisfaction_threshold = fields.Integer(load_default=None, allow_none=True, strict=True)
    categories = fields.List(fields.String(), load_default=None, allow_none=True)
    decline_reasons = fields.List(fields.String(), load_default=None, allow_none=True)
    proposal_rule_id = id_field(allow_none=True, strict=True)
    rating_rule_id = id_field(allow_none=True, strict=True)


class VisitBody(Body):
    household_id = id_field(required=True, strict=True)
    resident_id = id_field(load_default=None, allow_none=True, strict=True)
    raised = fields.String(required=True)
    visited_on = fields.Date(load_default=None, allow_none=True)


def topic_summary(topic: Topic, village, today) -> dict:
    return {
        "id": topic.id,
        "title": topic.title,
        "status": topic.status.value,
        "size": topic.size.value,
        "urgent": topic.urgent,
        "source": topic.source.value,
        "category": topic.category or None,
        "reason": topic.decline_reason or None,
        "created_at": iso(topic.created_at),
        "age_days": topics.age_days(topic, village),
        "overdue": topics.is_overdue(topic, today),
        "deadline": topic.deadline.isoformat() if topic.deadline else None,
    }


def topic_dict(topic: Topic, village, *, staff: bool, resident_id: int | None) -> dict:
    session = get_session()
    out = topic_summary(topic, village, village_today(village))
    counts = ratings.tally(session, topic).as_dict()
    mine = ratings.rating_of(session, topic, resident_id)
    out |= {
        "description": topic.description,
        "place": topic.place,
        "form": topic.form.value if topic.form else None,
        "research_notes": topic.research_notes,
        "parties": topic.parties,
        "proposal": topic.proposal,
        "notice": topic.notice,
        "result": topic.result or None,
        "published_at": iso(topic.published_at),
        "objection_deadline": iso(topic.objection_deadline),
        "explanation": topic.explanation or None,
        "owner": topic.owner or None,
        "done_at": iso(topic.done_at),
        "merged_into_id": topic.merged_into_id,
        "has_photo": topic.photo_path is not None,
        "history": [
            {"status": t.to_status, "from": t.from_status, "at": iso(t.at), "note": t.note}
            for t in topic.history
        ],
        "ratings": counts,
        "my_rating": mine.score.value if mine else None,
        "progress": [
            {"note": p.note, "at": iso(p.at)} for p in implementation.progress(session, topic.id)
        ],
        "meetings": [
            {
                "event_id": e.id,
                "title": e.title,
                "starts_at": iso(e.starts_at),
                "minutes": a.minutes,
                "result": a.result or None,
                "passed": a.passed,
            }
            for a, e in results.meetings_of(session, topic.id)
        ],
        "proposed_by_me": resident_id in topics.proposer_ids(topic),
    }
    if staff:
        out["proposers"] = [{"id": p.resident.id, "name": p.resident.name} for p in topic.proposers]
        out["objections"] = [objection_dict(o) for o in results.objections(session, topic.id)]
    return out


def objection_dict(o) -> dict:
    return {
        "id": o.id,
        "topic_id": o.topic_id,
        "status": o.status.value,
        "reason": o.reason,
        "created_at": iso(o.created_at),
        "decision_reason": o.decision_reason or None,
    }


def visit_dict(v: VisitLog) -> dict:
    return {
        "id": v.id,
        "household": {"id": v.household.id, "number": v.household.number},
        "resident_id": v.resident_id,
        "visited_on": v.visited_on.isoformat(),
        "raised": v.raised,
        "topic_id": v.topic_id,
    }


def _topic(topic_id: int, *, lock: bool = False) -> Topic:
    return topics.get_topic(get_session(), g.actor.village_id, topic_id, lock=lock)


def _out(topic: Topic) -> dict:
    return topic_dict(
        topic,
        current_village(),
        staff=g.user.is_staff,
        resident_id=g.user.resident_id,
    )


@bp.post("/topics")
@require_role()
@endpoint(body=TopicBody, responses={201: "topic"}, errors=("bad_request",), idempotent=True)
def create_topic(data):
    """收集议题: a resident raises a topic; staff may enter one on a resident's behalf."""
    session = get_session()
    village = current_village()
    on_behalf_of = None
    if data["on_behalf_of"] is not None:
        if not g.user.is_staff:
            raise ValidationFailed({"on_behalf_of": "staff only"})
        on_behalf_of = get_resident(session, village.id, data["on_behalf_of"])
    topic = topics.submit(
        session,
        village=village,
        by=g.user,
        title=data["title"],
        description=data["description"],
        place=data["place"],
        size=data["size"],
        urgent=data["urgent"],
        source=data["source"],
        on_behalf_of=on_behalf_of,
        photo_path=store_photo_base64(data["photo"]),
    )
    return {"id": topic.id, "status": topic.status.value}, 201


@bp.get("/topics")
@require_role()
@endpoint(query=TopicQuery, responses={200: "topics, urgent first"}, errors=("bad_request",))
def list_topics(args):
    """The village's topics, urgent first then newest (?status=, ?mine=1 for the proposer's)."""
    status = None
    if args["status"]:
        try:
            status = TopicStatus(args["status"])
        except ValueError:
            raise ValidationFailed({"status": "not a valid value"}) from None
    village = current_village()
    page = topics.list_topics(
        get_session(),
        village.id,
        status=status,
        resident_id=g.user.resident_id if args["mine"] else None,
        limit=args["limit"],
        cursor=args["cursor"],
    )
    today = village_today(village)
    return list_response(
        [topic_summary(t, village, today) for t in page.items], page.next_cursor
    ), 200


@bp.get("/topics/<int:topic_id>")
@require_role()
@endpoint(responses={200: "topic with its history and ratings"}, errors=("not_found",))
def get_topic(topic_id: int):
    """One topic: its steps with their times, the result, progress and the ratings."""
    return _out(_topic(topic_id)), 200


@bp.post("/topics/<int:topic_id>/decide")
@require_role(Role.ADMIN)
@endpoint(
    body=DecideBody,
    responses={200: "accepted or declined"},
    errors=("not_found", "bad_request", "invalid_transition"),
)
def decide_topic(topic_id: int, data):
    """确定议题: accept under a 五议 category, or decline under a 三不议 reason or free text."""
    topic = screening.decide(
        get_session(), _topic(topic_id, lock=True), village=current_village(), by=g.user, **data
    )
    return _out(topic), 200


@bp.post("/topics/<int:topic_id>/advance")
@require_role(Role.ADMIN, Role.HOST, Role.SUPERVISOR)
@endpoint(
    body=AdvanceBody,
    responses={200: "the topic's new status"},
    errors=("not_found", "bad_request", "forbidden", "invalid_transition", "in_objection_window"),
)
def advance_topic(topic_id: int, data):
    """Move a topic one step (researched, deliberated, published, implementing, done)."""
    if data["to"] != TopicStatus.DONE.value and not g.user.has_role(Role.ADMIN, Role.HOST):
        abort(403)
    topic = flow.advance(get_session(), _topic(topic_id, lock=True), by=g.user, **data)
    return _out(topic), 200


@bp.post("/topics/<int:topic_id>/research")
@require_role(*HOSTS)
@endpoint(
    body=ResearchBody,
    responses={200: "topic"},
    errors=("not_found", "bad_request", "invalid_transition"),
)
def save_research(topic_id: int, data):
    """议前调研: notes, the parties to hear, the proposal and the notice sent ahead."""
    topic = research.save_research(get_session(), _topic(topic_id, lock=True), by=g.user, **data)
    return _out(topic), 200


@bp.post("/topics/<int:topic_id>/merge")
@require_role(Role.ADMIN)
@endpoint(
    body=MergeBody,
    responses={200: "the topic kept"},
    errors=("not_found", "bad_request", "invalid_transition"),
)
def merge_topic(topic_id: int, data):
    """Fold a duplicate into this topic, keeping every proposer."""
    session = get_session()
    keep = _topic(topic_id, lock=True)
    duplicate = _topic(data["duplicate_id"], lock=True)
    topics.merge(session, keep=keep, duplicate=duplicate, by=g.user)
    return _out(keep), 200


@bp.post("/topics/<int:topic_id>/progress")
@require_role(*HOSTS)
@endpoint(
    body=ProgressBody,
    responses={201: "progress note"},
    errors=("not_found", "bad_request", "invalid_transition"),
)
def add_progress(topic_id: int, data):
    """A dated progress note (with an optional photo) while the topic is being carried out."""
    row = implementation.add_progress(
        get_session(),
        _topic(topic_id, lock=True),
        by=g.user,
        note=data["note"],
        photo_path=store_photo_base64(data["photo"]),
    )
    return {"id": row.id, "note": row.note, "at": iso(row.at)}, 201


@bp.post("/topics/<int:topic_id>/ratings")
@require_role()
@endpoint(
    body=RatingBody,
    responses={201: "rating"},
    errors=("not_found", "bad_request", "forbidden", "invalid_transition", "already_rated"),
    idempotent=True,
)
def rate_topic(topic_id: int, data):
    """民主测评: satisfied, basically_satisfied or dissatisfied; staff may rate for a resident
    without a phone with ``resident_id`` and ``proxy_reason``."""
    session = get_session()
    village = current_village()
    resident = None
    if data["resident_id"] is not None:
        resident = get_resident(session, village.id, data["resident_id"])
    row = ratings.rate(
        session,
        _topic(topic_id, lock=True),
        village=village,
        by=g.user,
        score=data["score"],
        comment=data["comment"],
        resident=resident,
        proxy_reason=data["proxy_reason"],
    )
    return {"id": row.id, "score": row.score.value, "points_awarded": row.points_awarded}, 201


@bp.post("/topics/<int:topic_id>/ratings/close")
@require_role(*REVIEWERS)
@endpoint(
    responses={200: "the round's counts and the topic's status"},
    errors=("not_found", "bad_request", "invalid_transition"),
)
def close_ratings(topic_id: int):
    """End the rating round: below the threshold, back to implementation with the comments."""
    topic = _topic(topic_id, lock=True)
    counts = ratings.close_rating(get_session(), topic, village=current_village(), by=g.user)
    return {"status": topic.status.value, "ratings": counts.as_dict()}, 200


@bp.post("/topics/<int:topic_id>/objections")
@require_role()
@require_resident
@endpoint(
    body=TopicReasonBody,
    responses={201: "objection"},
    errors=("not_found", "not_in_objection_window", "already_objected"),
    idempotent=True,
)
def object_to_topic(topic_id: int, data):
    """A resident objects to a published result inside its window."""
    row = results.object_to(get_session(), _topic(topic_id), by=g.user, reason=data["reason"])
    return objection_dict(row), 201


@bp.post("/topic-objections/<int:objection_id>/decide")
@require_role(*REVIEWERS)
@endpoint(
    body=ObjectionDecisionBody,
    responses={200: "objection"},
    errors=("not_found", "bad_request", "objection_closed"),
)
def decide_topic_objection(objection_id: int, data):
    """Uphold (the publication stops) or dismiss (the explanation is kept with the topic)."""
    session = get_session()
    row = results.get_objection(session, g.actor.village_id, objection_id)
    results.decide_objection(session, row, by=g.user, uphold=data["uphold"], reason=data["reason"])
    return objection_dict(row), 200


@bp.post("/meetings")
@require_role(*HOSTS)
@endpoint(
    body=MeetingBody,
    responses={201: "the meeting (an event) with its agenda"},
    errors=("bad_request", "not_found", "invalid_transition"),
    idempotent=True,
)
def create_meeting(data):
    """协商议事: a meeting (an event with QR check-in) made from one or more topics."""
    session = get_session()
    event = results.create_meeting(session, village=current_village(), by=g.user, **data)
    out = event_dict(event)
    out["agenda"] = [item.topic_id for item in results.agenda(session, event.id)]
    return out, 201


@bp.get("/village/deliberation-settings")
@require_role()
@endpoint(responses={200: "the village's deliberation settings"})
def get_deliberation_settings():
    """五议 categories, 三不议 reasons, the publication window and the threshold."""
    row = settings.current_settings(get_session(), g.actor.village_id)
    return settings.settings_dict(row), 200


@bp.post("/village/deliberation-settings")
@require_role(Role.ADMIN)
@endpoint(body=SettingsBody, responses={200: "settings"}, errors=("bad_request",))
def update_deliberation_settings(data):
    """Change the village's deliberation settings (publication_days 0-30, default 5)."""
    row = settings.update_settings(get_session(), village_id=g.actor.village_id, by=g.user, **data)
    return settings.settings_dict(row), 200


@bp.post("/visits")
@require_role(*HOSTS)
@endpoint(body=VisitBody, responses={201: "visit"}, errors=("bad_request", "not_found"))
def log_visit(data):
    """民情日志: a visit to a household and what was raised there."""
    row = visits.log_visit(get_session(), village=current_village(), by=g.user, **data)
    return visit_dict(row), 201


@bp.get("/visits")
@require_role(*STAFF)
@endpoint(responses={200: "visits, newest first"})
def list_visits():
    """The village's visit log."""
    rows = visits.list_visits(get_session(), g.actor.village_id)
    return list_response([visit_dict(v) for v in rows], None), 200


@bp.post("/visits/<int:visit_id>/topic")
@require_role(*HOSTS)
@endpoint(responses={201: "the topic raised"}, errors=("not_found",))
def raise_topic(visit_id: int):
    """The matter raised on a visit becomes a topic (once)."""
    session = get_session()
    visit = visits.get_visit(session, g.actor.village_id, visit_id)
    topic = visits.raise_topic(session, visit, village=current_village(), by=g.user)
    return {"id": topic.id, "status": topic.status.value}, 201
