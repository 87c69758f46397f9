"""The shop's domain errors (codes per API.md)."""

from __future__ import annotations

from points.errors import DomainError


class OutOfStock(DomainError):
    code = "out_of_stock"


class LimitReached(DomainError):
    code = "limit_reached"


class NegativeStock(DomainError):
    code = "negative_stock"


class ItemInactive(DomainError):
    code = "item_inactive"


class DuplicateItemName(DomainError):
    code = "duplicate_item_name"


class AlreadyVoided(DomainError):
    code = "already_voided"


class VoidNeedsSupervisor(DomainError):
    """Voiding an order of an earlier day needs the supervisory committee."""

    code = "void_needs_supervisor"
    status = 403


class VoidAlreadyRequested(DomainError):
    """A void request for this order is already waiting."""

    code = "void_already_requested"


class VoidRequestClosed(DomainError):
    """The void request was already voided or declined: nothing is left to decide."""

    code = "void_request_closed"
