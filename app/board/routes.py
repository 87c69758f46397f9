"""Pages of the public board (no login) and of postings, star tiers and fair access (staff)."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.db import get_session
from app.ratelimits import public_check_limits
from app.security import STAFF, require_role
from app.timeutil import local_time
from app.topics import labels as topic_labels
from points import board, fair_access, honours, postings, qr, villages
from points.board_models import DeductionDisplay
from points.errors import DomainError
from points.models import Role
from points.sheets import xlsx_row

bp = Blueprint("board", __name__)


def _qr_svg(payload: str) -> Markup:
    text = qr.svg(payload, border=2).decode()
    return Markup(text[text.index("<svg") :])


def _board_url(code: str) -> str:
    return url_for("board.public", code=code, _external=True)


# -- anyone -------------------------------------------------------------------------------


@bp.get("/v/<code>")
def public(code: str):
    """The village's board: light enough for a 2G phone, masked names only."""
    session = get_session()
    village = villages.get_village_by_code(session, code)
    data = board.build_board(session, village)
    return render_template(
        "board/public.html",
        village=village,
        b=data,
        lt=lambda value, fmt="%m-%d %H:%M": local_time(value, village, fmt),
        iso_local=lambda text, fmt="%m-%d %H:%M": _iso_local(text, village, fmt),
        topic_status=topic_labels.STATUS,
    )


def _iso_local(text: str | None, village, fmt: str) -> str:
    from datetime import datetime  # noqa: PLC0415

    return local_time(datetime.fromisoformat(text), village, fmt) if text else ""


@bp.get("/v/<code>/qr")
def public_qr(code: str):
    """A printable QR of the board's address, to post on the wall or in a group chat."""
    session = get_session()
    village = villages.get_village_by_code(session, code)
    url = _board_url(village.code)
    return render_template("board/qr.html", village=village, url=url, svg=_qr_svg(url))


@bp.get("/v/<code>/verify")
@public_check_limits
def verify_page(code: str):
    """Type the code printed on a posting: does today's ledger still hold what it showed?"""
    session = get_session()
    village = villages.get_village_by_code(session, code)
    typed = (request.args.get("code") or "").strip()[:40]
    result = None
    if typed:
        try:
            result = postings.verify_code(session, village=village, code=typed)
        except DomainError:
            result = None
    return render_template("board/verify.html", village=village, typed=typed, result=result)


# -- staff --------------------------------------------------------------------------------


@bp.route("/postings", methods=["GET", "POST"])
@require_role(Role.ADMIN, Role.SUPERVISOR)
def posting_list():
    session = get_session()
    village = g.user.village
    if request.method == "POST":
        if not g.actor.has_role(Role.ADMIN):
            abort(403)
        try:
            posting = postings.create_posting(
                session, village=village, month_text=request.form.get("month"), by_id=g.user.id
            )
        except DomainError:
            session.rollback()
            flash(
                _(
                    "The month could not be posted: it is not a month (YYYY-MM), is still to come, or was already posted."
                ),
                "error",
            )
            return redirect(url_for("board.posting_list")), 303
        session.commit()
        return redirect(url_for("board.posting_sheet", posting_id=posting.id)), 303
    return render_template(
        "board/postings.html",
        items=postings.postings_of(session, village.id),
        settings=honours.settings_of(session, village.id),
        modes=list(DeductionDisplay),
        format_code=postings.format_code,
    )


@bp.post("/board/settings")
@require_role(Role.ADMIN)
def board_settings():
    session = get_session()
    form = request.form
    try:
        thresholds = [int(x) for x in form.get("star_thresholds", "").replace("，", ",").split(",")]
    except ValueError:
        thresholds = []
    try:
        honours.update_settings(
            session,
            village_id=g.user.village_id,
            deductions=form.get("deductions"),
            star_thresholds=thresholds,
            idle_months=form.get("idle_months", type=int),
        )
    except DomainError:
        session.rollback()
        flash(_("Not saved: check the settings."), "error")
        return redirect(url_for("board.posting_list")), 303
    session.commit()
    flash(_("Board settings saved."), "success")
    return redirect(url_for("board.posting_list")), 303


def _posting(posting_id: int):
    return postings.get_posting(get_session(), g.user.village_id, posting_id)


@bp.get("/postings/<int:posting_id>")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def posting_sheet(posting_id: int):
    """The A4 sheet to print and post on the wall."""
    posting = _posting(posting_id)
    village = g.user.village
    url = _board_url(village.code)
    return render_template(
        "board/sheet.html",
        village=village,
        posting=posting,
        code=postings.format_code(posting.code),
        year=posting.month[:4],
        month_no=int(posting.month[5:]),
        url=url,
        svg=_qr_svg(url),
        lt=lambda value, fmt="%Y年%m月%d日": local_time(value, village, fmt),
    )


@bp.get("/postings/<int:posting_id>.xlsx")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def posting_xlsx(posting_id: int):
    posting = _posting(posting_id)
    from openpyxl import Workbook  # noqa: PLC0415  (13 MB, only for this export)

    book = Workbook()
    sheet = book.active
    sheet.title = posting.month
    header = [
        _("Household number"),
        _("Head of household"),
        _("Earned this month"),
        _("Spent this month"),
        _("Balance at month end"),
    ]
    rows = [header] + [
        [r["number"], r["name"], r["earned"], r["spent"], r["balance"]] for r in posting.rows
    ]
    rows.append([_("Verification code"), postings.format_code(posting.code)])
    for values in rows:
        sheet.append(xlsx_row(sheet, values))  # text stays text: "=..." is never a formula
    buf = io.BytesIO()
    book.save(buf)
    response = Response(
        buf.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = f"attachment; filename=posting-{posting.month}.xlsx"
    return response


@bp.get("/fair-access")
@require_role(*STAFF)
def fair_access_report():
    """机会公平: who earned nothing lately, by group and age band, and what is open to them."""
    session = get_session()
    village = g.user.village
    months = (
        request.args.get("months", type=int) or honours.settings_of(session, village.id).idle_months
    )
    months = min(max(months, 1), 24)
    report = fair_access.idle_report(session, village, months=months)
    return render_template("board/fair_access.html", report=report, months=months)
