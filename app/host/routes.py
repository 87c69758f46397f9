"""The host's pages: events, the scanning page, the projector code, attendance and card sheets."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from app.db import get_session
from app.forms import apply_domain_error, invalid_status
from app.host.forms import EventForm, SelectChoice, UndoForm
from app.security import STAFF, require_role
from app.timeutil import local_time
from points import card_sheet, cards, checkin_notes, events, qr, rules, villages
from points.errors import DomainError
from points.event_models import Attendance, EventKind
from points.inputs import id_value
from points.models import Role
from points.sheets import csv_row, xlsx_row
from points.villages import village_zone

bp = Blueprint("host", __name__, url_prefix="/host")
HOSTS = (Role.HOST, Role.ADMIN)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _event(event_id: int):
    return events.get_event(get_session(), g.user.village_id, event_id)


def _local_input(value: str | None) -> datetime | str | None:
    """A ``datetime-local`` value read in the village's zone (the domain checks the rest)."""
    try:
        return datetime.fromisoformat(value or "").replace(tzinfo=village_zone(g.user.village))
    except ValueError:
        return value


@bp.get("/events")
@require_role(*STAFF)
def event_list():
    items = events.list_events(get_session(), g.user.village_id)
    return render_template("host/events.html", events=items)


@bp.route("/events/new", methods=["GET", "POST"])
@require_role(*HOSTS)
def event_new():
    session = get_session()
    form = EventForm()
    form.rule_id.choices = [
        SelectChoice(
            r.id,
            _(
                "%(title)s (%(points)+d points %(unit)s)",
                title=r.latest.title,
                points=r.latest.points,
                unit=_("per hour") if r.latest.unit.value == "per_hour" else _("per time"),
            ),
        )
        for r in rules.list_rules(session, g.user.village_id, active_only=True)
        if r.latest.points > 0
    ]
    form.groups.choices = [
        (gr.id, gr.name) for gr in villages.list_groups(session, g.user.village_id)
    ]
    status = invalid_status(form)
    if form.validate_on_submit():
        scope = form.invite_scope.data
        try:
            event = events.create_event(
                session,
                village_id=g.user.village_id,
                title=form.title.data,
                kind=form.kind.data,
                starts_at=_local_input(form.starts_at.data),
                ends_at=_local_input(form.ends_at.data),
                rule_id=form.rule_id.data,
                location=form.location.data or "",
                invite_scope=scope,
                invited_ids=form.groups.data if scope == "groups" else [],
                invited_numbers=re.split(r"[\s,，、]+", form.households.data or "")
                if scope == "households"
                else None,
                one_per_household=form.one_per_household.data,
                by_id=g.user.id,
            )
        except DomainError as exc:
            session.rollback()
            status = apply_domain_error(
                form,
                exc,
                {"invited_ids": "groups" if scope == "groups" else "households"},
            )
        else:
            session.commit()
            return redirect(url_for("host.event_detail", event_id=event.id))
    return render_template("host/event_new.html", form=form), status


@bp.get("/events/<int:event_id>")
@require_role(*STAFF)
def event_detail(event_id: int):
    event = _event(event_id)
    report = events.attendance_report(get_session(), event)
    return render_template(
        "host/event.html",
        event=event,
        report=report,
        undo_form=UndoForm(),
        zero=checkin_notes.zero_reasons(event, report.rows),
    )


@bp.post("/events/<int:event_id>/open")
@require_role(*HOSTS)
def event_open(event_id: int):
    session = get_session()
    events.open_event(
        session, events.get_event(session, g.user.village_id, event_id, lock=True), by_id=g.user.id
    )
    session.commit()
    flash(_("The event is open for check-in."))
    return redirect(url_for("host.event_scan", event_id=event_id))


@bp.post("/events/<int:event_id>/close")
@require_role(*HOSTS)
def event_close(event_id: int):
    session = get_session()
    events.close_event(session, _event(event_id), by_id=g.user.id)
    session.commit()
    flash(_("The event is closed."))
    return redirect(url_for("host.event_detail", event_id=event_id))


@bp.post("/events/<int:event_id>/attendance/<int:attendance_id>/undo")
@require_role(*HOSTS)
def attendance_undo(event_id: int, attendance_id: int):
    session = get_session()
    event = _event(event_id)
    att = session.get(Attendance, attendance_id)
    if att is None or att.event_id != event.id:
        abort(404)
    form = UndoForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to undo a check-in."), "error")
        return redirect(url_for("host.event_detail", event_id=event_id)), 303
    try:
        events.undo_checkin(session, attendance=att, reason=form.reason.data, by_id=g.user.id)
    except DomainError as exc:
        session.rollback()
        apply_domain_error(form, exc)
        flash(" ".join(form.form_errors + form.reason.errors), "error")
    else:
        session.commit()
        flash(_("The check-in was undone and its points reversed."))
    return redirect(url_for("host.event_detail", event_id=event_id))


@bp.get("/events/<int:event_id>/scan")
@require_role(*HOSTS)
def event_scan(event_id: int):
    event = _event(event_id)
    report = events.attendance_report(get_session(), event)
    return render_template("host/scan.html", event=event, report=report)


@bp.get("/events/<int:event_id>/projector")
@require_role(*HOSTS)
def event_projector(event_id: int):
    event = _event(event_id)
    _payload, expires_in = events.rotating_payload(_secret(), event)
    return render_template("host/projector.html", event=event, expires_in=expires_in)


@bp.get("/events/<int:event_id>/code.png")
@require_role(*HOSTS)
def event_code_png(event_id: int):
    """The current rotating code as a QR of the resident check-in URL."""
    payload, expires_in = events.rotating_payload(_secret(), _event(event_id))
    # Behind a TLS-terminating proxy (docs/https.md) the link must stay https.
    https = request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"
    link = url_for(
        "attend.event_checkin",
        payload=payload,
        _external=True,
        _scheme="https" if https else "http",
    )
    response = Response(qr.png(link, box_size=12), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Expires-In"] = str(expires_in)
    return response


def _export_rows(event, report):
    village = g.user.village
    header = [
        _("Name"),
        _("Household"),
        _("Group"),
        _("Method"),
        _("Checked in"),
        _("Checked out"),
        _("Hours"),
        _("Points"),
        _("Undone"),
    ]
    rows = [header]
    for a in report.rows:
        h = a.household
        rows.append(
            [
                a.resident.name,
                h.number,
                h.group.name if h.group else "",
                a.method.value,
                local_time(a.checked_in_at, village, "%Y-%m-%d %H:%M:%S"),
                local_time(a.checked_out_at, village, "%Y-%m-%d %H:%M:%S"),
                a.half_hours / 2 if a.half_hours is not None else "",
                a.points_awarded,
                a.undo_reason if a.undone_at else "",
            ]
        )
    return rows


@bp.get("/events/<int:event_id>/attendance.csv")
@require_role(*STAFF)
def attendance_csv(event_id: int):
    event = _event(event_id)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _export_rows(event, events.attendance_report(get_session(), event)):
        writer.writerow(csv_row(row))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=attendance-{event.id}.csv"
    return response


@bp.get("/events/<int:event_id>/attendance.xlsx")
@require_role(*STAFF)
def attendance_xlsx(event_id: int):
    event = _event(event_id)
    from openpyxl import Workbook  # noqa: PLC0415  (13 MB, only for this export)

    book = Workbook(write_only=True)
    sheet = book.create_sheet("attendance")
    for row in _export_rows(event, events.attendance_report(get_session(), event)):
        sheet.append(xlsx_row(sheet, row))
    buf = io.BytesIO()
    book.save(buf)
    response = Response(
        buf.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = f"attachment; filename=attendance-{event.id}.xlsx"
    return response


def inline_svg(payload: str) -> Markup:
    """The QR as inline SVG markup (no XML declaration), for pages and printed sheets."""
    text = qr.svg(payload).decode()
    return Markup(text[text.index("<svg") :])


@bp.get("/cards")
@require_role(*HOSTS)
def card_sheet_page():
    """A printable A4 sheet of cards: ?household=<id>, ?group=<id>, or the whole village."""
    session = get_session()
    household_id = request.args.get("household", type=id_value)
    group_id = request.args.get("group", type=id_value)
    number = (request.args.get("number") or "").strip()
    people = card_sheet.residents_for_sheet(
        session,
        g.user.village_id,
        household_id=household_id,
        group_id=group_id,
        household_number=number or None,
    )
    secret = _secret()
    sheet = [
        {
            "resident": r,
            "svg": inline_svg(cards.payload_for(secret, r)),
            "short_code": cards.short_code_for(secret, r),
        }
        for r in people
    ]
    groups = villages.list_groups(session, g.user.village_id)
    return render_template(
        "host/cards.html", sheet=sheet, groups=groups, group_id=group_id, number=number
    )


__all__ = ["EventKind"]


@bp.app_context_processor
def _error_message():
    from app.errors import message_for  # noqa: PLC0415

    return {"error_message": message_for}
