"""Households over time (分户, 合户, 迁移): one page per household, three forms."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.errors import message_for, translate_fields
from app.office import bp
from app.security import require_role
from points import household_changes, residents
from points.errors import DomainError, ValidationFailed
from points.models import Role


def _page(household, problems=None, status: int = 200):
    session = get_session()
    history = household_changes.history(session, household)
    ids = {c.from_household_id for c in history} | {c.to_household_id for c in history}
    numbers = {i: residents.get_household(session, g.user.village_id, i).number for i in ids}
    return render_template(
        "office/household_changes.html",
        household=household,
        history=history,
        numbers=numbers,
        problems=problems or {},
    ), status


@bp.get("/households/<int:household_id>/changes")
@require_role(Role.ADMIN)
def household_changes_page(household_id: int):
    household = residents.get_household(get_session(), g.user.village_id, household_id)
    return _page(household)


@bp.post("/households/<int:household_id>/changes")
@require_role(Role.ADMIN)
def household_change(household_id: int):
    session = get_session()
    household = residents.get_household(session, g.user.village_id, household_id)
    kind = request.form.get("kind", "")
    members = request.form.getlist("resident_ids")
    reason, points = request.form.get("reason"), request.form.get("points") or 0
    try:
        if kind == "split":
            household_changes.split(
                session,
                household,
                resident_ids=members,
                new_number=request.form.get("new_number", ""),
                points=points,
                reason=reason,
                by_id=g.user.id,
            )
        elif kind in ("merge", "move"):
            number = residents.clean_household_number(request.form.get("target_number"))
            target = residents.find_household_by_number(session, g.user.village_id, number)
            if target is None:
                raise ValidationFailed({"target_number": "no such household"})
            if kind == "merge":
                household_changes.merge(session, household, target, reason=reason, by_id=g.user.id)
            else:
                household_changes.move_members(
                    session,
                    household,
                    target,
                    resident_ids=members,
                    points=points,
                    reason=reason,
                    by_id=g.user.id,
                )
        else:
            raise ValidationFailed({"kind": "split, merge or move"})
    except DomainError as exc:
        session.rollback()
        if isinstance(exc, ValidationFailed):
            problems = translate_fields(exc.fields)
        else:
            problems = {"": message_for(exc.code)}
        return _page(household, problems, exc.status)
    session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("office.household_changes_page", household_id=household.id))
