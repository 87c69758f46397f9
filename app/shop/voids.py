"""Receipts, voids and void requests (作废申请).

A clerk cannot void: the receipt says who can (the admins for today's orders, the supervisors
for an earlier day's) and takes the clerk's request, which those people see on their list
and on the receipt, where they void the order or decline the request with a note."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.forms import commit_or_errors
from app.security import require_role
from app.shop.forms import DeclineForm, VoidForm, VoidRequestForm
from app.shop.routes import bp
from points import access
from points.models import Role
from store import orders, voids

VOID_ROLES = (Role.ADMIN, Role.SUPERVISOR)
REQUEST_ROLES = (Role.CLERK, Role.ADMIN, Role.SUPERVISOR)


def _visible_order(order_id: int):
    order = orders.get_order(get_session(), g.user.village_id, order_id)
    if not access.can_view_household(g.user, order.household):
        abort(404)
    return order


def _receipt(order, *, status: int = 200, void_form=None, request_form=None, decline_form=None):
    session = get_session()
    village = g.user.village
    ctx = {}
    if g.user.is_staff and g.user.has_role(*REQUEST_ROLES):
        latest = voids.latest_request_for(session, order.id)
        ctx = {
            "can_void": voids.can_void(g.user, village, order),
            "who_can_void": voids.who_can_void(session, village, order),
            "needs_supervisor": voids.needs_supervisor(village, order),
            "void_request": latest,
        }
        if void_form is None and latest is not None and latest.status == "open":
            void_form = VoidForm(formdata=None, data={"reason": latest.reason})
    paper = "a4" if request.args.get("paper") == "a4" else "58mm"
    return render_template(
        "shop/receipt.html",
        order=order,
        paper=paper,
        void_form=void_form or VoidForm(formdata=None),
        request_form=request_form or VoidRequestForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        **ctx,
    ), status


@bp.get("/orders/<int:order_id>")
@require_role()
def receipt(order_id: int):
    return _receipt(_visible_order(order_id))


@bp.post("/orders/<int:order_id>/void")
@require_role(*VOID_ROLES)
def void(order_id: int):
    order = orders.get_order(get_session(), g.user.village_id, order_id)
    form = VoidForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: voids.void(
                s, village=g.user.village, order_id=order.id, reason=form.reason.data, by=g.user
            ),
        )
        if result is not None:
            flash(_("Order %(number)s voided.", number=order.number), "success")
            return redirect(url_for("shop.receipt", order_id=order.id))
    return _receipt(order, status=status, void_form=form)


@bp.post("/orders/<int:order_id>/void-request")
@require_role(*REQUEST_ROLES)
def request_void(order_id: int):
    order = orders.get_order(get_session(), g.user.village_id, order_id)
    form = VoidRequestForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: voids.request_void(
                s, village=g.user.village, order_id=order.id, reason=form.reason.data, by=g.user
            ),
        )
        if result is not None:
            flash(
                _("Void request sent. It waits on the list of the people named below."), "success"
            )
            return redirect(url_for("shop.receipt", order_id=order.id))
    return _receipt(order, status=status, request_form=form)


@bp.post("/void-requests/<int:request_id>/decline")
@require_role(*VOID_ROLES)
def decline_void_request(request_id: int):
    row = voids.get_request(get_session(), g.user.village_id, request_id)
    form = DeclineForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: voids.decline_request(
                s, village=g.user.village, request_id=row.id, note=form.note.data, by=g.user
            ),
        )
        if result is not None:
            flash(_("Request declined: the order stands."), "success")
            return redirect(url_for("shop.void_requests"))
    return _receipt(row.order, status=status, decline_form=form)


@bp.get("/void-requests")
@require_role(*REQUEST_ROLES)
def void_requests():
    session = get_session()
    village_id = g.user.village_id
    return render_template(
        "shop/void_requests.html",
        waiting=voids.open_requests(session, village_id),
        closed=voids.recent_requests(session, village_id),
    )
