"""积分超市 over the API: items, stock, donations, redemptions and voids (API.md "Store")."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g
from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates_schema

from app.api import bp
from app.api.common import Body, Query, endpoint, id_field, iso, list_response
from app.db import get_session
from app.security import STAFF, require_role
from points import access, cards
from points.models import Role
from store import catalogue, donations, orders, stock, voids
from store.models import Item, VoidRequest


class LineSchema(Body):
    item_id = id_field(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True)


class ItemQuery(Query):
    active = fields.Boolean(load_default=None, allow_none=True)


class ItemBody(Body):
    name = fields.String(required=True)
    price = fields.Integer(required=True, strict=True)
    unit = fields.String(load_default="")
    category = fields.String(load_default="")
    stock = fields.Integer(load_default=0, strict=True)
    household_monthly_limit = fields.Integer(load_default=None, allow_none=True, strict=True)
    low_stock_threshold = fields.Integer(load_default=0, strict=True)


class ItemPatchBody(Body):
    name = fields.String()
    price = fields.Integer(strict=True)
    unit = fields.String()
    category = fields.String()
    household_monthly_limit = fields.Integer(allow_none=True, strict=True)
    low_stock_threshold = fields.Integer(strict=True)
    active = fields.Boolean()


class StockBody(Body):
    delta = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True)
    note = fields.String(load_default="")
    funding = fields.String(load_default=None, allow_none=True)


class CountSchema(Body):
    item_id = id_field(required=True, strict=True)
    counted = fields.Integer(required=True, strict=True)


class StocktakeBody(Body):
    counts = fields.List(fields.Nested(CountSchema), required=True)
    note = fields.String(load_default="")


class NewItemSchema(Body):
    name = fields.String(required=True)
    price = fields.Integer(required=True, strict=True)
    unit = fields.String(load_default="")
    category = fields.String(load_default="")


class DonationLineSchema(Body):
    item_id = id_field(load_default=None, strict=True)
    new_item = fields.Nested(NewItemSchema, load_default=None)
    quantity = fields.Integer(required=True, strict=True)

    @validates_schema
    def _one_item(self, data: dict[str, Any], **_kw: Any) -> None:
        if (data.get("item_id") is None) == (data.get("new_item") is None):
            raise SchemaError("required", "item_id")


class DonationBody(Body):
    donor_name = fields.String(load_default="")
    donor_resident_id = id_field(load_default=None, allow_none=True, strict=True)
    lines = fields.List(fields.Nested(DonationLineSchema), required=True)
    estimated_value = fields.Integer(load_default=None, allow_none=True, strict=True)
    public = fields.Boolean(load_default=False)
    note = fields.String(load_default="")
    rule_id = id_field(load_default=None, allow_none=True, strict=True)


class RedemptionBody(Body):
    household_id = id_field(load_default=None, strict=True)
    card = fields.String(load_default=None)
    lines = fields.List(fields.Nested(LineSchema), required=True)

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_kw: Any) -> None:
        if (data.get("household_id") is None) == (data.get("card") is None):
            raise SchemaError("required", "household_id")


class VoidBody(Body):
    reason = fields.String(required=True)


class DeclineBody(Body):
    note = fields.String(required=True)


class VoidRequestQuery(Query):
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(["open", "closed"]),
        metadata={"description": "open (waiting, oldest first) or closed (latest 20)"},
    )


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "category": item.category,
        "price": item.price,
        "stock": item.stock,
        "unit": item.unit,
        "active": item.active,
        "household_monthly_limit": item.monthly_limit,
        "low_stock_threshold": item.low_stock_threshold,
        "low_stock": item.low,
    }


def order_dict(order: orders.Receipt) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "household_id": order.household_id,
        "household_number": order.household_number,
        "resident_id": order.resident_id,
        "status": order.status.value,
        "total": order.total,
        "balance_after": order.balance_after,
        "created_at": iso(order.created_at),
        "clerk": order.clerk_name,
        "lines": [
            {
                "item_id": ln.item_id,
                "name": ln.item_name,
                "unit": ln.unit,
                "quantity": ln.quantity,
                "price": ln.price,
                "amount": ln.amount,
            }
            for ln in order.lines
        ],
        "voided_at": iso(order.voided_at),
        "void_reason": order.void_reason or None,
        "refund_balance_after": order.refund_balance_after,
    }


def _item_fields(data: dict[str, Any]) -> dict[str, Any]:
    if "household_monthly_limit" in data:
        data["monthly_limit"] = data.pop("household_monthly_limit")
    return data


@bp.get("/items")
@require_role()
@endpoint(query=ItemQuery, responses={200: "items"})
def list_items(args):
    """The catalogue; ``active=true`` for what is on sale."""
    items = catalogue.list_items(
        get_session(), g.actor.village_id, active_only=bool(args["active"])
    )
    return list_response([item_dict(i) for i in items], None), 200


@bp.post("/items")
@require_role(Role.ADMIN)
@endpoint(
    body=ItemBody,
    responses={201: "item"},
    errors=("bad_request", "duplicate_item_name"),
    idempotent=True,
)
def create_item(data):
    """A new catalogue item; an opening ``stock`` is posted as a purchase."""
    opening = data.pop("stock")
    item = catalogue.create_item(
        get_session(),
        village_id=g.actor.village_id,
        data=_item_fields(data),
        stock=opening,
        by_id=g.actor.id,
    )
    return item_dict(item), 201


@bp.patch("/items/<int:item_id>")
@require_role(Role.ADMIN)
@endpoint(
    body=ItemPatchBody, responses={200: "item"}, errors=("bad_request", "duplicate_item_name")
)
def update_item(item_id: int, data):
    """Edit an item, or deactivate it with ``{"active": false}`` (items are never deleted)."""
    session = get_session()
    item = catalogue.get_item(session, g.actor.village_id, item_id)
    catalogue.update_item(session, item, data=_item_fields(data), by_id=g.actor.id)
    return item_dict(item), 200


@bp.post("/items/<int:item_id>/stock")
@require_role(Role.CLERK, Role.ADMIN)
@endpoint(
    body=StockBody,
    responses={200: "the new stock"},
    errors=("bad_request", "negative_stock"),
    idempotent=True,
)
def move_stock(item_id: int, data):
    """A purchase, donation, stocktake correction or damage/expiry of one item."""
    movement = stock.move(
        get_session(),
        village_id=g.actor.village_id,
        item_id=item_id,
        delta=data["delta"],
        kind=data["reason"],
        note=data["note"],
        funding=data["funding"],
        by_id=g.actor.id,
    )
    return {"stock": movement.stock_after, "movement_id": movement.id}, 200


class MovementQuery(Query):
    kind = fields.String(load_default=None, allow_none=True)
    item_id = id_field(load_default=None, allow_none=True)


@bp.get("/stock-movements")
@require_role(Role.CLERK, Role.ADMIN, Role.SUPERVISOR)
@endpoint(query=MovementQuery, responses={200: "stock movements, newest first"})
def list_movements(args):
    """Every change of stock (purchases, donations, stocktake corrections, damage,
    redemptions, voids), newest first; ``kind=count`` for the stocktakes'."""
    moves = stock.movements(
        get_session(), g.actor.village_id, item_id=args["item_id"], kind=args["kind"]
    )
    return list_response(
        [
            {
                "id": m.id,
                "item_id": m.item_id,
                "item_name": m.item.name,
                "kind": m.kind.value,
                "delta": m.delta,
                "stock_after": m.stock_after,
                "note": m.note,
                "donation_id": m.donation_id,
                "order_id": m.order_id,
                "created_by_id": m.created_by_id,
                "created_at": iso(m.created_at),
            }
            for m in moves
        ],
        None,
    ), 200


@bp.post("/stocktakes")
@require_role(Role.CLERK, Role.ADMIN)
@endpoint(
    body=StocktakeBody,
    responses={200: "the differences posted"},
    errors=("bad_request",),
    idempotent=True,
)
def stocktake(data):
    """盘点: counted quantities; the differences are posted as stock movements."""
    counts: dict[int, int] = {}
    for row in data["counts"]:
        counts[row["item_id"]] = row["counted"]
    moves = stock.stocktake(
        get_session(),
        village_id=g.actor.village_id,
        counts=counts,
        note=data["note"],
        by_id=g.actor.id,
    )
    return {
        "movements": [
            {"item_id": m.item_id, "delta": m.delta, "stock": m.stock_after} for m in moves
        ]
    }, 200


@bp.post("/donations")
@require_role(Role.CLERK, Role.ADMIN)
@endpoint(body=DonationBody, responses={201: "donation"}, errors=("bad_request",), idempotent=True)
def create_donation(data):
    """捐赠登记: items (or new items) and quantities; stock goes up."""
    donation = donations.record_donation(
        get_session(), village=g.user.village, by_id=g.actor.id, **data
    )
    return {
        "id": donation.id,
        "donor_name": donation.donor_name,
        "public": donation.public,
        "points_entry_id": donation.points_entry_id,
        "lines": [
            {"item_id": m.item_id, "quantity": m.delta, "stock": m.stock_after}
            for m in donation.movements
        ],
    }, 201


@bp.get("/donations")
@require_role(*STAFF)
@endpoint(responses={200: "donations, newest first"})
def list_donations():
    """The village's donations, newest first."""
    rows = donations.list_donations(get_session(), g.actor.village_id)
    return list_response(
        [
            {
                "id": d.id,
                "donor_name": d.donor_name,
                "estimated_value": d.estimated_value,
                "public": d.public,
                "created_at": iso(d.created_at),
            }
            for d in rows
        ],
        None,
    ), 200


@bp.post("/redemptions")
@require_role(Role.CLERK, Role.ADMIN)
@endpoint(
    body=RedemptionBody,
    responses={201: "order"},
    errors=(
        "bad_request",
        "not_found",
        "insufficient_points",
        "out_of_stock",
        "limit_reached",
        "item_inactive",
    ),
    idempotent=True,
)
def redeem(data):
    """兑换: a household (by id or card) takes a basket; points and stock go down at once."""
    session = get_session()
    resident_id = None
    household_id = data["household_id"]
    if data["card"] is not None:
        resident = cards.resolve(
            session, current_app.config["SECRET_KEY"], g.actor.village_id, data["card"]
        )
        household_id, resident_id = resident.household_id, resident.id
    receipt = orders.redeem(
        session,
        village_id=g.actor.village_id,
        household_id=household_id,
        lines=data["lines"],
        clerk_id=g.actor.id,
        resident_id=resident_id,
    )
    return order_dict(receipt), 201


@bp.get("/redemptions/<int:order_id>")
@require_role()
@endpoint(responses={200: "order"}, errors=("not_found",))
def get_redemption(order_id: int):
    """One order (staff, or a member of the household)."""
    order = orders.get_order(get_session(), g.actor.village_id, order_id)
    if not access.can_view_household(g.user, order.household):
        abort(404)
    return order_dict(orders.Receipt.of(order)), 200


@bp.post("/redemptions/<int:order_id>/void")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    body=VoidBody,
    responses={200: "voided"},
    errors=("bad_request", "already_voided", "void_needs_supervisor"),
    idempotent=True,
)
def void_redemption(order_id: int, data):
    """作废: points and stock return; an earlier day's order needs the supervisor."""
    order = voids.void(
        get_session(), village=g.user.village, order_id=order_id, reason=data["reason"], by=g.user
    )
    return {
        "id": order.id,
        "status": order.status.value,
        "balance_after": order.refund_balance_after,
    }, 200


def void_request_dict(row: VoidRequest, who_can_void: list | None = None) -> dict[str, Any]:
    data = {
        "id": row.id,
        "order": {"id": row.order_id, "number": row.order.number, "total": row.order.total},
        "reason": row.reason,
        "status": row.status,
        "requested_by": row.requested_by.display_name,
        "created_at": iso(row.created_at),
        "decided_by": row.decided_by.display_name if row.decided_by else None,
        "decided_at": iso(row.decided_at),
        "decision_note": row.decision_note or None,
    }
    if who_can_void is not None:
        data["who_can_void"] = [user.display_name for user in who_can_void]
    return data


@bp.post("/redemptions/<int:order_id>/void-requests")
@require_role(Role.CLERK, Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    body=VoidBody,
    responses={201: "void request"},
    errors=("bad_request", "not_found", "already_voided", "void_already_requested"),
    idempotent=True,
)
def request_void(order_id: int, data):
    """申请作废: a clerk asks for an order's void; the answer names who can void it."""
    session = get_session()
    village = g.user.village
    row = voids.request_void(
        session, village=village, order_id=order_id, reason=data["reason"], by=g.user
    )
    return void_request_dict(row, voids.who_can_void(session, village, row.order)), 201


@bp.get("/void-requests")
@require_role(Role.CLERK, Role.ADMIN, Role.SUPERVISOR)
@endpoint(query=VoidRequestQuery, responses={200: "void requests"})
def list_void_requests(args):
    """The requests waiting (oldest first), or the latest decided ones."""
    session = get_session()
    village_id = g.actor.village_id
    if args["status"] == "open":
        rows = voids.open_requests(session, village_id)
    else:
        rows = voids.recent_requests(session, village_id)
    return list_response([void_request_dict(row) for row in rows], None), 200


@bp.post("/void-requests/<int:request_id>/decline")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@endpoint(
    body=DeclineBody,
    responses={200: "void request"},
    errors=("bad_request", "not_found", "void_needs_supervisor", "void_request_closed"),
    idempotent=True,
)
def decline_void_request(request_id: int, data):
    """The order stands: the request closes with a note the clerk reads. Whoever may void
    the order decides (an earlier day's: the supervisor)."""
    row = voids.decline_request(
        get_session(), village=g.user.village, request_id=request_id, note=data["note"], by=g.user
    )
    return void_request_dict(row), 200
