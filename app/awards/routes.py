"""Pages for awards, review, objections, the public board, corrections, rules and integrity."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.awards.forms import (
    ClaimForm,
    CorrectionForm,
    DecisionForm,
    ExpiryForm,
    ImportForm,
    ReasonForm,
    ReportForm,
    RuleTermsForm,
)
from app.awards.shared import confirm_lazily, discard_unsaved_photos, store_photo_bytes
from app.db import get_session
from app.errors import message_for
from app.forms import apply_domain_error, commit_or_errors, invalid_status
from app.security import require_resident, require_role
from app.timeutil import village_today
from points import awards, expiry, picker, postings, residents, rule_import, rules
from points.clock import now
from points.errors import DomainError
from points.inputs import id_value
from points.models import AwardStatus, Role

bp = Blueprint("awards", __name__)

REVIEWERS = (Role.ADMIN, Role.SUPERVISOR)
bp.after_app_request(discard_unsaved_photos)


def _photo(form, session) -> str | None:
    upload = form.photo.data
    return store_photo_bytes(upload.read(), session) if upload else None


def _rule_label(rule) -> str:
    v = rule.latest
    unit = _("per hour") if v.unit.value == "per_hour" else _("per time")
    return f"{rule.code} {v.title} ({v.points:+d} {unit})"


# -- staff: report an award ------------------------------------------------------------


@bp.route("/awards/report", methods=["GET", "POST"])
@require_role(Role.HOST, Role.ADMIN)
def report():
    session = get_session()
    village = g.user.village
    form = ReportForm()
    q = request.args.get("q", "")
    people = picker.search(session, village.id, q) if q else []
    if form.resident_id.raw_data:
        people = picker.chosen(session, village.id, form.resident_id.raw_data) or people
    form.rule_id.choices = [
        (r.id, _rule_label(r)) for r in rules.list_rules(session, village.id, active_only=True)
    ]
    status = invalid_status(form)
    if form.validate_on_submit():
        award, status = commit_or_errors(
            form,
            lambda s: awards.create_award(
                s,
                village=village,
                rule=rules.get_rule(s, village.id, form.rule_id.data),
                resident=residents.get_resident(s, village.id, form.resident_id.data),
                by=g.user,
                quantity=form.quantity.data,
                note=form.note.data,
                evidence_path=_photo(form, s),
            ),
        )
        if award is not None:
            if award.status == AwardStatus.CONFIRMED:
                flash(_("%(n)+d points recorded.", n=award.amount), "success")
            else:
                flash(_("Reported; it now waits for review."), "success")
            return redirect(url_for("awards.report"))
    return render_template("awards/report.html", form=form, people=people, q=q), status


# -- staff: review queue --------------------------------------------------------------


def _review_page(status: int = 200, error: str | None = None, reject_form=None):
    confirm_lazily(g.user.village_id)
    page = awards.list_awards(
        get_session(), g.user.village_id, status=AwardStatus.PENDING, limit=200
    )
    return render_template(
        "awards/review.html",
        awards=page.items,
        error=error,
        reject_form=reject_form or ReasonForm(formdata=None),
    ), status


@bp.get("/awards/review")
@require_role(*REVIEWERS)
def review():
    return _review_page()


@bp.post("/awards/<int:award_id>/approve")
@require_role(*REVIEWERS)
def approve(award_id: int):
    session = get_session()
    award = awards.get_award(session, g.user.village_id, award_id)
    try:
        awards.approve(session, award, by=g.user)
    except DomainError as exc:
        session.rollback()
        return _review_page(exc.status, message_for(exc.code))
    session.commit()
    flash(_("Approved and posted for objections."), "success")
    return redirect(url_for("awards.review"))


@bp.post("/awards/<int:award_id>/reject")
@require_role(*REVIEWERS)
def reject(award_id: int):
    session = get_session()
    award = awards.get_award(session, g.user.village_id, award_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _review_page(400, _("A reason is required."), form)
    try:
        awards.reject(session, award, by=g.user, reason=form.reason.data)
    except DomainError as exc:
        session.rollback()
        return _review_page(exc.status, message_for(exc.code), form)
    session.commit()
    flash(_("Rejected."), "success")
    return redirect(url_for("awards.review"))


# -- staff: objections queue ----------------------------------------------------------


def _objections_page(status: int = 200, error: str | None = None, form=None):
    items = awards.open_objections(get_session(), g.user.village_id)
    return render_template(
        "awards/objections.html",
        objections=items,
        error=error,
        form=form or DecisionForm(formdata=None),
    ), status


@bp.get("/awards/objections")
@require_role(*REVIEWERS)
def objections():
    return _objections_page()


@bp.post("/objections/<int:objection_id>/decide")
@require_role(*REVIEWERS)
def decide(objection_id: int):
    session = get_session()
    objection = awards.get_objection(session, g.user.village_id, objection_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _objections_page(400, _("A decision and a written reason are required."), form)
    try:
        awards.decide_objection(
            session,
            objection,
            by=g.user,
            uphold=form.decision.data == "uphold",
            reason=form.reason.data,
        )
    except DomainError as exc:
        session.rollback()
        return _objections_page(exc.status, message_for(exc.code), form)
    session.commit()
    flash(_("Decided."), "success")
    return redirect(url_for("awards.objections"))


# -- residents: the public board, objections, claims ------------------------------------


@bp.get("/board")
@require_role()
def board():
    confirm_lazily(g.user.village_id)
    items = awards.public_board(get_session(), g.user.village_id)
    return render_template("awards/board.html", awards=items)


@bp.route("/awards/<int:award_id>/object", methods=["GET", "POST"])
@require_role()
@require_resident
def object_to(award_id: int):
    session = get_session()
    award = awards.get_award(session, g.user.village_id, award_id)
    if award.status not in (AwardStatus.PUBLISHED, AwardStatus.HELD):
        abort(404)
    form = ReasonForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        objection, status = commit_or_errors(
            form, lambda s: awards.object_to(s, award, by=g.user, reason=form.reason.data)
        )
        if objection is not None:
            flash(_("Your objection was filed. The supervisory committee will decide."), "success")
            return redirect(url_for("resident.my_points"))
    return render_template("awards/object.html", form=form, award=award), status


@bp.route("/claims/new", methods=["GET", "POST"])
@require_role()
@require_resident
def claim():
    session = get_session()
    village = g.user.village
    form = ClaimForm()
    form.rule_id.choices = [
        (r.id, _rule_label(r))
        for r in rules.list_rules(session, village.id, active_only=True)
        if r.latest.claimable
    ]
    status = invalid_status(form)
    if form.validate_on_submit():
        award, status = commit_or_errors(
            form,
            lambda s: awards.create_award(
                s,
                village=village,
                rule=rules.get_rule(s, village.id, form.rule_id.data),
                resident=g.user.resident,
                by=g.user,
                note=form.note.data,
                evidence_path=_photo(form, s),
                is_claim=True,
            ),
        )
        if award is not None:
            flash(_("Claim filed. You can follow it under My points."), "success")
            return redirect(url_for("resident.my_points"))
    return render_template("awards/claim.html", form=form), status


# -- admin: corrections; supervisor: integrity -------------------------------------------


@bp.route("/ledger/correct", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def correct():
    form = CorrectionForm(entry_id=request.args.get("entry", type=id_value))
    status = invalid_status(form)
    if form.validate_on_submit():
        fix, status = commit_or_errors(
            form,
            lambda s: awards.correct_entry(
                s,
                village_id=g.user.village_id,
                entry_id=form.entry_id.data,
                reason=form.reason.data,
                by=g.user,
            ),
        )
        if fix is not None:
            flash(_("Correction %(n)+d posted.", n=fix.amount), "success")
            return redirect(url_for("admin.household", household_id=fix.household_id))
    return render_template("awards/correct.html", form=form), status


@bp.get("/ledger/verify")
@require_role(*REVIEWERS)
def verify():
    session = get_session()
    report = postings.verify(session, village_id=g.user.village_id)
    return render_template(
        "awards/verify.html",
        report=report,
        numbers=residents.household_numbers(session, g.user.village_id),
        checked_at=now(),
    )


# -- rules -------------------------------------------------------------------------------


@bp.get("/rules")
@require_role()
def rule_list():
    return render_template(
        "awards/rules.html", rules=rules.list_rules(get_session(), g.user.village_id)
    )


@bp.get("/rules/<int:rule_id>")
@require_role()
def rule_detail(rule_id: int):
    rule = rules.get_rule(get_session(), g.user.village_id, rule_id)
    return render_template("awards/rule.html", rule=rule)


@bp.route("/rules/<int:rule_id>/revise", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def rule_revise(rule_id: int):
    session = get_session()
    rule = rules.get_rule(session, g.user.village_id, rule_id)
    v = rule.latest
    form = RuleTermsForm(
        obj=v, unit=v.unit.value, effective_from=village_today(g.user.village), adopted_ref=""
    )
    status = invalid_status(form)
    if form.validate_on_submit():
        version, status = commit_or_errors(
            form,
            lambda s: rules.revise_rule(
                s,
                rule,
                terms=rules.clean_terms({name: getattr(form, name).data for name in _TERM_FIELDS}),
                effective_from=form.effective_from.data,
                by_id=g.user.id,
            ),
        )
        if version is not None:
            flash(_("Version %(n)d saved.", n=version.version), "success")
            return redirect(url_for("awards.rule_detail", rule_id=rule.id))
    return render_template("awards/rule_form.html", form=form, rule=rule), status


_TERM_FIELDS = (
    "title",
    "category",
    "points",
    "unit",
    "monthly_cap",
    "evidence_required",
    "needs_review",
    "claimable",
    "for_donations",
    "adopted_ref",
)


@bp.post("/rules/<int:rule_id>/active")
@require_role(Role.ADMIN)
def rule_active(rule_id: int):
    session = get_session()
    rule = rules.get_rule(session, g.user.village_id, rule_id)
    rules.set_active(session, rule, request.form.get("active") == "1", by_id=g.user.id)
    session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("awards.rule_detail", rule_id=rule.id))


@bp.route("/rules/import", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def rule_import_page():
    form = ImportForm(effective_from=village_today(g.user.village))
    status = invalid_status(form)
    preview = None
    content = ""
    if form.validate_on_submit():
        if form.file.data:
            data = form.file.data.read()
        else:
            try:
                data = base64.b64decode(form.content.data or "", validate=True)
            except (binascii.Error, ValueError):
                data = b""
        if not data:
            form.file.errors = [_("Choose an .xlsx file.")]
            status = 400
        elif request.form.get("confirm") == "1":
            result, status = commit_or_errors(
                form,
                lambda s: rule_import.apply(
                    s,
                    g.user.village_id,
                    data,
                    effective_from=form.effective_from.data,
                    by_id=g.user.id,
                ),
            )
            if result is not None:
                flash(_("%(n)d rows imported.", n=len(result.rows)), "success")
                return redirect(url_for("awards.rule_list"))
        else:
            try:
                preview = rule_import.read(get_session(), g.user.village_id, data)
            except DomainError as exc:
                status = apply_domain_error(form, exc, {"file": "file"})
            else:
                content = base64.b64encode(data).decode()
                status = 200 if preview.ok else 400
    return render_template(
        "awards/rule_import.html", form=form, preview=preview, content=content
    ), status


@bp.route("/village/expiry", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def expiry_settings():
    village = g.user.village
    form = ExpiryForm(
        mode=village.expiry_mode.value, month=village.expiry_month, day=village.expiry_day
    )
    status = invalid_status(form)
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: expiry.set_expiry(
                s,
                village,
                mode=form.mode.data,
                month=form.month.data,
                day=form.day.data,
                by_id=g.user.id,
            ),
        )
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("awards.expiry_settings"))
    last_run = expiry.last_run(get_session(), village)
    return render_template("awards/expiry.html", form=form, last_run=last_run), status
