"""Meetings of a kind: scheduling, the meeting page with its live quorum and the vote form;
the 四议两公开 record; escalations and the county's queue where the officer answers."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.deliberation.routes import HOSTS, bp
from app.security import STAFF, current_village, require_county_officer, require_role
from app.topics.routes import run
from points import events, rules
from points.deliberation import (
    chain,
    escalations,
    meetings,
    participation,
    results,
    topics,
    votes,
)
from points.deliberation.models import Topic
from points.errors import ValidationFailed
from points.models import Role
from points.villages import village_zone


def _when(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value or "").replace(tzinfo=village_zone(current_village()))
    except ValueError:
        raise ValidationFailed({field: "not a valid date"}) from None


def _chosen(form) -> list[int]:
    ids = [int(i) for i in form.getlist("topic_ids") if i.isdigit()]
    if not ids and request.args.get("topic", "").isdigit():
        ids = [int(request.args["topic"])]
    return ids


@bp.route("/meetings/new", methods=["GET", "POST"])
@require_role(*HOSTS)
def meeting_new():
    session = get_session()
    village = current_village()
    form = request.form

    def page():
        return render_template(
            "deliberation/meeting_new.html",
            candidates=[
                t
                for t in topics.list_topics(session, village.id, limit=100).items
                if t.status in results.AGENDA_STATUSES
            ],
            rules=[r for r in rules.list_rules(session, village.id) if r.active],
            form=form,
            chosen=_chosen(form),
        )

    if request.method == "GET":
        return page()

    def action(s):
        rule_id = form.get("rule_id", "")
        return meetings.create(
            s,
            village=village,
            by=g.user,
            kind=form.get("kind"),
            topic_ids=[int(i) for i in form.getlist("topic_ids") if i.isdigit()],
            title=form.get("title"),
            starts_at=_when(form.get("starts_at"), "starts_at"),
            ends_at=_when(form.get("ends_at"), "ends_at"),
            rule_id=int(rule_id) if rule_id.isdigit() else None,
            location=form.get("location", ""),
            notice=form.get("notice", ""),
        )

    meeting, failed = run(action, fail_to=page)
    if failed:
        return failed
    flash(_("Meeting scheduled."), "ok")
    return redirect(url_for("delib.meeting_detail", meeting_id=meeting.id))


def _meeting(meeting_id: int):
    return meetings.get(get_session(), g.user.village_id, meeting_id)


@bp.get("/meetings/<int:meeting_id>")
@require_role(*STAFF)
def meeting_detail(meeting_id: int):
    session = get_session()
    m = _meeting(meeting_id)
    event = meetings.event_of(session, m)
    agenda = results.agenda(session, event.id)
    return render_template(
        "deliberation/meeting.html",
        meeting=m,
        event=event,
        quorum=meetings.quorum(session, m, event),
        called=meetings.called_names(session, m, event),
        agenda=[
            (a, votes.vote_of(session, a), chain.of_topic(session, a.topic_id)) for a in agenda
        ],
        summary=votes.summary,
    )


@bp.get("/meetings/<int:meeting_id>/quorum.json")
@require_role(*STAFF)
def meeting_quorum(meeting_id: int):
    """The quorum now, for the meeting page's refresh."""
    return jsonify(meetings.quorum(get_session(), _meeting(meeting_id)).as_dict())


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/count")
@require_role(*HOSTS)
def meeting_count(meeting_id: int, item_id: int):
    session = get_session()
    m = _meeting(meeting_id)
    form = request.form

    def number(name):
        value = (form.get(name) or "0").strip()
        if not value.isdigit():
            raise ValidationFailed({name: "must be a whole number"})
        return int(value)

    def action(s):
        events.get_event(s, m.village_id, m.event_id, lock=True)
        item = votes.item_of(s, m, item_id)
        return votes.record_count(
            s,
            m,
            item,
            by=g.user,
            votes_for=number("for"),
            against=number("against"),
            abstain=number("abstain"),
            minutes=form.get("minutes"),
            result=form.get("result"),
        )

    _vote, failed = run(action, fail_to=lambda: meeting_detail(meeting_id))
    if failed:
        return failed
    session.expire_all()
    flash(_("The vote is recorded."), "ok")
    return redirect(url_for("delib.meeting_detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/duty")
@require_role(*HOSTS)
def meeting_duty(meeting_id: int):
    """Post the members' duty points for the meeting (once, after it has ended)."""
    m = _meeting(meeting_id)
    made, failed = run(
        lambda s: participation.settle_duty(s, m, by=g.user),
        fail_to=lambda: meeting_detail(meeting_id),
    )
    if failed:
        return failed
    flash(_("Duty points posted for %(n)d members.", n=made), "ok")
    return redirect(url_for("delib.meeting_detail", meeting_id=meeting_id))


# ---------------------------------------------------------------- 四议两公开


@bp.post("/topics/<int:topic_id>/chain")
@require_role(Role.ADMIN)
def chain_start(topic_id: int):
    topic = topics.get_topic(get_session(), g.user.village_id, topic_id)
    c, _failed = run(
        lambda s: chain.start(s, topic, by=g.user, category=request.form.get("category"))
    )
    return redirect(url_for("delib.chain_detail", chain_id=c.id))


def _chain_page(c):
    session = get_session()
    topic = session.get(Topic, c.topic_id)
    held = [
        (m, e)
        for m, e in meetings.listing(session, c.village_id)
        if any(a.topic_id == topic.id for a in results.agenda(session, e.id))
    ]
    return render_template(
        "deliberation/chain.html",
        chain=c,
        topic=topic,
        village=current_village(),
        sheet=chain.record_sheet(session, c),
        next_stage=chain.next_stage(c),
        held=held,
        labels=chain.LABELS,
    )


@bp.get("/chains/<int:chain_id>")
@require_role()
def chain_detail(chain_id: int):
    return _chain_page(chain.get(get_session(), g.user.village_id, chain_id))


@bp.post("/chains/<int:chain_id>/stages")
@require_role(Role.ADMIN)
def chain_stage(chain_id: int):
    c = chain.get(get_session(), g.user.village_id, chain_id)
    form = request.form
    event_id = form.get("event_id", "")
    _row, failed = run(
        lambda s: chain.record(
            s,
            c,
            by=g.user,
            stage=form.get("stage"),
            event_id=int(event_id) if event_id.isdigit() else None,
            note=form.get("note", ""),
        ),
        fail_to=lambda: _chain_page(c),
    )
    if failed:
        return failed
    return redirect(url_for("delib.chain_detail", chain_id=c.id))


# ---------------------------------------------------------------- escalation


@bp.post("/topics/<int:topic_id>/escalate")
@require_role(Role.ADMIN)
def escalate(topic_id: int):
    topic = topics.get_topic(get_session(), g.user.village_id, topic_id)
    run(
        lambda s: escalations.escalate(
            s, topic, by=g.user, level=request.form.get("level"), reason=request.form.get("reason")
        )
    )
    flash(_("Sent."), "ok")
    return redirect(url_for("topics.topic_detail", topic_id=topic.id))


@bp.app_template_global()
def county_meeting_rates(table):
    """Attendance per meeting kind in each village of the county table's month."""
    return participation.county_rates(get_session(), [r.village for r in table.rows], table.month)


@bp.get("/county/escalations")
@require_county_officer
def county_queue():
    rows = escalations.county_queue(get_session(), g.user.county_id)
    return render_template("deliberation/county_queue.html", rows=rows, levels=escalations.LEVELS)


@bp.post("/county/escalations/<int:escalation_id>/answer")
@require_county_officer
def county_answer(escalation_id: int):
    row = escalations.get_for_county(get_session(), g.user.county_id, escalation_id)
    _r, failed = run(
        lambda s: escalations.answer(s, row, by=g.user, text=request.form.get("answer"))
    )
    if failed:
        abort(400)
    flash(_("Answer sent."), "ok")
    return redirect(url_for("delib.county_queue"))
