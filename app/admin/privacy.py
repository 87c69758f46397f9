"""The committee's personal-information page (个人信息保护): the retention period, the
residents whose period is over (anonymised on an admin's confirmation) and the record of
exports."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from app.db import get_session
from app.forms import commit_or_errors, invalid_status
from app.security import require_role
from points import privacy, residents
from points.models import Role

bp = Blueprint("privacy", __name__, url_prefix="/admin")


class RetentionForm(FlaskForm):
    retention_days = IntegerField(
        _l("Keep a departed resident's name and phone for (days)"),
        validators=[InputRequired(), NumberRange(min=0, max=privacy.MAX_RETENTION_DAYS)],
    )


class AnonymiseForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm: replace this resident's name and phone for good"),
        validators=[DataRequired()],
    )


def _page(retention_form=None, anonymise_form=None, status: int = 200):
    session = get_session()
    village = g.user.village
    return (
        render_template(
            "admin/privacy.html",
            village=village,
            due=privacy.due_residents(session, village),
            records=privacy.exports(session, village.id),
            retention_form=retention_form
            or RetentionForm(formdata=None, retention_days=village.retention_days),
            anonymise_form=anonymise_form or AnonymiseForm(formdata=None),
        ),
        status,
    )


@bp.get("/privacy")
@require_role(Role.ADMIN)
def page():
    return _page()


@bp.post("/privacy/retention")
@require_role(Role.ADMIN)
def retention():
    form = RetentionForm()
    if not form.validate_on_submit():
        return _page(retention_form=form, status=invalid_status(form))
    _done, status = commit_or_errors(
        form,
        lambda s: privacy.set_retention(
            s, g.user.village, form.retention_days.data, by_id=g.user.id
        ),
    )
    if status:
        return _page(retention_form=form, status=status)
    flash(_("Saved."), "success")
    return redirect(url_for("privacy.page"))


@bp.post("/residents/<int:resident_id>/anonymise")
@require_role(Role.ADMIN)
def anonymise(resident_id: int):
    session = get_session()
    resident = residents.get_resident(session, g.user.village_id, resident_id)
    form = AnonymiseForm()
    if not form.validate_on_submit():
        return _page(anonymise_form=form, status=invalid_status(form))
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    _done, status = commit_or_errors(
        form,
        lambda s: privacy.anonymise(
            s, resident, g.user.village, by_id=g.user.id, uploads_dir=uploads
        ),
    )
    if status:
        return _page(anonymise_form=form, status=status)
    flash(_("The resident is anonymised; the ledger is unchanged."), "success")
    return redirect(url_for("privacy.page"))
