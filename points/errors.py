"""Domain errors. Each has a stable ``code`` that the web layer maps to a status and message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every rule violation the domain reports. ``status`` is the HTTP hint."""

    code = "conflict"
    status = 409

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message or self.code)
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class ValidationFailed(DomainError):
    """Bad input; ``fields`` maps a field name to an (untranslated) message id."""

    code = "bad_request"
    status = 400

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("bad_request")
        self.fields = fields


class DuplicateUsername(DomainError):
    code = "duplicate_username"


class DuplicateHouseholdNumber(DomainError):
    code = "duplicate_household_number"


class DuplicatePhone(DomainError):
    code = "duplicate_phone"


class DuplicateVillageCode(DomainError):
    code = "duplicate_village_code"


class DuplicateCode(DomainError):
    code = "duplicate_code"


class NotEmpty(DomainError):
    code = "not_empty"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class IdempotencyMismatch(DomainError):
    code = "idempotency_mismatch"


class InsufficientPoints(DomainError):
    code = "insufficient_points"


class LedgerImmutable(DomainError):
    code = "ledger_immutable"
