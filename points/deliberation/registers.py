"""The four registers of deliberation, per year in the village's calendar: 议题收集册
(topics raised), 议前调研册 (research), 会议记录 (meetings and their outcomes) and 办理公示簿
(results posted and carried out). Each is a list of plain rows the pages print and export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from points.deliberation import ratings
from points.deliberation.models import AgendaItem, Topic, TopicProgress, TopicStatus
from points.event_models import Attendance, Event
from points.models import Village
from points.sheets import xlsx_row
from points.villages import village_zone

KINDS = ("collection", "research", "meetings", "implementation")


def year_bounds(village: Village, year: int) -> tuple[datetime, datetime]:
    zone = village_zone(village)
    start = datetime.combine(date(year, 1, 1), time(), zone).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(), zone).astimezone(UTC)
    return start, end


def collection(session: Session, village: Village, year: int) -> list[Topic]:
    """Every topic raised in the year (merged duplicates too: their proposers count)."""
    start, end = year_bounds(village, year)
    stmt = (
        select(Topic)
        .where(Topic.village_id == village.id, Topic.created_at >= start, Topic.created_at < end)
        .options(selectinload(Topic.proposers))
        .order_by(Topic.created_at, Topic.id)
    )
    return list(session.scalars(stmt))


def research(session: Session, village: Village, year: int) -> list[Topic]:
    """Topics raised in the year that have research recorded."""
    return [
        t
        for t in collection(session, village, year)
        if t.research_notes or t.parties or t.proposal or t.notice
    ]


@dataclass
class MeetingRow:
    event: Event
    item: AgendaItem
    checked_in: int


def meetings(session: Session, village: Village, year: int) -> list[MeetingRow]:
    """Every topic on a meeting's agenda, for the meetings held in the year."""
    start, end = year_bounds(village, year)
    present = (
        select(Attendance.event_id, func.count(Attendance.id).label("n"))
        .where(Attendance.undone_at.is_(None))
        .group_by(Attendance.event_id)
        .subquery()
    )
    stmt = (
        select(Event, AgendaItem, func.coalesce(present.c.n, 0))
        .join(AgendaItem, AgendaItem.event_id == Event.id)
        .outerjoin(present, present.c.event_id == Event.id)
        .where(Event.village_id == village.id, Event.starts_at >= start, Event.starts_at < end)
        .order_by(Event.starts_at, Event.id, AgendaItem.position)
    )
    return [MeetingRow(e, a, int(n)) for e, a, n in session.execute(stmt)]


@dataclass
class ImplementationRow:
    topic: Topic
    progress: list[TopicProgress]
    tally: ratings.Tally


POSTED = (TopicStatus.PUBLISHED, TopicStatus.IMPLEMENTING, TopicStatus.DONE)


def implementation(session: Session, village: Village, year: int) -> list[ImplementationRow]:
    """Results posted in the year, with their implementation and rating."""
    start, end = year_bounds(village, year)
    stmt = (
        select(Topic)
        .where(
            Topic.village_id == village.id,
            Topic.status.in_(POSTED),
            Topic.published_at >= start,
            Topic.published_at < end,
        )
        .order_by(Topic.published_at, Topic.id)
    )
    found = list(session.scalars(stmt))
    notes: dict[int, list[TopicProgress]] = {t.id: [] for t in found}
    if found:
        for p in session.scalars(
            select(TopicProgress)
            .where(TopicProgress.topic_id.in_(list(notes)))
            .order_by(TopicProgress.at, TopicProgress.id)
        ):
            notes[p.topic_id].append(p)
    return [ImplementationRow(t, notes[t.id], ratings.tally(session, t)) for t in found]


def text_cell(value):
    """A value for a spreadsheet cell; text stays text (see :func:`write_xlsx`)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if isinstance(value, date) else value
    return value


def write_xlsx(title: str, heading: str, headers: list[str], rows: list[list]) -> bytes:
    """An .xlsx of one register; every text cell is written as text, never as a formula
    (:func:`points.sheets.xlsx_row`)."""
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415  (13 MB, only when someone exports)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(xlsx_row(sheet, [heading]))
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
