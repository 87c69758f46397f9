"""The 积分超市 pages: counter, catalogue, stock, stocktake, donations, day sheet (receipts and
voids are in app.shop.voids)."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from app.awards.shared import expire_lazily, upload_limits, uploads_dir
from app.db import get_session
from app.errors import message_for
from app.forms import commit_or_errors, invalid_status
from app.security import STAFF, require_role
from app.shop.forms import DonationForm, ItemForm, NewItemForm, StockForm
from points import cards, residents, rules
from points.errors import DomainError, NotFound, ValidationFailed
from points.inputs import id_value, whole_number
from points.models import Resident, Role
from points.villages import village_today
from store import catalogue, donations, orders, photos, stock, voids

bp = Blueprint("shop", __name__, url_prefix="/shop")

COUNTER_ROLES = (Role.CLERK, Role.ADMIN)
TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@bp.app_context_processor
def _shop_helpers():
    def low_stock_items():
        user = g.get("user")
        if user is None or not user.is_staff:
            return []
        return catalogue.low_stock(get_session(), user.village_id)

    def void_requests_waiting() -> int:
        user = g.get("user")
        if user is None or not user.is_staff:
            return 0
        return voids.count_open(get_session(), user.village_id)

    return {"shop_low_stock": low_stock_items, "shop_void_waiting": void_requests_waiting}


def counter_message(exc: DomainError) -> str:
    """The clerk's plain-language message for a refused redemption."""
    d = exc.details
    if exc.code == "insufficient_points":
        return _(
            "Not enough points: the household has %(balance)d, this basket needs %(needed)d.",
            balance=d.get("balance", 0),
            needed=d.get("needed", 0),
        )
    if exc.code == "out_of_stock":
        return _(
            "%(item)s: only %(stock)d left on the shelf.",
            item=d.get("item_name", ""),
            stock=d.get("stock", 0),
        )
    if exc.code == "limit_reached":
        return _(
            "%(item)s: the limit is %(limit)d a month and this household has taken %(used)d.",
            item=d.get("item_name", ""),
            limit=d.get("limit", 0),
            used=d.get("used", 0),
        )
    if exc.code == "item_inactive":
        return _("%(item)s is no longer on sale.", item=d.get("item_name", ""))
    if isinstance(exc, ValidationFailed):
        return (
            _("Some of the input is not valid.") + " " + " ".join(_(m) for m in exc.fields.values())
        )
    return message_for(exc.code)


def _counter_context(household, resident=None):
    session = get_session()
    village = g.user.village
    items = catalogue.list_items(session, village.id, active_only=True)
    return {
        "household": household,
        "resident": resident,
        "items": items,
        "limits": orders.month_limits(session, village, household.id, items),
        "recent": orders.household_orders(session, household.id, limit=5),
        "token": secrets.token_urlsafe(24),
    }


@bp.get("/counter")
@require_role(*COUNTER_ROLES)
def counter():
    """Search a household, or show one's basket (``household``, and the ``resident`` whose
    card was scanned). A card is never read from the query string: a URL is written to
    access logs and browser history, and a card's payload there is enough to print the
    card and spend the household's points. Cards come by POST (:func:`counter_card`)."""
    expire_lazily(g.user.village_id)  # cleared points are never spent after the day
    session = get_session()
    q = (request.args.get("q") or "").strip()
    household_id = request.args.get("household", type=id_value)
    resident_id = request.args.get("resident", type=id_value)
    ctx = {"card": "", "q": q, "matches": None, "error": None}
    if household_id is not None:
        household = residents.get_household(session, g.user.village_id, household_id)
        resident = None
        if resident_id is not None:
            resident = residents.get_resident(session, g.user.village_id, resident_id)
            if resident.household_id != household.id:
                abort(404)
        ctx.update(_counter_context(household, resident))
    elif q:
        page = residents.search_households(session, g.user.village_id, q, limit=20)
        ctx["matches"] = page.items
    return render_template("shop/counter.html", form=FlaskForm(), **ctx)


@bp.post("/counter")
@require_role(*COUNTER_ROLES)
def counter_card():
    """A scanned or typed card, in the request body: the household's basket opens at a URL
    that carries only ids; a refused card answers here, its text not in any URL."""
    session = get_session()
    form = FlaskForm()
    card = (request.form.get("card") or "").strip()
    ctx = {"card": card, "q": "", "matches": None, "error": None}
    if not form.validate_on_submit() or not card:
        ctx["error"] = message_for("invalid_card")
        return render_template("shop/counter.html", form=form, **ctx), 400
    try:
        resident = cards.resolve(session, current_app.config["SECRET_KEY"], g.user.village_id, card)
    except DomainError as exc:
        ctx["error"] = message_for(exc.code)
        return render_template("shop/counter.html", form=form, **ctx), exc.status
    return redirect(
        url_for("shop.counter", household=resident.household_id, resident=resident.id), 303
    )


@bp.post("/counter/<int:household_id>")
@require_role(*COUNTER_ROLES)
def counter_redeem(household_id: int):
    session = get_session()
    household = residents.get_household(session, g.user.village_id, household_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    token = request.form.get("token", "")
    if not 16 <= len(token) <= 64 or not set(token) <= TOKEN_CHARS:
        abort(400)
    resident_id = request.form.get("resident_id", type=id_value)
    if resident_id is not None:
        resident = residents.get_resident(session, g.user.village_id, resident_id)
        if resident.household_id != household.id:
            abort(400)
    lines = []
    for key, value in request.form.items():
        if not key.startswith("qty_"):
            continue
        value = value.strip()
        if value in ("", "0"):
            continue
        item_id = key[4:]
        lines.append(
            {
                "item_id": whole_number(item_id),
                "quantity": whole_number(value),
            }
        )
    try:
        order = orders.redeem(
            session,
            village_id=g.user.village_id,
            household_id=household.id,
            lines=lines,
            clerk_id=g.user.id,
            resident_id=resident_id,
            counter_token=token,
        )
    except DomainError as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        ctx = _counter_context(
            household, session.get(Resident, resident_id) if resident_id else None
        )
        ctx["token"] = token  # the same basket may be fixed and sent again, still once
        return render_template(
            "shop/counter.html",
            form=form,
            card="",
            q="",
            matches=None,
            error=counter_message(exc),
            chosen={ln["item_id"]: ln["quantity"] for ln in lines},
            **ctx,
        ), exc.status
    session.commit()
    return redirect(url_for("shop.receipt", order_id=order.id))


@bp.get("/items")
@require_role(*STAFF)
def items():
    return render_template(
        "shop/items.html", items=catalogue.list_items(get_session(), g.user.village_id)
    )


def upload_dir() -> Path:
    """The one uploads folder (UPLOAD_FOLDER, by default instance/uploads)."""
    return uploads_dir()


def _save_item(session, form, item=None):
    """Create or edit an item, with its photo when one was sent."""
    if item is None:
        item = catalogue.create_item(
            session,
            village_id=g.user.village_id,
            data=_item_data(form),
            stock=form.stock.data or 0,
            by_id=g.user.id,
        )
    else:
        catalogue.update_item(session, item, data=_item_data(form), by_id=g.user.id)
    upload = form.photo.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.stream.read(photos.MAX_BYTES + 1)
        photos.set_photo(session, item, data, upload_dir(), by_id=g.user.id, limits=upload_limits())
    return item


@bp.get("/items/<int:item_id>/photo")
@require_role()
def item_photo(item_id: int):
    item = catalogue.get_item(get_session(), g.user.village_id, item_id)
    if not item.photo:
        abort(404)
    response = send_from_directory(upload_dir(), item.photo, max_age=86400)
    response.headers["Content-Disposition"] = "inline"
    return response


def _item_data(form) -> dict:
    return {
        "name": form.name.data,
        "category": form.category.data or "",
        "unit": form.unit.data or "",
        "price": form.price.data,
        "monthly_limit": form.monthly_limit.data,
        "low_stock_threshold": form.low_stock_threshold.data or 0,
        "active": bool(form.active.data),
    }


@bp.route("/items/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def item_new():
    form = NewItemForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        item, status = commit_or_errors(form, lambda s: _save_item(s, form))
        if item is not None:
            flash(_("%(name)s added.", name=item.name), "success")
            return redirect(url_for("shop.items"))
        if status == 409:
            form.form_errors.clear()
            form.name.errors = [message_for("duplicate_item_name")]
    return render_template("shop/item_form.html", form=form, item=None), status


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def item_edit(item_id: int):
    item = catalogue.get_item(get_session(), g.user.village_id, item_id)
    form = ItemForm(obj=item)
    status = invalid_status(form)
    if form.validate_on_submit():
        result, status = commit_or_errors(form, lambda s: _save_item(s, form, item))
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("shop.items"))
        if status == 409:
            form.form_errors.clear()
            form.name.errors = [message_for("duplicate_item_name")]
    return render_template("shop/item_form.html", form=form, item=item), status


@bp.route("/items/<int:item_id>/stock", methods=["GET", "POST"])
@require_role(*COUNTER_ROLES)
def item_stock(item_id: int):
    session = get_session()
    item = catalogue.get_item(session, g.user.village_id, item_id)
    form = StockForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: stock.move(
                s,
                village_id=g.user.village_id,
                item_id=item.id,
                delta=form.delta.data,
                kind=form.reason.data,
                note=form.note.data,
                funding=form.funding.data,
                by_id=g.user.id,
            ),
            {"negative_stock": "delta"},
        )
        if result is not None:
            flash(
                _("Stock of %(name)s is now %(n)d.", name=item.name, n=result.stock_after),
                "success",
            )
            return redirect(url_for("shop.item_stock", item_id=item.id))
        if status == 409:
            form.form_errors.clear()
            form.delta.errors = [message_for("negative_stock")]
    moves = stock.movements(session, g.user.village_id, item_id=item.id, limit=50)
    return render_template("shop/item_stock.html", form=form, item=item, moves=moves), status


@bp.route("/stocktake", methods=["GET", "POST"])
@require_role(*COUNTER_ROLES)
def stocktake():
    session = get_session()
    form = FlaskForm()
    all_items = catalogue.list_items(session, g.user.village_id)
    status = invalid_status(form)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        counts = {}
        for item in all_items:
            raw = (request.form.get(f"count_{item.id}") or "").strip()
            if raw == "":
                continue
            counts[item.id] = whole_number(raw)
        try:
            moves = stock.stocktake(
                session,
                village_id=g.user.village_id,
                counts=counts,
                note=request.form.get("note", ""),
                by_id=g.user.id,
            )
        except ValidationFailed as exc:
            session.rollback()
            errors, status = {k: _(v) for k, v in exc.fields.items()}, 400
        else:
            session.commit()
            flash(_("Stocktake posted: %(n)d items changed.", n=len(moves)), "success")
            return redirect(url_for("shop.items"))
    return render_template(
        "shop/stocktake.html", form=form, items=all_items, errors=errors, values=request.form
    ), status


@bp.get("/movements")
@require_role(Role.CLERK, Role.ADMIN, Role.SUPERVISOR)
def movement_list():
    """Every stock movement, newest first; ``?kind=count`` for the stocktakes' corrections."""
    kind = request.args.get("kind") or None
    moves = stock.movements(get_session(), g.user.village_id, kind=kind, limit=200)
    return render_template("shop/movements.html", moves=moves, kind=kind)


def _rule_choices():
    active = rules.list_rules(get_session(), g.user.village_id, active_only=True)
    return [SelectChoice("", _("(no points)"))] + [
        SelectChoice(str(r.id), f"{r.code} {r.latest.title} (+{r.latest.points})")
        for r in active
        if r.latest.points > 0 and r.latest.for_donations
    ]


@bp.route("/donations/new", methods=["GET", "POST"])
@require_role(*COUNTER_ROLES)
def donation_new():
    session = get_session()
    form = DonationForm()
    form.rule_id.choices = _rule_choices()
    all_items = catalogue.list_items(session, g.user.village_id, active_only=True)
    status = invalid_status(form)
    if form.validate_on_submit():
        lines = []
        for item in all_items:
            raw = (request.form.get(f"qty_{item.id}") or "").strip()
            if raw and raw != "0":
                lines.append({"item_id": item.id, "quantity": whole_number(raw)})
        if form.new_name.data:
            lines.append(
                {
                    "new_item": {
                        "name": form.new_name.data,
                        "unit": form.new_unit.data or "",
                        "price": form.new_price.data,
                    },
                    "quantity": form.new_quantity.data,
                }
            )
        donor_resident_id = None
        if form.donor_household.data:
            household = residents.find_household_by_number(
                session, g.user.village_id, form.donor_household.data.strip()
            )
            if household is None or household.head is None:
                form.donor_household.errors = [_("No such household.")]
                return render_template("shop/donation_form.html", form=form, items=all_items), 400
            donor_resident_id = household.head.id
        donation, status = commit_or_errors(
            form,
            lambda s: donations.record_donation(
                s,
                village=g.user.village,
                donor_name=form.donor_name.data,
                donor_resident_id=donor_resident_id,
                lines=lines,
                estimated_value=form.estimated_value.data,
                public=form.public.data,
                note=form.note.data,
                rule_id=int(form.rule_id.data) if form.rule_id.data else None,
                by_id=g.user.id,
            ),
            {"rule_id": "rule_id", "donor_name": "donor_name", "lines": "new_quantity"},
        )
        if donation is not None:
            flash(
                _("Donation from %(name)s recorded. Thank you!", name=donation.donor_name),
                "success",
            )
            if form.new_name.data and not g.user.has_role(Role.ADMIN):
                flash(_("The new item is off sale until the committee sets its price."), "info")
            return redirect(url_for("shop.donation_list"))
    return render_template("shop/donation_form.html", form=form, items=all_items), status


@bp.get("/donations")
@require_role(*STAFF)
def donation_list():
    return render_template(
        "shop/donations.html", donations=donations.list_donations(get_session(), g.user.village_id)
    )


@bp.get("/thanks")
@require_role()
def thanks():
    """The public thank-you list: donors who agreed to be named."""
    rows = donations.list_donations(get_session(), g.user.village_id, public_only=True)
    return render_template("shop/thanks.html", donations=rows)


@bp.get("/daily")
@require_role(Role.CLERK, Role.ADMIN, Role.SUPERVISOR)
def daily():
    village = g.user.village
    try:
        day = date.fromisoformat(request.args.get("day") or "") if request.args.get("day") else None
    except ValueError:
        raise ValidationFailed({"day": "not a valid date"}) from None
    day = day or village_today(village)
    report = orders.day_report(get_session(), village, day)
    return render_template("shop/daily.html", report=report)


@bp.get("/catalogue")
@require_role()
def resident_catalogue():
    """What the shop has, marked with what the household can afford now."""
    session = get_session()
    user = g.user
    household = user.resident.household if user.resident else None
    items = catalogue.list_items(session, user.village_id, active_only=True)
    affordable = orders.affordable(household, items) if household else {}
    history = orders.household_orders(session, household.id) if household else []
    return render_template(
        "shop/catalogue.html",
        household=household,
        items=items,
        affordable=affordable,
        history=history,
    )
