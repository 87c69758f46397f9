"""Staff pages of deliberation: the 民情日志 visit log, meetings made from topics, and the
village's deliberation settings."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.security import STAFF, current_village, require_role
from app.topics.routes import HOSTS, _on_behalf, bp, run
from points import rules
from points.deliberation import results, settings, topics, visits
from points.deliberation.models import TopicStatus
from points.errors import ValidationFailed
from points.models import Role
from points.villages import village_today, village_zone


@bp.route("/visits", methods=["GET", "POST"])
@require_role(*STAFF)
def visit_log():
    session = get_session()
    village = current_village()
    form = request.form

    def page():
        return render_template(
            "topics/visits.html",
            visits=visits.list_visits(session, village.id),
            form=form,
            today=village_today(village),
        )

    if request.method == "GET":
        return page()
    if not g.user.has_role(*HOSTS):
        abort(403)

    def action(s):
        person = _on_behalf(s, village.id)  # the named member, or the head
        named = bool((form.get("resident_name") or "").strip())
        try:
            day = (
                date.fromisoformat(form.get("visited_on") or "") if form.get("visited_on") else None
            )
        except ValueError:
            raise ValidationFailed({"visited_on": "not a valid date"}) from None
        return visits.log_visit(
            s,
            village=village,
            by=g.user,
            household_id=person.household_id,
            resident_id=person.id if named else None,
            raised=form.get("raised"),
            visited_on=day,
        )

    _row, failed = run(action, fail_to=page)
    if failed:
        return failed
    flash(_("Visit recorded."), "ok")
    return redirect(url_for("topics.visit_log"))


@bp.post("/visits/<int:visit_id>/topic")
@require_role(*HOSTS)
def visit_to_topic(visit_id: int):
    village = current_village()

    def action(s):
        return visits.raise_topic(
            s, visits.get_visit(s, village.id, visit_id), village=village, by=g.user
        )

    topic, _failed = run(action)
    flash(_("The matter is now a topic."), "ok")
    return redirect(url_for("topics.topic_detail", topic_id=topic.id))


def _local(value: str | None, village):
    try:
        return datetime.fromisoformat(value or "").replace(tzinfo=village_zone(village))
    except ValueError:
        return value


@bp.route("/meetings/new", methods=["GET", "POST"])
@require_role(*HOSTS)
def meeting_new():
    session = get_session()
    village = current_village()
    form = request.form
    chosen = {int(i) for i in request.values.getlist("topic_ids") if i.isdigit() and len(i) < 10}
    candidates = topics.list_topics(
        session, village.id, statuses=results.AGENDA_STATUSES, limit=200
    ).items
    meeting_rules = [
        r for r in rules.list_rules(session, village.id, active_only=True) if r.latest.points > 0
    ]

    def page():
        return render_template(
            "topics/meeting_new.html",
            candidates=candidates,
            chosen=chosen,
            rules=meeting_rules,
            form=form,
        )

    if request.method == "GET":
        return page()

    def action(s):
        rule_id = form.get("rule_id") or ""
        return results.create_meeting(
            s,
            village=village,
            by=g.user,
            topic_ids=[t.id for t in candidates if t.id in chosen] or sorted(chosen),
            title=form.get("title"),
            starts_at=_local(form.get("starts_at"), village),
            ends_at=_local(form.get("ends_at"), village),
            rule_id=int(rule_id) if rule_id.isdigit() and len(rule_id) < 10 else None,
            location=form.get("location") or "",
        )

    event, failed = run(action, fail_to=page)
    if failed:
        return failed
    flash(_("The meeting is scheduled. Open it for QR check-in when it starts."), "ok")
    return redirect(url_for("host.event_detail", event_id=event.id))


def _lines(name: str) -> list[str] | None:
    text = request.form.get(name)
    return None if text is None else [line for line in text.splitlines() if line.strip()]


def _number(name: str):
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 4 else -1


@bp.route("/settings", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def settings_page():
    session = get_session()
    village = current_village()
    point_rules = [
        r for r in rules.list_rules(session, village.id, active_only=True) if r.latest.points > 0
    ]

    def page():
        return render_template(
            "topics/settings.html",
            row=settings.current_settings(session, village.id),
            rules=point_rules,
        )

    if request.method == "GET":
        return page()

    def rule_field(name):
        value = request.form.get(name) or ""
        return int(value) if value.isdigit() and len(value) < 10 else None

    def action(s):
        return settings.update_settings(
            s,
            village_id=village.id,
            by=g.user,
            publication_days=_number("publication_days"),
            satisfaction_threshold=_number("satisfaction_threshold"),
            categories=_lines("categories"),
            decline_reasons=_lines("decline_reasons"),
            proposal_rule_id=rule_field("proposal_rule_id"),
            rating_rule_id=rule_field("rating_rule_id"),
        )

    _row, failed = run(action, fail_to=page)
    if failed:
        return failed
    flash(_("Settings saved."), "ok")
    return redirect(url_for("topics.settings_page"))


__all__ = ["TopicStatus"]
