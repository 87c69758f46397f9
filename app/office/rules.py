"""One rule at a time (the .xlsx import stays): a form for a new rule, the rule book exported
in the import's format, and the empty template."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.awards.forms import RuleTermsForm
from app.db import get_session
from app.forms import commit_or_errors, invalid_status
from app.office import bp
from app.office.roster import xlsx_response
from app.security import require_role
from app.timeutil import village_today
from points import rule_import, rules
from points.models import Role

TERM_FIELDS = (
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


class NewRuleForm(RuleTermsForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


@bp.route("/rules/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def rule_new():
    form = NewRuleForm(effective_from=village_today(g.user.village))
    status = invalid_status(form)
    if form.validate_on_submit():
        rule, status = commit_or_errors(
            form,
            lambda s: rules.create_rule(
                s,
                village_id=g.user.village_id,
                code=form.code.data,
                terms=rules.clean_terms({n: getattr(form, n).data for n in TERM_FIELDS}),
                effective_from=form.effective_from.data,
                by_id=g.user.id,
            ),
            {"rule_code": "code"},
        )
        if rule is not None:
            flash(_("Rule %(code)s created.", code=rule.code), "success")
            return redirect(url_for("awards.rule_detail", rule_id=rule.id))
    return render_template("office/rule_new.html", form=form), status


@bp.get("/rules/export.xlsx")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def rules_export():
    data = rule_import.export(get_session(), g.user.village_id)
    return xlsx_response(data, "rules.xlsx")


@bp.get("/rules/template.xlsx")
@require_role(Role.ADMIN)
def rules_template():
    return xlsx_response(rule_import.template(), "rules-template.xlsx")
