"""The four registers (议题收集册, 议前调研册, 会议记录, 办理公示簿) as A4 print pages and
.xlsx, per year."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.db import get_session
from app.security import STAFF, current_village, require_role
from app.timeutil import local_time
from app.topics import labels
from app.topics.routes import bp
from points.deliberation import registers
from points.villages import village_today

TITLES = {
    "collection": _l("Register of topics collected"),
    "research": _l("Register of research before meetings"),
    "meetings": _l("Minutes of meetings"),
    "implementation": _l("Register of results posted and carried out"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(village) -> int:
    value = request.args.get("year") or ""
    if not value:
        return village_today(village).year
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        abort(400)
    return int(value)


def _day(value, village) -> str:
    return local_time(value, village, "%Y-%m-%d") if value else ""


def build(kind: str, village, year: int) -> tuple[list[str], list[list]]:
    """The register's column headings and rows (text and numbers)."""
    session = get_session()
    if kind == "collection":
        headers = [
            _("Topic no."),
            _("Date raised"),
            _("Topic"),
            _("What and where"),
            _("Raised by"),
            _("Came by"),
            _("Route"),
            _("Status"),
            _("Decision"),
        ]
        rows = [
            [
                t.id,
                _day(t.created_at, village),
                t.title,
                t.description,
                "、".join(p.resident.name for p in t.proposers),
                str(labels.SOURCE[t.source.value]),
                str(labels.SIZE[t.size.value]) + (f"·{_('Urgent')}" if t.urgent else ""),
                str(labels.STATUS[t.status.value]),
                t.category or t.decline_reason,
            ]
            for t in registers.collection(session, village, year)
        ]
    elif kind == "research":
        headers = [
            _("Topic no."),
            _("Topic"),
            _("Form of deliberation"),
            _("Findings"),
            _("Parties to hear"),
            _("Proposal"),
            _("Notice to participants"),
        ]
        rows = [
            [
                t.id,
                t.title,
                str(labels.FORM[t.form.value]) if t.form else "",
                t.research_notes,
                t.parties,
                t.proposal,
                t.notice,
            ]
            for t in registers.research(session, village, year)
        ]
    elif kind == "meetings":
        headers = [
            _("Date"),
            _("Meeting"),
            _("Place"),
            _("Checked in"),
            _("Topic"),
            _("Opinions heard (minutes)"),
            _("Result"),
            _("Passed"),
        ]
        rows = [
            [
                local_time(r.event.starts_at, village),
                r.event.title,
                r.event.location,
                r.checked_in,
                r.item.topic.title,
                r.item.minutes,
                r.item.result,
                ""
                if r.item.passed is None
                else (_("Passed") if r.item.passed else _("Not passed")),
            ]
            for r in registers.meetings(session, village, year)
        ]
    elif kind == "implementation":
        headers = [
            _("Topic no."),
            _("Topic"),
            _("Result"),
            _("Posted"),
            _("Posted for objections until"),
            _("Owner"),
            _("Deadline"),
            _("Progress"),
            _("Done"),
            _("Satisfaction rate"),
        ]
        rows = [
            [
                r.topic.id,
                r.topic.title,
                r.topic.result,
                _day(r.topic.published_at, village),
                _day(r.topic.objection_deadline, village),
                r.topic.owner,
                r.topic.deadline.isoformat() if r.topic.deadline else "",
                "\n".join(f"{_day(p.at, village)} {p.note}" for p in r.progress),
                _day(r.topic.done_at, village),
                f"{r.tally.rate:.0%}" if r.tally.rate is not None else "",
            ]
            for r in registers.implementation(session, village, year)
        ]
    else:
        abort(404)
    return headers, rows


@bp.get("/registers")
@require_role(*STAFF)
def registers_index():
    village = current_village()
    return render_template("topics/registers.html", titles=TITLES, year=_year(village))


@bp.get("/registers/<kind>")
@require_role(*STAFF)
def register_page(kind: str):
    village = current_village()
    year = _year(village)
    headers, rows = build(kind, village, year)
    return render_template(
        "topics/register.html",
        kind=kind,
        title=TITLES[kind],
        year=year,
        headers=headers,
        rows=rows,
        village=village,
        today=village_today(village),
    )


@bp.get("/registers/<kind>.xlsx")
@require_role(*STAFF)
def register_xlsx(kind: str):
    village = current_village()
    year = _year(village)
    headers, rows = build(kind, village, year)
    title = str(TITLES[kind])
    data = registers.write_xlsx(title, f"{village.name} {title} {year}", headers, rows)
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename=topics-{kind}-{year}.xlsx"
    return response
