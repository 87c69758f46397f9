"""Counties (县 / 镇), their officers, and the county table (汇总表): one row per village.

A county officer is a login with a county and no village: it holds no village role, so
every village page and API endpoint refuses it, and it reads only its own county's table.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit, users
from points.clock import now
from points.deliberation.county import TOTALLED as TOPIC_TOTALLED
from points.deliberation.county import add_topic_figures
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import County, User, Village
from points.sheets import xlsx_row
from points.tallies import MonthFigures, local_month, month_figures
from points.villages import clean_place

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_MONTH = date(2000, 1, 1)


class DuplicateCountyCode(DomainError):
    code = "duplicate_county_code"


def create_county(
    session: Session, *, code: str, name: str, timezone: str = "Asia/Shanghai"
) -> County:
    code, name, errors = clean_place(code, name, timezone)
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(County.id).where(County.code == code)) is not None:
        raise DuplicateCountyCode(code=code)
    county = County(code=code, name=name, timezone=timezone)
    session.add(county)
    session.flush()
    return county


def get_county_by_code(session: Session, code: str) -> County:
    county = session.scalar(select(County).where(County.code == code))
    if county is None:
        raise NotFound("county")
    return county


def attach_village(session: Session, county: County, village: Village) -> Village:
    """Put a village in a county (or move it from another one)."""
    before = {"county_id": village.county_id}
    village.county_id = county.id
    session.flush()
    audit.record(
        session,
        action="village.county",
        obj=village,
        by_id=None,
        village_id=village.id,
        before=before,
        after={"county_id": county.id},
    )
    return village


def create_officer(
    session: Session, *, county: County, username: str, password: str, full_name: str = ""
) -> User:
    """A county officer's login: the county, no village, no roles."""
    username = (username or "").strip()
    problems = users.credential_problems(username, password)
    if len(full_name or "") > 50:
        problems["full_name"] = "at most 50 characters"
    if problems:
        raise ValidationFailed(problems)
    users.check_username_free(session, username, None)
    user = User(
        username=username,
        password_hash=users.hash_password(password),
        village_id=None,
        county_id=county.id,
        full_name=(full_name or "").strip(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="user.create",
        obj=user,
        by_id=None,
        village_id=None,
        after={"username": username, "county": county.code},
    )
    return user


def county_villages(session: Session, county_id: int) -> list[Village]:
    return list(
        session.scalars(
            select(Village).where(Village.county_id == county_id).order_by(Village.code)
        )
    )


def _village_rows(session: Session, county_id: int) -> list:
    """The county's villages as plain rows (id, code, name, timezone): the table needs no
    more, and 160 rows load several times faster than 160 ORM objects."""
    stmt = (
        select(Village.id, Village.code, Village.name, Village.timezone)
        .where(Village.county_id == county_id)
        .order_by(Village.code)
    )
    return list(session.execute(stmt))


# ---------------------------------------------------------------- the county table


def this_month(county: County) -> date:
    return local_month(county.timezone, now())


def parse_month(county: County, value: str | None) -> date:
    """``YYYY-MM`` from a query string; this month when absent. Not after this month."""
    if not value:
        return this_month(county)
    m = MONTH_RE.match(value.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise ValidationFailed({"month": "a month as YYYY-MM"})
    month = date(int(m.group(1)), int(m.group(2)), 1)
    if not FIRST_MONTH <= month <= this_month(county):
        raise ValidationFailed({"month": "a month from 2000 to this one"})
    return month


def shift_month(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


# Sortable columns: the query string's name -> how a row sorts.
COLUMNS = (
    "village",
    "households",
    "residents",
    "held",
    "awarded",
    "redeemed",
    "events",
    "checkins",
    "participation",
    "pending_awards",
    "open_objections",
    "topics_collected",
    "topics_accepted",
    "topics_decided",
    "topics_done",
    "satisfaction",
)


@dataclass
class CountyRow:
    village: Any  # id, code, name and timezone of the village
    figures: MonthFigures

    def key(self, column: str):
        if column == "village":
            return (self.village.code,)
        value = getattr(self.figures, column)
        return (value is None, value if value is not None else 0, self.village.code)


@dataclass
class CountyTable:
    county: County
    month: date
    current: bool  # the month is this month: open work is shown
    sort: str
    descending: bool
    rows: list[CountyRow] = field(default_factory=list)
    totals: MonthFigures = field(default_factory=lambda: MonthFigures(0))


def county_table(
    session: Session,
    county: County,
    *,
    month: date | None = None,
    sort: str = "village",
    descending: bool = False,
) -> CountyTable:
    """Every village of the county with its figures for the month, sorted, and totals."""
    month = month or this_month(county)
    if sort not in COLUMNS:
        sort = "village"
    villages = _village_rows(session, county.id)
    scope = select(Village.id).where(Village.county_id == county.id)
    figures = month_figures(session, villages, month, scope=scope)
    add_topic_figures(session, villages, month, figures, scope)
    rows = [CountyRow(v, figures[v.id]) for v in villages]
    rows.sort(key=lambda r: r.key(sort), reverse=descending)
    table = CountyTable(county, month, month >= this_month(county), sort, descending, rows)
    totals = table.totals
    for name in (
        "households",
        "residents",
        "held",
        "awarded",
        "redeemed",
        "events",
        "checkins",
        "participants",
        *TOPIC_TOTALLED,
    ):
        setattr(totals, name, sum(getattr(r.figures, name) for r in rows))
    if table.current:
        for name in ("pending_awards", "pending_points", "open_objections"):
            setattr(totals, name, sum(getattr(r.figures, name) or 0 for r in rows))
    return table


def table_xlsx(table: CountyTable, headers: list[str], total_label: str) -> bytes:
    """The table as an .xlsx workbook (streamed rows: memory stays small)."""
    from openpyxl import Workbook  # noqa: PLC0415  (only when someone exports)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{table.month:%Y-%m}")
    sheet.append(xlsx_row(sheet, [f"{table.county.name} {table.month:%Y-%m}"]))
    sheet.append(xlsx_row(sheet, headers))

    def cells(label: list, f: MonthFigures) -> list:
        return [
            *label,
            f.households,
            f.residents,
            f.held,
            f.awarded,
            f.redeemed,
            f.events,
            f.checkins,
            f.participants,
            round(f.participation, 4),
            f.pending_awards,
            f.open_objections,
            f.topics_collected,
            f.topics_accepted,
            f.topics_decided,
            f.topics_done,
            round(f.satisfaction, 4) if f.satisfaction is not None else None,
        ]

    for row in table.rows:
        sheet.append(xlsx_row(sheet, cells([row.village.code, row.village.name], row.figures)))
    sheet.append(xlsx_row(sheet, cells(["", total_label], table.totals)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
