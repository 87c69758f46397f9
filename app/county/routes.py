"""The county officer's pages: the county table (县/镇 汇总表), its .xlsx export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.charts import county_chart
from app.db import get_session
from app.security import require_county_officer
from points import county as county_service
from points.errors import ValidationFailed

bp = Blueprint("county", __name__, url_prefix="/county")

# Column key -> heading, in the table's order (the village's code and name come first).
HEADINGS = (
    ("households", lazy_pgettext("a count", "Households")),
    ("residents", _l("Residents")),
    ("held", _l("Points held")),
    ("awarded", _l("Points awarded")),
    ("redeemed", _l("Points redeemed")),
    ("events", _l("Events")),
    ("checkins", _l("Check-ins")),
    ("participation", _l("Participation")),
    ("pending_awards", _l("Awards waiting")),
    ("open_objections", _l("Open objections")),
    ("topics_collected", _l("Topics collected")),
    ("topics_accepted", _l("Topics accepted")),
    ("topics_decided", _l("Topics decided")),
    ("topics_done", _l("Topics done")),
    ("satisfaction", _l("Satisfaction rate")),
)


def _table() -> county_service.CountyTable:
    county = g.user.county
    try:
        month = county_service.parse_month(county, request.args.get("month"))
    except ValidationFailed:
        abort(400)
    return county_service.county_table(
        get_session(),
        county,
        month=month,
        sort=request.args.get("sort", "village"),
        descending=request.args.get("dir") == "desc",
    )


@bp.get("")
@require_county_officer
def table():
    t = _table()
    return render_template(
        "county/table.html",
        t=t,
        # translated once, not in each of the 160 rows' cells (their labels on a phone)
        headings=[(key, str(label)) for key, label in HEADINGS],
        previous=county_service.shift_month(t.month, -1),
        following=None if t.current else county_service.shift_month(t.month, 1),
        this_month=county_service.this_month(t.county).strftime("%Y-%m"),
        charts=county_chart(get_session(), [row.village for row in t.rows], t.month),
    )


@bp.get("/export.xlsx")
@require_county_officer
def export_xlsx():
    t = _table()
    # The columns of points.county.table_xlsx: the table's, with the participants' count.
    headers = [_("Code"), _("Village"), *(str(label) for _key, label in HEADINGS[:7])]
    headers += [_("Participants"), *(str(label) for _key, label in HEADINGS[7:])]
    data = county_service.table_xlsx(t, headers, _("Total"))
    name = f"county-{t.county.code}-{t.month:%Y-%m}.xlsx"
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
