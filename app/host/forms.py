from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.admin.forms import MultiCheckboxField

KIND_CHOICES = [
    SelectChoice("meeting", _l("Meeting (议事协商会, 村民代表会议...)")),
    SelectChoice("volunteer", _l("Volunteer work (志愿服务)")),
]
SCOPE_CHOICES = [
    SelectChoice("village", _l("The whole village")),
    SelectChoice("groups", _l("Some groups")),
    SelectChoice("households", _l("Listed households")),
]


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    starts_at = StringField(_l("Starts"), validators=[DataRequired()])
    ends_at = StringField(_l("Ends"), validators=[DataRequired()])
    rule_id = SelectField(_l("Rule that attendance earns"), coerce=int)
    invite_scope = SelectField(_l("Who is invited"), choices=SCOPE_CHOICES)
    groups = MultiCheckboxField(_l("Invited groups"), coerce=int, choices=[])
    households = StringField(
        _l("Invited household numbers (separated by spaces or commas)"),
        validators=[Optional(), Length(max=2000)],
    )
    one_per_household = BooleanField(_l("One attendee per household earns"))


class UndoForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


__all__ = ["EventForm", "UndoForm", "SelectMultipleField", "SelectChoice"]
