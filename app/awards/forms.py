from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from points.inputs import MAX_ID


class ReportForm(FlaskForm):
    # Chosen with the resident picker (search, then one radio button), not a long dropdown.
    resident_id = IntegerField(
        _l("Resident"), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )
    rule_id = SelectField(_l("Rule"), coerce=int, validators=[InputRequired()])
    quantity = IntegerField(
        _l("Times, or hours for per-hour rules"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))


class ClaimForm(FlaskForm):
    rule_id = SelectField(_l("What did you do?"), coerce=int, validators=[InputRequired()])
    note = TextAreaField(_l("Describe it"), validators=[Optional(), Length(max=500)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("dismiss", _l("Dismiss: the award stands")),
            SelectChoice("uphold", _l("Uphold: reject the award")),
        ],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Written reason (the objector sees it)"), validators=[DataRequired(), Length(max=500)]
    )


class CorrectionForm(FlaskForm):
    entry_id = IntegerField(
        _l("Entry number"), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class RuleTermsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = StringField(_l("Category"), validators=[DataRequired(), Length(max=32)])
    points = IntegerField(_l("Points (negative for deductions)"), validators=[InputRequired()])
    unit = SelectField(
        _l("Unit"),
        choices=[
            SelectChoice("per_time", _l("per time")),
            SelectChoice("per_hour", _l("per hour")),
        ],
    )
    monthly_cap = IntegerField(_l("Monthly cap per resident"), validators=[Optional()])
    evidence_required = BooleanField(_l("Photo evidence required"))
    needs_review = BooleanField(_l("Needs review"))
    claimable = BooleanField(_l("Residents may claim it"))
    for_donations = BooleanField(_l("The shop may award it for donations"))
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    adopted_ref = StringField(
        _l("Adopted by (e.g. meeting resolution)"), validators=[Optional(), Length(max=200)]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("Rule book (.xlsx)"))
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    content = StringField(validators=[Optional()])  # the previewed sheet, base64, on confirm


class ExpiryForm(FlaskForm):
    mode = SelectField(
        _l("Clearing of unspent points"),
        choices=[
            SelectChoice("none", _l("Never")),
            SelectChoice("annual", _l("Every year on the date below")),
        ],
    )
    month = IntegerField(_l("Month"), validators=[InputRequired(), NumberRange(min=1, max=12)])
    day = IntegerField(_l("Day"), validators=[InputRequired(), NumberRange(min=1, max=31)])
