"""Households, residents and their ledgers."""

from __future__ import annotations

from flask import abort, g
from marshmallow import fields

from app.api import bp
from app.api.common import Body, ListQuery, endpoint, list_response
from app.api.serializers import household_brief, household_detail, ledger_entry_dict
from app.awards.shared import confirm_lazily
from app.db import get_session
from app.security import STAFF, require_role
from points import access, ledger, residents
from points.models import Role


class HouseholdQuery(ListQuery):
    q = fields.String(load_default="")


class ResidentBody(Body):
    household_number = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(load_default=None, allow_none=True)
    group = fields.String(load_default=None, allow_none=True)
    is_head = fields.Boolean(load_default=False)
    username = fields.String(load_default=None, allow_none=True)
    password = fields.String(load_default=None, allow_none=True)


class LedgerQuery(ListQuery):
    pass


def visible_household(household_id: int):
    """The household if the acting user may see it; 404 for another village or household."""
    household = residents.get_household(get_session(), g.actor.village_id, household_id)
    if not access.can_view_household(g.user, household):
        abort(404)
    return household


@bp.get("/households")
@require_role(*STAFF)
@endpoint(query=HouseholdQuery, responses={200: "list of households"})
def list_households(args):
    """Households of the village; ``q`` matches number, member name or pinyin initials."""
    limit = residents.clean_limit(args["limit"])
    page = residents.search_households(
        get_session(), g.actor.village_id, args["q"], limit=limit, cursor=args["cursor"]
    )
    return list_response([household_brief(h) for h in page.items], page.next_cursor), 200


@bp.get("/households/<int:household_id>")
@require_role()
@endpoint(responses={200: "household"}, errors=("not_found",))
def get_household(household_id: int):
    """One household with its members (staff, or a member of the household)."""
    confirm_lazily(g.actor.village_id)
    return household_detail(visible_household(household_id)), 200


@bp.get("/households/<int:household_id>/ledger")
@require_role()
@endpoint(query=LedgerQuery, responses={200: "ledger entries, newest first"}, errors=("not_found",))
def household_ledger(household_id: int, args):
    """The household's ledger entries, newest first."""
    confirm_lazily(g.actor.village_id)
    household = visible_household(household_id)
    limit = residents.clean_limit(args["limit"])
    before = residents.decode_cursor(args["cursor"])
    rows = ledger.entries(get_session(), household.id, limit=limit + 1, before_seq=before)
    next_cursor = residents.encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
    return list_response([ledger_entry_dict(e) for e in rows[:limit]], next_cursor), 200


@bp.post("/residents")
@require_role(Role.ADMIN)
@endpoint(
    body=ResidentBody,
    responses={201: "resident"},
    errors=("bad_request", "duplicate_username", "duplicate_phone"),
    idempotent=True,
)
def create_resident(data):
    """Add a resident (the household is created when its number is new)."""
    resident = residents.create_resident(
        get_session(), village_id=g.actor.village_id, by_id=g.actor.id, **data
    )
    return {
        "id": resident.id,
        "name": resident.name,
        "household": {"id": resident.household.id, "number": resident.household.number},
    }, 201
