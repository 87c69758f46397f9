"""Bodies (议事协商委员会 and the others) with their wall sheet, and the representatives'
roster, nominations and signatures."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.security import STAFF, current_village, require_role
from app.topics.routes import _on_behalf, run
from points.deliberation import bodies, meeting_settings, meetings, representatives
from points.deliberation.body_models import BODY_KINDS, MEETING_KINDS, MEMBER_ROLES, X_KINDS
from points.errors import ValidationFailed
from points.models import Group, Role
from points.residents import find_household_by_number
from points.villages import village_today

bp = Blueprint("delib", __name__, url_prefix="/deliberation")
HOSTS = (Role.HOST, Role.ADMIN)


@bp.app_context_processor
def _names():
    return {
        "BODY_KINDS": BODY_KINDS,
        "MEETING_KINDS": MEETING_KINDS,
        "MEMBER_ROLES": MEMBER_ROLES,
        "X_KINDS": X_KINDS,
    }


@bp.app_template_global()
def topic_chain(topic_id: int):
    from points.deliberation import chain

    return chain.of_topic(get_session(), topic_id)


@bp.app_template_global()
def topic_escalations(topic_id: int):
    from points.deliberation import escalations

    return escalations.of_topic(get_session(), topic_id)


@bp.app_template_global()
def major_categories():
    return meeting_settings.current(get_session(), g.user.village_id).major_categories


@bp.app_template_global()
def participation_rates():
    from points.deliberation import participation

    village = current_village()
    session = get_session()
    return {
        "kinds": participation.kind_rates(session, village),
        "reps": participation.representative_rates(session, village),
    }


@bp.get("/")
@require_role(*STAFF)
def index():
    session = get_session()
    village = current_village()
    today = village_today(village)
    return render_template(
        "deliberation/index.html",
        bodies=bodies.list_bodies(session, village.id),
        term=representatives.current_term(session, village.id, today),
        meetings=meetings.listing(session, village.id, limit=30),
        settings=meeting_settings.as_dict(meeting_settings.current(session, village.id)),
    )


@bp.post("/bodies")
@require_role(Role.ADMIN)
def body_create():
    village = current_village()
    form = request.form

    def action(s):
        return bodies.create_body(
            s,
            village=village,
            by=g.user,
            kind=form.get("kind"),
            name=form.get("name"),
            honorary_head=form.get("honorary_head"),
            rules_text=form.get("rules_text"),
        )

    body, _failed = run(action)
    flash(_("Saved."), "ok")
    return redirect(url_for("delib.body_detail", body_id=body.id))


def _body(body_id: int):
    return bodies.get_body(get_session(), g.user.village_id, body_id)


def _body_page(body, form=None, template="deliberation/body.html"):
    session = get_session()
    village = current_village()
    today = village_today(village)
    return render_template(
        template,
        body=body,
        village=village,
        today=today,
        current=bodies.current_members(session, body, today),
        members=bodies.all_members(session, body),
        talents=bodies.talents(session, village.id),
        form=form or {},
    )


@bp.get("/bodies/<int:body_id>")
@require_role()
def body_detail(body_id: int):
    return _body_page(_body(body_id))


@bp.get("/bodies/<int:body_id>/sheet")
@require_role()
def body_sheet(body_id: int):
    """公示上墙: the members and the rules on one A4 sheet."""
    return _body_page(_body(body_id), template="deliberation/body_sheet.html")


@bp.post("/bodies/<int:body_id>/rules")
@require_role(Role.ADMIN)
def body_rules(body_id: int):
    body = _body(body_id)
    form = request.form
    run(
        lambda s: bodies.update_body(
            s,
            body,
            by=g.user,
            honorary_head=form.get("honorary_head", ""),
            rules_text=form.get("rules_text", ""),
        ),
        fail_to=lambda: _body_page(body, form),
    )
    flash(_("Saved."), "ok")
    return redirect(url_for("delib.body_detail", body_id=body.id))


@bp.post("/bodies/<int:body_id>/members")
@require_role(Role.ADMIN)
def body_member_add(body_id: int):
    body = _body(body_id)
    form = request.form

    def action(s):
        resident = _on_behalf(s, body.village_id) if form.get("household") else None
        topic_id = form.get("topic_id") or None
        talent_id = form.get("talent_id") or None
        return bodies.add_member(
            s,
            body,
            by=g.user,
            role=form.get("role"),
            resident_id=resident.id if resident else None,
            name=form.get("name"),
            organisation=form.get("organisation"),
            phone=form.get("phone"),
            duty=form.get("duty"),
            term_start=form.get("term_start"),
            term_end=form.get("term_end"),
            by_election=form.get("by_election") == "1",
            x_kind=form.get("x_kind") or "",
            topic_id=int(topic_id) if topic_id and topic_id.isdigit() else None,
            talent_id=int(talent_id) if talent_id and talent_id.isdigit() else None,
        )

    _row, failed = run(action, fail_to=lambda: _body_page(body, form))
    if failed:
        return failed
    flash(_("Member added."), "ok")
    return redirect(url_for("delib.body_detail", body_id=body.id))


@bp.post("/bodies/<int:body_id>/members/<int:member_id>/leave")
@require_role(Role.ADMIN)
def body_member_leave(body_id: int, member_id: int):
    body = _body(body_id)
    member = bodies.get_member(get_session(), body, member_id)
    run(
        lambda s: bodies.remove_member(
            s, member, by=g.user, on=request.form.get("left_on"), village_id=body.village_id
        ),
        fail_to=lambda: _body_page(body),
    )
    return redirect(url_for("delib.body_detail", body_id=body.id))


@bp.post("/talents")
@require_role(Role.ADMIN)
def talent_add():
    form = request.form
    run(
        lambda s: bodies.add_talent(
            s,
            village=current_village(),
            by=g.user,
            name=form.get("name"),
            organisation=form.get("organisation"),
            phone=form.get("phone"),
            skills=form.get("skills"),
        )
    )
    flash(_("Saved."), "ok")
    return redirect(request.referrer or url_for("delib.index"))


# ---------------------------------------------------------------- representatives


@bp.get("/representatives")
@require_role()
def roster():
    session = get_session()
    village = current_village()
    today = village_today(village)
    term_id = request.args.get("term", type=int)
    all_terms = representatives.terms(session, village.id)
    term = (
        representatives.get_term(session, village.id, term_id)
        if term_id
        else representatives.current_term(session, village.id, today)
    )
    groups = {grp.id: grp.name for grp in session.query(Group).filter_by(village_id=village.id)}
    by_group = defaultdict(list)
    for n in representatives.roster(session, term):
        by_group[groups.get(n.group_id, "—")].append(n)
    return render_template(
        "deliberation/representatives.html",
        village=village,
        terms=all_terms,
        term=term,
        by_group=sorted(by_group.items()),
        nominations=representatives.nominations(session, term) if term and g.user.is_staff else [],
        groups=groups,
        current=term is not None and representatives.is_current(term, today),
        need=meeting_settings.current(session, village.id).households_per_representative,
    )


def _back(term_id=None):
    return redirect(url_for("delib.roster", term=term_id) if term_id else url_for("delib.roster"))


@bp.post("/representatives/terms")
@require_role(Role.ADMIN)
def term_create():
    form = request.form
    term, _failed = run(
        lambda s: representatives.create_term(
            s,
            village=current_village(),
            by=g.user,
            name=form.get("name"),
            starts_on=form.get("starts_on"),
            ends_on=form.get("ends_on"),
        )
    )
    return _back(term.id)


@bp.post("/representatives/terms/<int:term_id>/end")
@require_role(Role.ADMIN)
def term_end(term_id: int):
    term = representatives.get_term(get_session(), g.user.village_id, term_id)
    run(lambda s: representatives.end_term(s, term, by=g.user))
    flash(_("The term has ended: its representatives are no longer called."), "ok")
    return _back(term.id)


@bp.post("/representatives/terms/<int:term_id>/nominate")
@require_role(Role.ADMIN)
def nominate(term_id: int):
    term = representatives.get_term(get_session(), g.user.village_id, term_id)

    def action(s):
        person = _on_behalf(s, term.village_id)
        return representatives.nominate(s, term, by=g.user, resident_id=person.id)

    run(action)
    return _back(term.id)


@bp.post("/representatives/nominations/<int:nomination_id>/sign")
@require_role(*HOSTS)
def sign(nomination_id: int):
    n = representatives.get_nomination(get_session(), g.user.village_id, nomination_id)

    def action(s):
        number = (request.form.get("household") or "").strip()
        household = find_household_by_number(s, n.village_id, number) if number else None
        if household is None:
            raise ValidationFailed({"household": "unknown household number"})
        return representatives.sign(s, n, by=g.user, household_id=household.id)

    run(action)
    flash(_("Signature recorded."), "ok")
    return _back(n.term_id)


@bp.post("/representatives/nominations/<int:nomination_id>/confirm")
@require_role(Role.ADMIN)
def confirm(nomination_id: int):
    n = representatives.get_nomination(get_session(), g.user.village_id, nomination_id)
    try:
        present = int(request.form.get("present", ""))
        votes_for = int(request.form.get("votes_for", ""))
    except ValueError:
        flash(_("Enter whole numbers."), "error")
        abort(400)
    run(lambda s: representatives.confirm(s, n, by=g.user, present=present, votes_for=votes_for))
    return _back(n.term_id)


from app.deliberation import meeting_pages  # noqa: E402,F401  (registers its routes)
