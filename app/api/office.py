"""Roster import and exports (API.md, Roster import and exports)."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext

from app.api import bp
from app.api.common import binary, endpoint
from app.db import get_session
from app.errors import error_body
from app.office.exports import build
from app.office.roster import XLSX, xlsx_response
from app.security import current_village, require_role
from points import roster
from points.errors import ValidationFailed
from points.models import Role


def _translated(errors: list[dict]) -> list[dict]:
    return [{**e, "message": gettext(e["message"])} for e in errors]


@bp.post("/residents/import")
@require_role(Role.ADMIN)
@endpoint(
    responses={200: "created, updated, unchanged, moved (and left) counts"},
    errors=("invalid_rows", "bad_request"),
)
def import_residents():
    """Import the roster (.xlsx, multipart ``file``); ``dry_run=1`` previews only."""
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if not data:
        raise ValidationFailed({"file": "an .xlsx file"})
    mapping = {f: request.form[f"map_{f}"] for f in roster.FIELDS if f"map_{f}" in request.form}
    session = get_session()
    if request.form.get("dry_run") in ("1", "true"):
        preview = roster.read(session, g.actor.village_id, data, mapping)
    else:
        try:
            preview = roster.apply(
                session, g.actor.village_id, data, mapping=mapping, by_id=g.actor.id
            )
        except roster.RosterInvalid as exc:
            session.rollback()
            return error_body("invalid_rows", {"errors": _translated(exc.details["errors"])}), 422
    summary = preview.summary()
    if summary["errors"]:
        return error_body("invalid_rows", {"errors": _translated(summary["errors"])}), 422
    return summary, 200


@bp.get("/exports/<kind>.xlsx")
@require_role(Role.ADMIN, Role.SUPERVISOR)
@binary(
    media_types=(XLSX,),
    summary="An .xlsx of the period (from, to: YYYY-MM-DD): ledger, awards, attendance, "
    "orders, stock or topics (also donations, and posting: the month of from).",
    errors=("bad_request", "not_found"),
)
def export_xlsx(kind: str):
    """An .xlsx export for the period; text is never written as a formula."""
    session = get_session()
    data = build(session, current_village(), kind, request.args.get("from"), request.args.get("to"))
    session.commit()  # the record of who exported what
    return xlsx_response(data, f"{kind}.xlsx")
