"""The roster page (村民花名册导入): template, upload, column mapping, preview, import."""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session
from app.office import bp
from app.security import require_role
from points import roster
from points.errors import DomainError, ValidationFailed
from points.models import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


def uploaded_bytes() -> bytes:
    """The sheet: the uploaded file, or the copy the preview page carried along."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read()
    try:
        return base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        return b""


def chosen_mapping() -> dict[str, str]:
    return {f: request.form[f"map_{f}"] for f in roster.FIELDS if f"map_{f}" in request.form}


@bp.get("/roster/template.xlsx")
@require_role(Role.ADMIN)
def roster_template():
    return xlsx_response(roster.template(), "roster-template.xlsx")


@bp.route("/roster", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def roster_page():
    if request.method == "GET":
        return render_template("office/roster.html", preview=None, content="", problem="")
    data = uploaded_bytes()
    if not data:
        return render_template(
            "office/roster.html", preview=None, content="", problem=_("Choose an .xlsx file.")
        ), 400
    mapping = chosen_mapping()
    session = get_session()
    if request.form.get("confirm") == "1":
        try:
            result = roster.apply(
                session, g.user.village_id, data, mapping=mapping, by_id=g.user.id
            )
        except roster.RosterInvalid:
            session.rollback()
        except ValidationFailed:
            session.rollback()
            return render_template(
                "office/roster.html", preview=None, content="", problem=_("Choose an .xlsx file.")
            ), 400
        else:
            session.commit()
            s = result.summary()
            flash(
                _(
                    "Roster imported: %(created)d new, %(moved)d moved, %(updated)d updated, "
                    "%(left)d marked moved out, %(unchanged)d unchanged.",
                    **{k: s[k] for k in ("created", "moved", "updated", "left", "unchanged")},
                ),
                "success",
            )
            return redirect(url_for("office.roster_page"))
    try:
        preview = roster.read(session, g.user.village_id, data, mapping)
    except DomainError:
        return render_template(
            "office/roster.html", preview=None, content="", problem=_("Choose an .xlsx file.")
        ), 400
    content = base64.b64encode(data).decode()
    return render_template(
        "office/roster.html",
        preview=preview,
        content=content,
        problem="",
        fields=roster.COLUMNS,
    ), (200 if preview.ok else 422)
