"""Helpers shared by every HTML form: domain errors onto fields, the 400/409 status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm

from app.errors import message_for
from points.errors import DomainError, ValidationFailed

# Where a domain error code belongs on a form, when it names one field.
CODE_FIELDS = {
    "duplicate_username": "username",
    "duplicate_household_number": "number",
    "duplicate_phone": "phone",
    "duplicate_code": "code",
    "wrong_password": "current_password",
}


def apply_domain_error(
    form: FlaskForm, exc: DomainError, field_map: dict[str, str] | None = None
) -> int:
    """Put a domain error's messages on the form's fields; returns the status to render with."""
    field_map = field_map or {}
    if isinstance(exc, ValidationFailed):
        for name, msg in exc.fields.items():
            target = getattr(form, field_map.get(name, name), None)
            if target is not None:
                target.errors = [*target.errors, gettext(msg)]
            else:
                form.form_errors.append(gettext(msg))
        return 400
    name = field_map.get(CODE_FIELDS.get(exc.code, ""), CODE_FIELDS.get(exc.code, ""))
    target = getattr(form, name, None) if name else None
    if target is not None:
        target.errors = [*target.errors, message_for(exc.code)]
    else:
        form.form_errors.append(message_for(exc.code))
    return exc.status


def invalid_status(form: FlaskForm) -> int:
    """200 for a first view of the form, 400 when a submitted form did not validate."""
    return 400 if form.is_submitted() else 200


def commit_or_errors(
    form: FlaskForm, action: Callable, field_map: dict[str, str] | None = None
) -> tuple[Any, int | None]:
    """Run one domain call in the request's session: commit on success and return its
    result; on a domain error roll back and put the messages on the form (result None and
    the status to render with)."""
    from app.db import get_session  # noqa: PLC0415

    session = get_session()
    try:
        result = action(session)
    except DomainError as exc:
        session.rollback()
        return None, apply_domain_error(form, exc, field_map)
    session.commit()
    return result, None
