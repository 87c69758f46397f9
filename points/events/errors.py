"""What the events services refuse with: each a :class:`DomainError` with a stable code."""

from __future__ import annotations

from points.errors import DomainError


class EventNotOpen(DomainError):
    code = "event_not_open"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class NotCheckedIn(DomainError):
    code = "not_checked_in"


class AlreadyCheckedOut(DomainError):
    code = "already_checked_out"


class NotVolunteerEvent(DomainError):
    code = "not_volunteer_event"


class AlreadyUndone(DomainError):
    code = "already_undone"


class ExpiredCode(DomainError):
    code = "expired_code"
    status = 400


class InvalidEventCode(DomainError):
    code = "invalid_event_code"
    status = 400
