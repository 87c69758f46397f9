from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REASON_CHOICES = [
    SelectChoice("purchase", _l("Purchase")),
    SelectChoice("donation", _l("Donation")),
    SelectChoice("count", _l("Stocktake correction")),
    SelectChoice("damage", _l("Damage or expiry")),
]
FUNDING_CHOICES = [
    SelectChoice("", _l("(not a purchase)")),
    SelectChoice("budget", _l("Government funds")),
    SelectChoice("donation", _l("Donated funds")),
    SelectChoice("collective", _l("Village collective")),
    SelectChoice("other", _l("Other")),
]


class ItemForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=32)])
    unit = StringField(_l("Unit (桶, 袋, 块...)"), validators=[Optional(), Length(max=16)])
    price = IntegerField(_l("Price in points"), validators=[DataRequired(), NumberRange(1, 100000)])
    monthly_limit = IntegerField(
        _l("Limit per household per month (empty: none)"),
        validators=[Optional(), NumberRange(1, 10000)],
    )
    low_stock_threshold = IntegerField(
        _l("Warn when stock is at or below"), validators=[Optional(), NumberRange(0, 100000)]
    )
    active = BooleanField(_l("On sale"), default=True)
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 2 MB)"))


class NewItemForm(ItemForm):
    stock = IntegerField(_l("Opening stock"), validators=[Optional(), NumberRange(0, 100000)])


class StockForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=REASON_CHOICES)
    delta = IntegerField(_l("Change (negative for damage or expiry)"), validators=[DataRequired()])
    funding = SelectField(_l("Funding source"), choices=FUNDING_CHOICES, default="")
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=200)])


class VoidRequestForm(FlaskForm):
    reason = StringField(
        _l("What is wrong with this order"), validators=[DataRequired(), Length(max=200)]
    )


class DeclineForm(FlaskForm):
    note = StringField(
        _l("Why the order stands (the clerk sees this)"),
        validators=[DataRequired(), Length(max=200)],
    )


class DonationForm(FlaskForm):
    donor_name = StringField(_l("Donor (person or organisation)"), validators=[Length(max=100)])
    donor_household = StringField(
        _l("Donor's household number, if a resident"), validators=[Optional(), Length(max=32)]
    )
    estimated_value = IntegerField(
        _l("Estimated value (yuan, optional)"), validators=[Optional(), NumberRange(0, 10000000)]
    )
    public = BooleanField(_l("The donor agrees to be thanked publicly"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    new_name = StringField(_l("New item: name"), validators=[Optional(), Length(max=100)])
    new_unit = StringField(_l("New item: unit"), validators=[Optional(), Length(max=16)])
    new_price = IntegerField(
        _l("New item: price in points"), validators=[Optional(), NumberRange(1, 100000)]
    )
    new_quantity = IntegerField(
        _l("New item: quantity"), validators=[Optional(), NumberRange(1, 100000)]
    )
    rule_id = SelectField(_l("Award points by rule (resident donors)"), choices=[], default="")
