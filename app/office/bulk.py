"""Bulk award (批量加分): one rule to many residents, picked by 村民小组, by attendance at an
event, or by search. Every award goes through the award service (review rules apply); a
submission is recorded once, however often the form is sent."""

from __future__ import annotations

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.errors import message_for
from app.office import bp
from app.security import require_role
from points import awards, events, idempotency, picker, rules
from points.errors import DomainError, NotFound
from points.inputs import id_value
from points.models import AwardStatus, Role
from points.villages import list_groups


def rule_label(rule) -> str:
    v = rule.latest
    unit = _("per hour") if v.unit.value == "per_hour" else _("per time")
    return f"{rule.code} {v.title} ({v.points:+d} {unit})"


def id_value_or_none(text: str) -> int | None:
    try:
        return id_value(text)
    except ValueError:
        return None


def _candidates(session, village_id: int):
    by = request.args.get("by", "")
    group_id = request.args.get("group_id", type=id_value)
    event_id = request.args.get("event_id", type=id_value)
    try:
        if by == "group" and group_id is not None:
            return picker.in_group(session, village_id, group_id)
        if by == "event" and event_id is not None:
            return picker.at_event(session, village_id, event_id)
    except NotFound:
        return []
    if by == "search":
        return picker.search(session, village_id, request.args.get("q", ""), limit=50)
    return []


def _page(people, *, problem: str = "", status: int = 200, form=None):
    session = get_session()
    village_id = g.user.village_id
    form = form or {}
    return render_template(
        "office/bulk.html",
        people=people,
        checked={str(i) for i in form.get("resident_ids", [])} or {str(p.id) for p in people},
        rules=[
            (r.id, rule_label(r)) for r in rules.list_rules(session, village_id, active_only=True)
        ],
        groups=list_groups(session, village_id),
        events=events.list_events(session, village_id, limit=50),
        args=request.args,
        form=form,
        submission=uuid.uuid4().hex,
        problem=problem,
    ), status


@bp.get("/awards/bulk")
@require_role(Role.HOST, Role.ADMIN)
def bulk_award_page():
    return _page(_candidates(get_session(), g.user.village_id))


@bp.post("/awards/bulk")
@require_role(Role.HOST, Role.ADMIN)
def bulk_award_submit():
    session = get_session()
    village = g.user.village
    ids = request.form.getlist("resident_ids")
    form = {
        "rule_id": request.form.get("rule_id", ""),
        "quantity": request.form.get("quantity", "1"),
        "note": request.form.get("note", ""),
        "resident_ids": ids,
    }
    people = picker.chosen(session, village.id, ids)
    rule_id = id_value_or_none(form["rule_id"])
    if not ids or rule_id is None or not form["quantity"].isdigit() or len(form["quantity"]) > 4:
        return _page(
            people, problem=_("Choose a rule and at least one resident."), status=400, form=form
        )
    key = "bulk-award:" + (request.form.get("submission") or "")[:40]
    fingerprint = idempotency.request_fingerprint(
        "POST", request.path, {**form, "resident_ids": sorted(ids)}
    )
    try:
        key = idempotency.clean_key(key)
        done = idempotency.find(session, g.user.id, key, fingerprint)
        if done is not None and done.status_code:
            flash(_("This list was already recorded; nothing was added."), "success")
            return redirect(url_for("office.bulk_award_page"))
        record = idempotency.claim(session, g.user.id, key, fingerprint)
        made = awards.bulk_award(
            session,
            village=village,
            rule=rules.get_rule(session, village.id, rule_id),
            resident_ids=picker.clean_ids(ids),
            by=g.user,
            quantity=int(form["quantity"]),
            note=form["note"],
        )
    except DomainError as exc:
        session.rollback()
        who = exc.details.get("resident_id")
        named = next((p for p in people if p.id == who), None)
        text = message_for(exc.code)
        if named is not None:
            text = _(
                "%(name)s (household %(number)s): %(message)s",
                name=named.name,
                number=named.household,
                message=text,
            )
        return _page(people, problem=text, status=exc.status, form=form)
    confirmed = sum(1 for a in made if a.status == AwardStatus.CONFIRMED)
    idempotency.complete(record, 200, {"awards": [a.id for a in made]})
    session.commit()
    flash(
        _(
            "%(n)d awards recorded: %(confirmed)d confirmed, %(pending)d waiting for review.",
            n=len(made),
            confirmed=confirmed,
            pending=len(made) - confirmed,
        ),
        "success",
    )
    return redirect(url_for("office.bulk_award_page"))
