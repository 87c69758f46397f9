from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

ROLE_CHOICES = [
    SelectChoice("resident", _l("Resident")),
    SelectChoice("host", _l("Host / grid worker")),
    SelectChoice("clerk", _l("Shop clerk")),
    SelectChoice("admin", _l("Village committee (admin)")),
    SelectChoice("supervisor", _l("Supervisory committee")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class HouseholdForm(FlaskForm):
    number = StringField(_l("Household number"), validators=[DataRequired(), Length(max=32)])
    group = StringField(_l("Group"), validators=[Optional(), Length(max=50)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])


class ResidentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    is_head = BooleanField(_l("Head of household"))


class NewResidentForm(ResidentForm):
    household_number = StringField(
        _l("Household number"), validators=[DataRequired(), Length(max=32)]
    )
    group = StringField(_l("Group (for a new household)"), validators=[Optional(), Length(max=50)])
    username = StringField(_l("Login name (optional)"), validators=[Optional(), Length(max=64)])
    password = PasswordField(_l("Password (optional)"), validators=[Optional(), Length(max=200)])


class MoveForm(FlaskForm):
    household_number = StringField(
        _l("Move to household number"), validators=[DataRequired(), Length(max=32)]
    )


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("active", _l("Active")),
            SelectChoice("moved_out", _l("Moved out")),
            SelectChoice("deceased", _l("Deceased")),
        ],
    )


class ResidentLinkForm(FlaskForm):
    """Which villager a login belongs to: household number and name, both or neither."""

    household_number = StringField(
        _l("Lives in household number (if a villager)"),
        validators=[Optional(), Length(max=32)],
    )
    resident_name = StringField(
        _l("Name in that household"), validators=[Optional(), Length(max=50)]
    )


class UserForm(ResidentLinkForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=50)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)


class RolesForm(ResidentLinkForm):
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Login enabled"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
