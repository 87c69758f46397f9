"""The deliberation pages (议事协商): the topic list, raising a topic, and a topic's page
with the step its status allows. The steps' forms post to :mod:`app.topics.steps`; the visit
log, meetings and settings are in :mod:`app.topics.work`, the registers in
:mod:`app.topics.registers`."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.awards.shared import store_photo_bytes, uploads_dir
from app.db import get_session
from app.errors import message_for
from app.security import current_village, require_role
from app.topics import labels
from points import evidence
from points.deliberation import implementation, ratings, results, settings, topics
from points.deliberation.models import TopicProgress, TopicSource, TopicStatus
from points.errors import DomainError, ValidationFailed
from points.models import Role
from points.residents import find_household_by_number
from points.villages import village_today

bp = Blueprint("topics", __name__, url_prefix="/topics")
HOSTS = (Role.HOST, Role.ADMIN)

FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("What and where"),
    "category": _l("Category"),
    "reason": _l("Reason"),
    "result": _l("Result"),
    "note": _l("Note"),
    "cosigner_id": _l("Second committee member"),
    "owner": _l("Owner"),
    "deadline": _l("Deadline"),
    "proposal": _l("Proposal"),
    "score": _l("Rating"),
    "proxy_reason": _l("Why staff record this rating"),
    "raised": _l("What was raised"),
    "household": _l("Household"),
    "photo": _l("Photo"),
}


@bp.app_context_processor
def _labels():
    return {"topic_labels": labels}


@bp.app_template_global()
def meeting_agenda(event_id: int):
    """A meeting's agenda (the topics it deliberates), for the event's page."""
    return results.agenda(get_session(), event_id)


@bp.app_template_global()
def posted_topics():
    """Results posted for objections, for the village's notice board."""
    return results.posted(get_session(), g.user.village_id)


@bp.get("/progress/<int:progress_id>/photo")
@require_role()
def progress_photo(progress_id: int):
    row = get_session().get(TopicProgress, progress_id)
    if row is None:
        abort(404)
    topics.get_topic(get_session(), g.user.village_id, row.topic_id)  # 404 for another village
    return _photo_response(row.photo_path)


def _photo_response(relative: str | None):
    path = evidence.resolve(uploads_dir(), relative) if relative else None
    if path is None:
        abort(404)
    mimetype = evidence.MEDIA_TYPES[path.suffix.lstrip(".")]
    return Response(
        path.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "private, no-store"}
    )


def error_text(exc: DomainError) -> str:
    """One line for a flash: the fields and their messages, or the code's message."""
    if isinstance(exc, ValidationFailed):
        parts = []
        for name, msg in exc.fields.items():
            label = FIELD_LABELS.get(name)
            parts.append(f"{label}：{_(msg)}" if label else _(msg))
        return "；".join(parts)
    return message_for(exc.code)


def run(action, *, fail_to=None):
    """Run one domain call: commit and return its result, or roll back, flash the reason and
    answer with the error's status (rendering ``fail_to``, a callable giving the page)."""
    session = get_session()
    try:
        result = action(session)
    except DomainError as exc:
        session.rollback()
        flash(error_text(exc), "error")
        if fail_to is None:
            abort(exc.status)
        return None, (fail_to(), exc.status)
    session.commit()
    return result, None


def _view_args() -> dict:
    village = current_village()
    return {"village": village, "today": village_today(village)}


@bp.get("/")
@require_role()
def topic_list():
    session = get_session()
    village = current_village()
    status = request.args.get("status") or None
    mine = request.args.get("mine") == "1"
    try:
        status_value = TopicStatus(status) if status else None
    except ValueError:
        abort(400)
    statuses = None
    if status_value is None and not mine and g.user.is_staff:
        statuses = topics.OPEN_STATUSES
    page = topics.list_topics(
        session,
        village.id,
        status=status_value,
        statuses=statuses,
        resident_id=g.user.resident_id if mine else None,
        limit=100,
        cursor=request.args.get("cursor"),
    )
    overdue = implementation.overdue(session, village) if g.user.is_staff else []
    return render_template(
        "topics/list.html",
        items=page.items,
        next_cursor=page.next_cursor,
        status=status,
        mine=mine,
        overdue=overdue,
        age=lambda t: topics.age_days(t, village),
        **_view_args(),
    )


def _on_behalf(session, village_id: int):
    number = (request.form.get("household") or "").strip()
    name = (request.form.get("resident_name") or "").strip()
    household = find_household_by_number(session, village_id, number) if number else None
    if household is None:
        raise ValidationFailed({"household": "unknown household number"})
    members = household.active_members
    chosen = [m for m in members if m.name == name] if name else [household.head]
    if not chosen or chosen[0] is None:
        raise ValidationFailed({"household": "a member of the household"})
    return chosen[0]


@bp.route("/new", methods=["GET", "POST"])
@require_role()
def topic_new():
    staff = g.user.is_staff
    if not staff and g.user.resident is None:
        abort(403)
    form = request.form

    def page():
        return render_template(
            "topics/new.html", staff=staff, form=form, sources=list(TopicSource)[1:]
        )

    if request.method == "GET":
        return page()
    village = current_village()

    def action(session):
        on_behalf = None
        if staff and (form.get("household") or g.user.resident is None):
            on_behalf = _on_behalf(session, village.id)
        upload = request.files.get("photo")
        photo = store_photo_bytes(upload.read()) if upload and upload.filename else None
        return topics.submit(
            session,
            village=village,
            by=g.user,
            title=form.get("title"),
            description=form.get("description"),
            place=form.get("place"),
            size=form.get("size") or None,
            urgent=form.get("urgent") == "1",
            source=form.get("source") or None,
            on_behalf_of=on_behalf,
            photo_path=photo,
        )

    topic, failed = run(action, fail_to=page)
    if failed:
        return failed
    flash(_("Topic received. You can follow it here."), "ok")
    return redirect(url_for("topics.topic_detail", topic_id=topic.id))


@bp.get("/<int:topic_id>")
@require_role()
def topic_detail(topic_id: int):
    return render_detail(topic_id)


def render_detail(topic_id: int, status: int = 200):
    session = get_session()
    village = current_village()
    topic = topics.get_topic(session, village.id, topic_id)
    staff = g.user.is_staff
    args = _view_args()
    committee = []
    if g.user.has_role(Role.ADMIN):
        members = results.committee_members(session, village.id)
        committee = [u for u in members if u.id != g.user.id]
    context = {
        "topic": topic,
        "staff": staff,
        "age": topics.age_days(topic, village),
        "overdue": topics.is_overdue(topic, args["today"]),
        "settings": settings.current_settings(session, village.id),
        "tally": ratings.tally(session, topic),
        "my_rating": ratings.rating_of(session, topic, g.user.resident_id),
        "progress": implementation.progress(session, topic.id),
        "meetings": results.meetings_of(session, topic.id),
        "objections": results.objections(session, topic.id),
        "in_window": results.in_window(topic),
        "is_proposer": g.user.resident_id in topics.proposer_ids(topic),
        "committee": committee,
        "duplicates": [
            t
            for t in topics.list_topics(
                session, village.id, status=TopicStatus.COLLECTED, limit=100
            ).items
            if t.id != topic.id
        ]
        if topic.status == TopicStatus.COLLECTED and g.user.has_role(Role.ADMIN)
        else [],
        "ratings_list": ratings.ratings(session, topic) if staff else [],
        **args,
    }
    return render_template("topics/detail.html", **context), status


@bp.get("/<int:topic_id>/notice")
@require_role()
def topic_notice(topic_id: int):
    """The printable notice sent ahead of the meeting (议前告知)."""
    topic = topics.get_topic(get_session(), g.user.village_id, topic_id)
    return render_template("topics/notice.html", topic=topic, **_view_args())


@bp.get("/<int:topic_id>/photo")
@require_role()
def topic_photo(topic_id: int):
    topic = topics.get_topic(get_session(), g.user.village_id, topic_id)
    return _photo_response(topic.photo_path)


from app.topics import registers, steps, work  # noqa: E402,F401
