"""Pages for residents (我的积分) and the staff home."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, render_template
from flask_babel import gettext as _

from app.awards.shared import confirm_lazily
from app.db import get_session, write_session
from app.security import STAFF, require_resident, require_role
from points import awards, decisions, expiry, honours, ledger, privacy

bp = Blueprint("resident", __name__)


@bp.get("/me")
@require_role()
def my_points():
    user = g.user
    confirm_lazily(user.village_id)
    session = get_session()
    household = user.resident.household if user.resident else None
    entries = ledger.entries(session, household.id, limit=30) if household else []
    standing = awards.standing(session, household) if household else None
    objections = awards.objections_by(session, user.id)[:10]
    tier = honours.household_tier(session, household) if household else None
    expiring = expiry.expiring_soon(user.village, household.balance) if household else None
    return render_template(
        "resident/my_points.html",
        decisions=decisions.about_household(session, household.id) if household else [],
        expiring=expiring,
        household=household,
        tier=tier,
        entries=entries,
        standing=standing,
        objections=objections,
    )


@bp.get("/staff")
@require_role(*STAFF)
def staff_home():
    return render_template("resident/staff_home.html")


def _recorded(fmt: str) -> dict:
    """The resident's data, and the record that they exported it (a write in a GET)."""
    resident = g.user.resident
    data = privacy.personal_data(get_session(), resident)
    with write_session() as s, s.begin():
        privacy.record_export(
            s,
            kind="resident",
            object_id=resident.id,
            by_id=g.user.id,
            village_id=g.user.village_id,
            format=fmt,
        )
    get_session().commit()  # end the read snapshot (nothing was written in it)
    return data


def _download(body, mimetype: str, name: str) -> Response:
    response = body if isinstance(body, Response) else Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/data.json")
@require_role()
@require_resident
def my_data_json():
    """个人信息下载: everything kept about the resident, as JSON."""
    data = _recorded("json")
    return _download(jsonify(data), "application/json", f"my-data-{g.user.resident.id}.json")


@bp.get("/me/data.xlsx")
@require_role()
@require_resident
def my_data_xlsx():
    data = _recorded("xlsx")
    titles = {
        "resident": _("Me"),
        "household": _("Household"),
        "ledger": _("Points history"),
        "awards": _("Awards"),
        "attendance": _("Attendance"),
        "name": _("Name"),
        "phone": _("Phone"),
        "number": _("Household number"),
        "balance": _("Balance"),
        "pending": _("Pending"),
    }
    return _download(
        privacy.personal_data_xlsx(data, titles),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"my-data-{g.user.resident.id}.xlsx",
    )
