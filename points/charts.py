"""The figures behind the dashboard's and the county table's trend charts.

One function per chart; each returns plain rows that the page draws (ECharts) and also
prints as a table beside the chart (for screen readers and paper). Months are the
village's own calendar months, the oldest first, ending with the month of ``at``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from points import events
from points.clock import now
from points.event_models import Event, EventKind, EventStatus
from points.models import EntryKind, Group, Household, LedgerEntry, RuleVersion, Village
from points.tallies import apply_pending, local_month, month_bounds_in
from points.tally_models import VillageMonthTally

NO_GROUP = ""  # households outside any 村民小组


def last_months(zone: str, at: datetime, count: int) -> list[date]:
    """The first days of the ``count`` months ending with the one containing ``at``."""
    first = local_month(zone, at)
    out = []
    for back in range(count - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        out.append(date(index // 12, index % 12 + 1, 1))
    return out


# ---------------------------------------------------------------- attendance per meeting


@dataclass
class MeetingRate:
    event_id: int
    title: str
    starts_at: datetime
    invited: int
    checked_in: int
    rate: float  # 0.0 to 1.0


def attendance_trend(
    session: Session, village: Village, *, at: datetime | None = None, limit: int = 24
) -> list[MeetingRate]:
    """The attendance rate of the village's meetings (not volunteer events) that have
    started in the last twelve months, the latest ``limit`` of them, oldest first."""
    at = at or now()
    since, _ = month_bounds_in(village.timezone, last_months(village.timezone, at, 12)[0])
    stmt = (
        select(Event)
        .where(
            Event.village_id == village.id,
            Event.kind == EventKind.MEETING,
            Event.status != EventStatus.SCHEDULED,
            Event.starts_at >= since,
            Event.starts_at <= at,
        )
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    out = []
    for event in reversed(list(session.scalars(stmt))):
        report = events.attendance_report(session, event)
        out.append(
            MeetingRate(
                event.id,
                event.title,
                event.starts_at,
                report.invited,
                report.checked_in,
                report.rate,
            )
        )
    return out


# ---------------------------------------------------------------- points per month


@dataclass
class MonthFlows:
    month: date
    issued: dict[str, int] = field(default_factory=dict)  # by category or group
    redeemed: dict[str, int] = field(default_factory=dict)  # spent at the shop, net of voids
    expired: dict[str, int] = field(default_factory=dict)


@dataclass
class FlowChart:
    keys: list[str]  # categories or group names, in order
    months: list[MonthFlows]


_SPENT = (EntryKind.REDEMPTION, EntryKind.REFUND)


def _window(village: Village, at: datetime, count: int) -> tuple[list[date], list[datetime]]:
    """The months ending with the one containing ``at``, and their bounds: each month's
    start, then the last month's end."""
    months = last_months(village.timezone, at, count)
    bounds = [month_bounds_in(village.timezone, m)[0] for m in months]
    return months, [*bounds, month_bounds_in(village.timezone, months[-1])[1]]


def _bucket(column, bounds: list[datetime]):
    """The index of the month a time falls in (-1 before the first): one statement reads
    the whole window, where a statement per month read the ledger twelve times."""
    whens = [(column < bounds[0], -1)]
    whens += [(column < bounds[i + 1], i) for i in range(len(bounds) - 1)]
    return case(*whens, else_=len(bounds) - 1)


def _flow_rows(session: Session, village: Village, bounds: list[datetime]):
    """(month index, kind, category, group, points) over the window, in one statement for
    both charts."""
    kind = case(
        (LedgerEntry.kind == EntryKind.AWARD, "issued"),
        (LedgerEntry.kind.in_(_SPENT), "redeemed"),
        (LedgerEntry.kind == EntryKind.EXPIRY, "expired"),
        else_="other",
    )
    month = _bucket(LedgerEntry.created_at, bounds)
    stmt = (
        select(month, kind, RuleVersion.category, Group.name, func.sum(LedgerEntry.amount))
        .join(Household, Household.id == LedgerEntry.household_id)
        .outerjoin(RuleVersion, RuleVersion.id == LedgerEntry.rule_version_id)
        .outerjoin(Group, Group.id == Household.group_id)
        .where(
            Household.village_id == village.id,
            LedgerEntry.created_at >= bounds[0],
            LedgerEntry.created_at < bounds[-1],
        )
        .group_by(month, kind, RuleVersion.category, Group.name)
    )
    return session.execute(stmt).all()


def flows_by_category_and_group(
    session: Session, village: Village, *, at: datetime | None = None, months: int = 12
) -> dict[str, FlowChart]:
    """Points issued (awards), redeemed (net of voids) and expired per month, split by the
    rule's category (``"category"``: redemptions and expiries have none, they come under
    ``""``) and by the household's 村民小组 (``"group"``). Deductions and corrections are
    left out: they are neither issued nor spent."""
    wanted, bounds = _window(village, at or now(), months)
    out = {by: [MonthFlows(month) for month in wanted] for by in ("category", "group")}
    keys: dict[str, set[str]] = {"category": set(), "group": set()}
    for index, kind, category, group, amount in _flow_rows(session, village, bounds):
        if kind == "other" or not 0 <= index < len(wanted):
            continue
        sign = 1 if kind == "issued" else -1
        for by, key in (("category", category), ("group", group)):
            key = key or NO_GROUP
            bucket = getattr(out[by][index], kind)
            bucket[key] = bucket.get(key, 0) + sign * int(amount or 0)
            if kind == "issued" or by == "group":
                keys[by].add(key)
    return {
        by: FlowChart(sorted(keys[by], key=lambda k: (k == NO_GROUP, k)), out[by]) for by in out
    }


# ---------------------------------------------------------------- households earning nothing


@dataclass
class IdleMonth:
    month: date
    households: int  # households that existed at the month's end
    idle: int  # of them, those with no award in the month


def idle_households(
    session: Session, village: Village, *, at: datetime | None = None, months: int = 12
) -> list[IdleMonth]:
    """Per month, how many households earned no points at all (no award entry)."""
    wanted, bounds = _window(village, at or now(), months)
    created = _bucket(Household.created_at, bounds)
    new_households = dict(
        session.execute(
            select(created, func.count(Household.id))
            .where(Household.village_id == village.id, Household.created_at < bounds[-1])
            .group_by(created)
        ).all()
    )
    month = _bucket(LedgerEntry.created_at, bounds)
    earning = dict(
        session.execute(
            select(month, func.count(func.distinct(LedgerEntry.household_id)))
            .join(Household, Household.id == LedgerEntry.household_id)
            .where(
                Household.village_id == village.id,
                LedgerEntry.kind == EntryKind.AWARD,
                LedgerEntry.amount > 0,
                LedgerEntry.created_at >= bounds[0],
                LedgerEntry.created_at < bounds[-1],
            )
            .group_by(month)
        ).all()
    )
    out = []
    households = int(new_households.get(-1) or 0)
    for index, first in enumerate(wanted):
        households += int(new_households.get(index) or 0)
        idle = max(0, households - int(earning.get(index) or 0))
        out.append(IdleMonth(first, households, idle))
    return out


# ---------------------------------------------------------------- the county's months


@dataclass
class CountyMonth:
    month: date
    awarded: int
    redeemed: int
    checkins: int
    participants: int
    residents: int  # active residents at the month's end

    @property
    def participation(self) -> float:
        return min(self.participants / self.residents, 1.0) if self.residents else 0.0


def county_trend(session: Session, villages: list[Village], *, month: date, months: int = 12):
    """The county's villages together, per month up to ``month``: points awarded and
    redeemed, check-ins and the share of residents who took part (from the tallies)."""
    apply_pending(session)
    index = month.year * 12 + month.month - 1
    wanted = [date((index - b) // 12, (index - b) % 12 + 1, 1) for b in range(months - 1, -1, -1)]
    ids = [v.id for v in villages]
    t = VillageMonthTally
    flows: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    if ids:
        stmt = (
            select(
                t.month,
                func.sum(t.awarded),
                func.sum(t.redeemed),
                func.sum(t.checkins),
                func.sum(t.participants),
                func.sum(t.residents),
            )
            .where(t.village_id.in_(ids), t.month <= month)
            .group_by(t.month)
        )
        for m, *figures in session.execute(stmt):
            flows[m] = [int(x or 0) for x in figures]
    out = []
    for m in wanted:
        residents = sum(f[4] for k, f in flows.items() if k <= m)
        awarded, redeemed, checkins, participants, _ = flows.get(m, [0, 0, 0, 0, 0])
        out.append(CountyMonth(m, awarded, redeemed, checkins, participants, residents))
    return out
