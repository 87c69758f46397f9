"""The forms of a topic's page: each step posts here, makes one domain call and returns to
the topic (or shows it again with the reason and a 4xx)."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.awards.shared import store_photo_bytes
from app.security import current_village, require_resident, require_role
from app.topics.routes import HOSTS, _on_behalf, bp, render_detail, run
from points.deliberation import (
    implementation,
    ratings,
    research,
    results,
    screening,
    topics,
)
from points.errors import ValidationFailed
from points.models import Role
from points.residents import get_resident

REVIEWERS = (Role.ADMIN, Role.SUPERVISOR)


def _step(topic_id: int, action, done_message: str):
    """Lock the topic, run ``action(session, topic)``, and go back to the topic's page."""
    village = current_village()

    def call(session):
        topic = topics.get_topic(session, village.id, topic_id, lock=True)
        return action(session, topic)

    _result, failed = run(call, fail_to=lambda: render_detail(topic_id)[0])
    if failed:
        return failed
    flash(done_message, "ok")
    return redirect(url_for("topics.topic_detail", topic_id=topic_id))


def _form(name: str) -> str:
    return request.form.get(name) or ""


def _int(name: str) -> int | None:
    value = request.form.get(name) or ""
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        return None


@bp.post("/<int:topic_id>/decide")
@require_role(Role.ADMIN)
def decide(topic_id: int):
    accept = _form("accept") == "1"
    reason = _form("reason_other").strip() or _form("reason")
    village = current_village()
    return _step(
        topic_id,
        lambda s, t: screening.decide(
            s,
            t,
            village=village,
            by=g.user,
            accept=accept,
            category=_form("category"),
            reason=reason,
            size=_form("size") or None,
            urgent=_form("urgent") == "1" if accept else None,
            form=_form("form") or None,
        ),
        _("The topic is accepted.") if accept else _("The topic is declined."),
    )


@bp.post("/<int:topic_id>/merge")
@require_role(Role.ADMIN)
def merge(topic_id: int):
    village = current_village()

    def action(session, keep):
        duplicate_id = _int("duplicate_id")
        if duplicate_id is None:
            raise ValidationFailed({"duplicate_id": "another topic of the village"})
        duplicate = topics.get_topic(session, village.id, duplicate_id, lock=True)
        return topics.merge(session, keep=keep, duplicate=duplicate, by=g.user)

    return _step(topic_id, action, _("The duplicate is merged into this topic."))


@bp.post("/<int:topic_id>/research")
@require_role(*HOSTS)
def save_research(topic_id: int):
    def action(session, topic):
        research.save_research(
            session,
            topic,
            by=g.user,
            research_notes=_form("research_notes"),
            parties=_form("parties"),
            proposal=_form("proposal"),
            notice=_form("notice"),
            form=_form("form") or None,
        )
        if _form("complete") == "1":
            research.complete_research(session, topic, by=g.user)

    return _step(topic_id, action, _("Research saved."))


@bp.post("/<int:topic_id>/result")
@require_role(*HOSTS)
def record_result(topic_id: int):
    """The outcome: at a meeting (passed or not), or a small matter by two members."""
    event_id = _int("event_id")

    def action(session, topic):
        if event_id is not None and _form("passed") == "0":
            return results.record_not_passed(
                session,
                topic,
                by=g.user,
                event_id=event_id,
                minutes=_form("minutes"),
                result=_form("result"),
            )
        return results.decide_result(
            session,
            topic,
            by=g.user,
            result=_form("result"),
            note=_form("note"),
            event_id=event_id,
            minutes=_form("minutes"),
            cosigner_id=_int("cosigner_id"),
        )

    return _step(topic_id, action, _("The outcome is recorded."))


@bp.post("/<int:topic_id>/publish")
@require_role(Role.ADMIN)
def publish(topic_id: int):
    return _step(
        topic_id,
        lambda s, t: results.publish(s, t, by=g.user),
        _("The result is posted on the notice board."),
    )


@bp.post("/<int:topic_id>/object")
@require_role()
@require_resident
def object_to(topic_id: int):
    return _step(
        topic_id,
        lambda s, t: results.object_to(s, t, by=g.user, reason=_form("reason")),
        _("Your objection is filed. The supervisors will answer it."),
    )


@bp.post("/objections/<int:objection_id>/decide")
@require_role(*REVIEWERS)
def decide_objection(objection_id: int):
    village = current_village()

    def call(session):
        row = results.get_objection(session, village.id, objection_id)
        results.decide_objection(
            session, row, by=g.user, uphold=_form("uphold") == "1", reason=_form("reason")
        )
        return row

    row, failed = run(call)
    flash(_("The objection is decided."), "ok")
    return redirect(url_for("topics.topic_detail", topic_id=row.topic_id))


@bp.post("/<int:topic_id>/explanation")
@require_role(*REVIEWERS)
def explanation(topic_id: int):
    return _step(
        topic_id,
        lambda s, t: results.set_explanation(s, t, by=g.user, text=_form("explanation")),
        _("The explanation is saved."),
    )


@bp.post("/<int:topic_id>/implement")
@require_role(*HOSTS)
def implement(topic_id: int):
    return _step(
        topic_id,
        lambda s, t: implementation.start(
            s, t, by=g.user, owner=_form("owner"), deadline=_date("deadline"), note=_form("note")
        ),
        _("Implementation has started."),
    )


@bp.post("/<int:topic_id>/progress")
@require_role(*HOSTS)
def progress(topic_id: int):
    def action(session, topic):
        upload = request.files.get("photo")
        photo = store_photo_bytes(upload.read()) if upload and upload.filename else None
        return implementation.add_progress(
            session, topic, by=g.user, note=_form("note"), photo_path=photo
        )

    return _step(topic_id, action, _("Progress note added."))


@bp.post("/<int:topic_id>/sign-off")
@require_role(*REVIEWERS)
def sign_off(topic_id: int):
    return _step(
        topic_id,
        lambda s, t: implementation.sign_off(s, t, by=g.user, note=_form("note")),
        _("Signed off as done. Residents can now rate it."),
    )


@bp.post("/<int:topic_id>/rate")
@require_role()
def rate(topic_id: int):
    village = current_village()

    def action(session, topic):
        resident = None
        rid = _int("resident_id")
        if rid is not None:
            resident = get_resident(session, village.id, rid)
        elif _form("household") and g.user.is_staff:
            resident = _on_behalf(session, village.id)
        return ratings.rate(
            session,
            topic,
            village=village,
            by=g.user,
            score=_form("score"),
            comment=_form("comment"),
            resident=resident,
            proxy_reason=_form("proxy_reason"),
        )

    return _step(topic_id, action, _("Thank you for your rating."))


@bp.post("/<int:topic_id>/close-rating")
@require_role(*REVIEWERS)
def close_rating(topic_id: int):
    village = current_village()
    return _step(
        topic_id,
        lambda s, t: ratings.close_rating(s, t, village=village, by=g.user),
        _("The rating round is closed."),
    )
