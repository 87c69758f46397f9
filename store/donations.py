"""捐赠登记: goods given to the shop. Stock goes up; a rule may award the donor's household."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit, ledger, residents, rules
from points.errors import NotFound, ValidationFailed
from points.models import Role, User, Village
from points.villages import village_today
from store import catalogue, stock
from store.models import Donation, MovementKind


def record_donation(
    session: Session,
    *,
    village: Village,
    donor_name: str | None,
    lines: Any,
    donor_resident_id: int | None = None,
    estimated_value: Any = None,
    public: bool = False,
    note: str | None = "",
    rule_id: int | None = None,
    by_id: int | None,
) -> Donation:
    """Record a donation. ``lines`` are ``{"item_id", "quantity"}`` or, for an item created on
    the spot, ``{"new_item": {"name", "price", "unit"?...}, "quantity"}``. With ``rule_id``
    (a rule marked for donations) and a resident donor, the rule's points go to the donor's
    household as an award; it waits for review unless an admin records the donation.

    Prices and points are the committee's: an item a clerk creates here is off sale until an
    admin checks its price and puts it on sale."""
    errors: dict[str, str] = {}
    by = session.get(User, by_id) if by_id is not None else None
    by_admin = by is None or by.has_role(Role.ADMIN)  # None: the command line or the demo
    resident = None
    if donor_resident_id is not None:
        resident = residents.get_resident(session, village.id, donor_resident_id)
    donor_name = (donor_name or "").strip() or (resident.name if resident else "")
    if not donor_name or len(donor_name) > 100:
        errors["donor_name"] = "required, at most 100 characters"
    value = None
    if estimated_value not in (None, ""):
        value = catalogue._int(estimated_value, "estimated_value", errors, low=0, high=10_000_000)
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = "at most 200 characters"
    if not isinstance(lines, list) or not lines or len(lines) > 30:
        errors["lines"] = "at least one item"
    rule = None
    if rule_id is not None:
        rule = rules.get_rule(session, village.id, rule_id)
        terms = rule.version_on(village_today(village))
        if not terms.for_donations or terms.points <= 0:
            errors["rule_id"] = "not a rule for donations"
        elif resident is None:
            errors["rule_id"] = "points go to a resident donor only"
    if errors:
        raise ValidationFailed(errors)
    donation = Donation(
        village_id=village.id,
        donor_name=donor_name,
        donor_resident_id=resident.id if resident else None,
        estimated_value=value,
        public=bool(public),
        note=note,
        created_by_id=by_id,
    )
    session.add(donation)
    session.flush()
    # Check every line first, then lock the existing items in id order (no deadlock with a
    # redemption or another donation), then create the new items and post the movements.
    planned: list[tuple[int | dict[str, Any], int]] = []
    for line in lines:
        if not isinstance(line, dict):
            raise ValidationFailed({"lines": "not a valid value"})
        qty = stock.clean_delta(line.get("quantity"), "lines")
        if qty < 0:
            raise ValidationFailed({"lines": "quantity 1 to 99"})
        if line.get("new_item") is not None:
            if not isinstance(line["new_item"], dict):
                raise ValidationFailed({"lines": "not a valid value"})
            new_item = dict(line["new_item"])
            if not by_admin:
                new_item["active"] = False
            planned.append((new_item, qty))
        else:
            item_id = line.get("item_id")
            if isinstance(item_id, bool) or not isinstance(item_id, int):
                raise ValidationFailed({"lines": "must be a whole number"})
            planned.append((item_id, qty))
    existing = [ref for ref, _ in planned if isinstance(ref, int)]
    if rule is not None and resident is not None:
        # Household before items, as a redemption locks them (no deadlock between the two).
        ledger.lock_household(session, resident.household_id)
    locked = catalogue.lock_items(session, village.id, existing)
    if len(locked) != len(set(existing)):
        raise NotFound("item")
    for ref, qty in planned:
        if isinstance(ref, int):
            item = locked[ref]
        else:
            item = catalogue.create_item(session, village_id=village.id, data=ref, by_id=by_id)
        stock.apply(
            session,
            item,
            qty,
            MovementKind.DONATION,
            by_id=by_id,
            note=donor_name,
            donation_id=donation.id,
        )
    if rule is not None and resident is not None:
        # Points for the donor are an award like any other: the rule must be active, the
        # donor an active resident, the monthly cap holds. Recorded by anyone but an admin it
        # waits for a second person's review and the objection window: a clerk alone could
        # otherwise turn a made-up donation into points.
        from points import awards  # noqa: PLC0415  (awards builds on much of points)

        award = awards.create_award(
            session,
            village=village,
            rule=rule,
            resident=resident,
            by=by,
            note=donor_name,
            review=not by_admin,
        )
        donation.points_entry_id = award.entry_id
    session.flush()
    audit.record(
        session,
        action="donation.create",
        obj=donation,
        by_id=by_id,
        village_id=village.id,
        after={"donor_name": donor_name, "lines": len(lines), "estimated_value": value},
    )
    return donation


def list_donations(
    session: Session, village_id: int, *, public_only: bool = False, limit: int = 100
) -> list[Donation]:
    stmt = select(Donation).where(Donation.village_id == village_id)
    if public_only:
        stmt = stmt.where(Donation.public.is_(True))
    return list(session.scalars(stmt.order_by(Donation.id.desc()).limit(limit)))
