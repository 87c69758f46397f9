"""Exports (.xlsx) for a period: the page that lists them, and the one function the page and
the API share."""

from __future__ import annotations

from flask import g, render_template, request

from app.db import get_session
from app.office import bp
from app.office.roster import xlsx_response
from app.security import require_role
from points import exports, privacy
from points.errors import ValidationFailed
from points.models import Role
from store import exports as store_exports

# The contract's kinds (API.md), then the month's 公示 and the donations.
KINDS = ("ledger", "awards", "attendance", "orders", "stock", "topics", "donations", "posting")
BUILDERS = {**exports.BUILDERS, **store_exports.BUILDERS}


def build(session, village, kind: str, first: str | None, last: str | None) -> bytes:
    """The workbook of ``kind`` for the period, and a record of who exported it."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": "unknown export"})
    if kind == "posting":
        month = (first or "")[:7] or exports.period(village, None, None).first.strftime("%Y-%m")
        sheet = exports.posting_sheet(session, village, month)
    else:
        sheet = BUILDERS[kind](session, village, exports.period(village, first, last))
    privacy.record_export(
        session, kind=f"xlsx.{kind}", by_id=g.actor.id, village_id=village.id, period=sheet.period
    )
    return exports.to_bytes(village, sheet)


@bp.get("/exports")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def exports_page():
    p = exports.period(g.user.village, None, None)
    return render_template(
        "office/exports.html",
        kinds=KINDS,
        first=request.args.get("from") or p.first.isoformat(),
        last=request.args.get("to") or p.last.isoformat(),
    )


@bp.get("/exports/<kind>.xlsx")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def export_download(kind: str):
    session = get_session()
    data = build(session, g.user.village, kind, request.args.get("from"), request.args.get("to"))
    session.commit()  # the record of who exported what
    return xlsx_response(data, f"{kind}.xlsx")
