"""Monthly household statements (per 村民小组, and the resident's own) and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import select

from app.awards.shared import confirm_lazily
from app.db import get_session
from app.security import STAFF, require_resident, require_role
from points import audit, statements
from points.clock import now
from points.deliberation.registers import write_xlsx
from points.errors import ValidationFailed
from points.models import Group, Role
from points.tallies import local_month
from points.villages import village_today, village_zone

bp = Blueprint("records", __name__)


def _month(village) -> object:
    try:
        return statements.parse_month(
            request.args.get("month"), local_month(village.timezone, now())
        )
    except ValidationFailed:
        abort(400)


def _groups(session, village_id: int) -> list[Group]:
    return list(
        session.scalars(select(Group).where(Group.village_id == village_id).order_by(Group.name))
    )


@bp.get("/admin/statements")
@require_role(*STAFF)
def statement_sheet():
    """The month's statements of one 村民小组 (or the whole village), two to an A4 page."""
    village = g.user.village
    confirm_lazily(village.id)
    session = get_session()
    month = _month(village)
    groups = _groups(session, village.id)
    group_id = request.args.get("group", "")
    group = None
    if group_id:
        group = next((x for x in groups if str(x.id) == group_id), None)
        if group is None:
            abort(404)
    households = statements.group_households(session, village.id, group.id if group else None)
    sheets = statements.statements(
        session, village, households, month, today=village_today(village)
    )
    return render_template(
        "office/statements.html",
        village=village,
        month=month,
        groups=groups,
        group=group,
        sheets=sheets,
        printed=now(),
    )


@bp.get("/me/statement")
@require_role()
@require_resident
def my_statement():
    """The resident's own household statement for a month (this month by default)."""
    village = g.user.village
    confirm_lazily(village.id)
    session = get_session()
    month = _month(village)
    (sheet,) = statements.statements(
        session, village, [g.user.resident.household], month, today=village_today(village)
    )
    return render_template(
        "office/statements.html",
        village=village,
        month=month,
        groups=None,
        group=None,
        sheets=[sheet],
        printed=now(),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(url_for("static", filename="favicon.svg"))


# ---------------------------------------------------------------- the audit log

AUDIT_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _audit_filters(village) -> dict:
    """The page's filters from the query string; a bad value answers 400."""
    args = request.args
    zone = village_zone(village)
    out: dict = {"user_id": None, "kind": args.get("kind") or None, "since": None, "until": None}
    try:
        if args.get("user"):
            out["user_id"] = int(args["user"])
        if args.get("from"):
            day = date.fromisoformat(args["from"])
            out["since"] = datetime.combine(day, time(), zone).astimezone(UTC)
        if args.get("to"):
            day = date.fromisoformat(args["to"]) + timedelta(days=1)
            out["until"] = datetime.combine(day, time(), zone).astimezone(UTC)
    except ValueError:
        abort(400)
    return out


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action) or ACTION_LABELS.get(action.split(".", 1)[0]) or action)


@bp.get("/admin/audit")
@require_role(*AUDIT_ROLES)
def audit_log():
    village = g.user.village
    session = get_session()
    filters = _audit_filters(village)
    try:
        offset = max(0, int(request.args.get("offset", 0)))
        page = audit.search(session, village.id, limit=50, offset=offset, **filters)
    except (ValueError, ValidationFailed):
        abort(400)
    return render_template(
        "office/audit.html",
        page=page,
        kinds=audit.kinds(session, village.id),
        actors=audit.actors(session, village.id),
        label=_action_label,
        summary=audit.summary,
        kind_labels=KIND_LABELS,
        args=request.args,
    )


@bp.get("/admin/audit.xlsx")
@require_role(*AUDIT_ROLES)
def audit_xlsx():
    village = g.user.village
    session = get_session()
    filters = _audit_filters(village)
    try:
        page = audit.search(session, village.id, limit=audit.MAX_EXPORT, **filters)
    except ValidationFailed:
        abort(400)
    zone = village_zone(village)
    rows = [
        [
            row.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            full_name or username or "",
            _action_label(row.action),
            row.action,
            f"{row.object_type} {row.object_id or ''}".strip(),
            audit.summary(row.before),
            audit.summary(row.after),
        ]
        for row, username, full_name in page.rows
    ]
    printed = now().astimezone(zone).strftime("%Y-%m-%d %H:%M")
    heading = _("%(village)s audit log, printed %(at)s", village=village.name, at=printed)
    headers = [_("Time"), pgettext("audit log", "Who"), _("Action"), _("Code"), _("Object"), _("Before"), _("After")]
    data = write_xlsx(_("Audit log"), heading, headers, rows)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=audit-{village.code}.xlsx"},
    )


KIND_LABELS = {
    "attendance": _l("Check-ins"),
    "award": _l("Awards"),
    "card": _l("Cards"),
    "deliberation": _l("Deliberation"),
    "donation": _l("Donations"),
    "event": _l("Events"),
    "expiry": _l("Points expiry"),
    "household": _l("Households"),
    "item": _l("Shop items"),
    "ledger": _l("Ledger"),
    "objection": _l("Objections"),
    "order": _l("Orders"),
    "resident": _l("Residents"),
    "rule": _l("Rules"),
    "stock": _l("Stock"),
    "topic": _l("Topics"),
    "user": _l("Accounts and logins"),
    "village": _l("Village settings"),
    "visit": _l("Visits"),
}

ACTION_LABELS = {
    "attendance.undo": _l("Check-in undone"),
    "expiry.run": _l("Points expiry run"),
    "order.redeem": _l("Redemption"),
    "order.void": _l("Order voided"),
    "stock.move": _l("Stock movement"),
    "stock.count": _l("Stocktake"),
    "user.login": _l("Logged in"),
    "user.roles": _l("Roles changed"),
    "ledger.correct": _l("Ledger correction"),
    "award.approve": _l("Award approved"),
    "award.reject": _l("Award rejected"),
    **KIND_LABELS,
}
