"""Per-village monthly figures kept up to date by the writers of what they count.

The county table reads 160 villages' months from a few thousand small rows instead of
grouping millions of ledger entries. Each writer calls one function here:

- :func:`record_entry` from ``points.ledger.append`` (every ledger entry),
- :func:`record_checkin` from ``points.events`` (a check-in, and its undo),
- :func:`record_household` and :func:`record_resident` from ``points.residents``.

The changes are gathered on the session and written just before it commits, in one
upsert per row, rows in a fixed order (``INSERT ... ON CONFLICT DO UPDATE SET x = x +
excluded.x``, the same on SQLite and PostgreSQL). Written at commit, a tally row is
locked after every household lock of the transaction, never before one: a batch (closing
an event, confirming due awards) and a single check-in can then never wait on each other
in a circle. Changes made inside a savepoint that is rolled back are dropped with it.
A reader in the same transaction calls :func:`apply_pending` first (``month_figures``
does). A month is the village's own calendar month, in its time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, case, event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from points.clock import now
from points.db import DirectStatement, begin_write
from points.event_models import Event
from points.models import (
    OPEN_AWARD_STATUSES,
    Award,
    EntryKind,
    Household,
    LedgerEntry,
    Objection,
    ObjectionStatus,
    Resident,
    ResidentStatus,
    Village,
)
from points.tally_models import ResidentMonth, VillageMonthTally
from points.villages import zone_of

if TYPE_CHECKING:
    from points.ledger import Appended

SHARDS = 8
FIGURES = ("awarded", "redeemed", "checkins", "participants", "net", "households", "residents")
SPENT_KINDS = frozenset({EntryKind.REDEMPTION, EntryKind.REFUND})
_PENDING = "cunyue.tallies"


def local_month(zone: str | ZoneInfo, at: datetime) -> date:
    """The first day of the calendar month containing ``at`` where the zone is."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return at.astimezone(tz).date().replace(day=1)


def _village_month(session: Session, village_id: int, at: datetime) -> date:
    return local_month(zone_of(session, village_id), at)


# ---------------------------------------------------------------- gathering changes


@dataclass
class _Changes:
    figures: dict[tuple[int, date, int], dict[str, int]]  # (village, month, shard) -> deltas
    acts: dict[tuple[int, date], list[int]]  # (resident, month) -> [delta, village, shard]


def _changes(session: Session) -> _Changes:
    """The changes of the innermost open transaction (a savepoint has its own)."""
    txn = session.get_nested_transaction() or session.get_transaction()
    if txn is None:  # autobegin has not happened yet: begin, as the next statement would
        session.connection()
        txn = session.get_transaction()
    buckets: dict[SessionTransaction, _Changes] = session.info.setdefault(_PENDING, {})
    changes = buckets.get(txn)
    if changes is None:
        changes = buckets[txn] = _Changes(defaultdict(lambda: dict.fromkeys(FIGURES, 0)), {})
    return changes


def _add(session: Session, key: tuple[int, date, int], **deltas: int) -> None:
    row = _changes(session).figures[key]
    for name, value in deltas.items():
        row[name] += value


def _act(session: Session, resident_id: int, month: date, key: tuple, delta: int) -> None:
    acts = _changes(session).acts
    current = acts.get((resident_id, month))
    if current is None:
        acts[(resident_id, month)] = [delta, key[0], key[2]]
    else:
        current[0] += delta


def record_entry(
    session: Session, *, village_id: int, entry: Appended, reverses: LedgerEntry | None
) -> None:
    """Count a new ledger entry (called by ``points.ledger.append`` only)."""
    month = _village_month(session, village_id, entry.created_at)
    key = (village_id, month, entry.household_id % SHARDS)
    kind = EntryKind(entry.kind)
    _add(
        session,
        key,
        awarded=entry.honour_delta,
        net=entry.amount,
        redeemed=-entry.amount if kind in SPENT_KINDS else 0,
    )
    if kind == EntryKind.AWARD and entry.amount > 0 and entry.resident_id is not None:
        _act(session, entry.resident_id, month, key, 1)
    if (
        kind == EntryKind.CORRECTION
        and reverses is not None
        and EntryKind(reverses.kind) == EntryKind.AWARD
        and reverses.amount > 0
        and reverses.resident_id is not None
    ):
        # The reversed award no longer counts as an act, in the month it was made.
        then = _village_month(session, village_id, reverses.created_at)
        _act(session, reverses.resident_id, then, (village_id, then, key[2]), -1)


def record_checkin(
    session: Session, *, event: Event, resident_id: int, household_id: int, delta: int
) -> None:
    """Count a check-in (``delta`` 1) or its undo (-1) in the month of the event's start."""
    month = _village_month(session, event.village_id, event.starts_at)
    key = (event.village_id, month, household_id % SHARDS)
    _add(session, key, checkins=delta)
    _act(session, resident_id, month, key, delta)


def record_household(session: Session, household: Household) -> None:
    """Count a new household."""
    month = _village_month(session, household.village_id, household.created_at or now())
    _add(session, (household.village_id, month, household.id % SHARDS), households=1)


def record_resident(session: Session, resident: Resident, delta: int) -> None:
    """Count a resident becoming active (1: new, or back) or leaving the active list (-1)."""
    month = _village_month(session, resident.village_id, now())
    _add(session, (resident.village_id, month, resident.household_id % SHARDS), residents=delta)


def record_status_change(
    session: Session, resident: Resident, before: ResidentStatus | str | None
) -> None:
    """Count a change of status: only moves in or out of "active" change the figures."""
    was = before is not None and ResidentStatus(before) == ResidentStatus.ACTIVE
    is_ = ResidentStatus(resident.status) == ResidentStatus.ACTIVE
    if was != is_:
        record_resident(session, resident, 1 if is_ else -1)


# ---------------------------------------------------------------- writing at commit


def _upsert(model: type, keys: tuple[str, ...], figures: tuple[str, ...], returning: str = ""):
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET f = f + excluded.f``, the same text on
    SQLite and PostgreSQL. Written as text because SQLAlchemy compiles its ON CONFLICT
    constructs afresh at every execution, and these run at every scan and redemption."""
    table = model.__table__
    names = (*keys, *figures)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + n for n in names)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{n} = {table.name}.{n} + excluded.{n}" for n in figures)
        + (f" RETURNING {returning}" if returning else "")
    )
    stmt = text(sql).bindparams(*(bindparam(n, type_=table.c[n].type) for n in names))
    return stmt.columns(table.c[returning]) if returning else stmt


_UPSERT_ACTS = DirectStatement(
    _upsert(ResidentMonth, ("resident_id", "month"), ("acts",), returning="acts")
)
_UPSERT_TALLY = DirectStatement(
    _upsert(VillageMonthTally, ("village_id", "month", "shard"), FIGURES)
)


def _act_and_tally():
    """PostgreSQL: one resident's act and the tally row it counts in, in one round trip.
    The act's upsert (a data-modifying WITH, run first: the insert reads its row) gives the
    month's acts after it, from which the row's ``participants`` change follows as in
    :func:`apply_pending`."""
    acts = ResidentMonth.__table__.name
    tally = VillageMonthTally.__table__
    keys = ("village_id", "month", "shard")
    change = (
        "(CASE WHEN act.acts > 0 THEN 1 ELSE 0 END)"
        " - (CASE WHEN act.acts - :acts > 0 THEN 1 ELSE 0 END)"
    )
    selected = [f":{n} + {change}" if n == "participants" else f":{n}" for n in (*keys, *FIGURES)]
    sql = (
        f"WITH act AS (INSERT INTO {acts} (resident_id, month, acts) "
        f"VALUES (:resident_id, :month, :acts) ON CONFLICT (resident_id, month) "
        f"DO UPDATE SET acts = {acts}.acts + excluded.acts RETURNING acts) "
        f"INSERT INTO {tally.name} ({', '.join((*keys, *FIGURES))}) "
        f"SELECT {', '.join(selected)} FROM act "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{n} = {tally.name}.{n} + excluded.{n}" for n in FIGURES)
    )
    binds = [bindparam(n, type_=tally.c[n].type) for n in (*keys, *FIGURES)]
    binds += [
        bindparam("resident_id", type_=ResidentMonth.__table__.c.resident_id.type),
        bindparam("acts", type_=ResidentMonth.__table__.c.acts.type),
    ]
    return text(sql).bindparams(*binds)


_ACT_AND_TALLY = DirectStatement(_act_and_tally())


def apply_pending(session: Session) -> None:
    """Write the gathered changes: residents' acts first, then the tally rows, each in key
    order. Called at commit; a reader in the same transaction may call it earlier."""
    buckets: dict[SessionTransaction, _Changes] | None = session.info.pop(_PENDING, None)
    if not buckets:
        return
    figures: dict[tuple[int, date, int], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(FIGURES, 0)
    )
    acts: dict[tuple[int, date], list[int]] = {}
    for changes in buckets.values():
        for key, row in changes.figures.items():
            for name, value in row.items():
                figures[key][name] += value
        for key, (delta, village_id, shard) in changes.acts.items():
            current = acts.setdefault(key, [0, village_id, shard])
            current[0] += delta
    conn = session.connection()
    begin_write(conn)  # as the first write would (a no-op after the writes counted here)
    single = _single_act(acts, figures) if conn.dialect.name == "postgresql" else None
    if single is not None:  # a check-in or an award: the usual case, in one round trip
        resident_id, delta, key = single
        params = dict(zip(("village_id", "month", "shard"), key, strict=True), **figures[key])
        _ACT_AND_TALLY.execute(conn, {**params, "resident_id": resident_id, "acts": delta})
        return
    for (resident_id, month), (delta, village_id, shard) in sorted(acts.items()):
        if not delta:
            continue
        after = _UPSERT_ACTS.scalar(
            conn, {"resident_id": resident_id, "month": month, "acts": delta}
        )
        change = (after > 0) - (after - delta > 0)
        if change:
            figures[(village_id, month, shard)]["participants"] += change
    rows = [
        {"village_id": k[0], "month": k[1], "shard": k[2], **row}
        for k, row in sorted(figures.items())
        if any(row.values())
    ]
    for row in rows:  # in key order: concurrent writers lock shared rows in one order
        _UPSERT_TALLY.execute(conn, row)


def _single_act(acts: dict, figures: dict) -> tuple[int, int, tuple] | None:
    """(resident, delta, tally key) when the changes are one resident's act and no tally
    row but the one it counts in; None otherwise."""
    if len(acts) != 1:
        return None
    [((resident_id, month), (delta, village_id, shard))] = acts.items()
    key = (village_id, month, shard)
    return (resident_id, delta, key) if delta and set(figures) <= {key} else None


def _innermost_first(txn: SessionTransaction, dropped: SessionTransaction) -> bool:
    while txn is not None:
        if txn is dropped:
            return True
        txn = txn.parent
    return False


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: wait for the commit
        return
    if session.info.get(_PENDING):
        session.flush()  # every other row this transaction writes is locked before the tallies
        apply_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    buckets = session.info.get(_PENDING)
    if not buckets:
        return
    if not previous.nested:
        session.info.pop(_PENDING, None)
        return
    for txn in [t for t in buckets if _innermost_first(t, previous)]:
        del buckets[txn]


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, txn: SessionTransaction) -> None:
    if txn.parent is None:  # committed (written above) or closed without a commit
        session.info.pop(_PENDING, None)


# ---------------------------------------------------------------- reading


@dataclass
class MonthFigures:
    """One village's figures for a month; the stocks are as at the month's end (or now,
    for the current month), the open work is as now (None for a past month)."""

    village_id: int
    households: int = 0
    residents: int = 0  # active
    held: int = 0  # points held by the households (sum of balances)
    awarded: int = 0  # awards and deductions posted in the month, net of corrections
    redeemed: int = 0  # spent at the shop in the month, net of voids
    events: int = 0  # events starting in the month
    checkins: int = 0  # check-ins at them, undone ones left out
    participants: int = 0  # residents with a check-in or an award in the month
    pending_awards: int | None = None  # waiting for review or inside the objection window
    pending_points: int | None = None
    open_objections: int | None = None
    # Deliberation (points.deliberation.county): topics reaching each step in the month.
    topics_collected: int = 0
    topics_accepted: int = 0
    topics_decided: int = 0
    topics_done: int = 0
    ratings_positive: int = 0  # 满意 and 基本满意 given in the month
    ratings_total: int = 0

    @property
    def satisfaction(self) -> float | None:
        """Share of the month's ratings that were satisfied or basically so (None: none)."""
        return self.ratings_positive / self.ratings_total if self.ratings_total else None

    @property
    def participation(self) -> float:
        """Share of the active residents who took part (0.0 to 1.0)."""
        if not self.residents:
            return 0.0
        return min(self.participants / self.residents, 1.0)


def month_bounds_in(zone: str, month: date) -> tuple[datetime, datetime]:
    """Start and end (UTC) of a calendar month in a zone."""
    tz = ZoneInfo(zone)
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_figures(
    session: Session, villages: list[Village], month: date, *, scope: Select | None = None
) -> dict[int, MonthFigures]:
    """The figures of ``villages`` for ``month`` (its first day) from the tallies and a few
    indexed counts: four queries however many villages there are. ``scope``, a SELECT of
    the same villages' ids (a county's), saves sending each id in each query."""
    apply_pending(session)
    out = {v.id: MonthFigures(v.id) for v in villages}
    if not villages:
        return out
    ids = scope if scope is not None else list(out)
    current = {v.id: month >= local_month(v.timezone, now()) for v in villages}
    t = VillageMonthTally
    flows = [func.sum(case((t.month == month, getattr(t, n)), else_=0)) for n in FIGURES[:4]]
    to_month_end = [func.sum(case((t.month <= month, getattr(t, n)), else_=0)) for n in FIGURES[4:]]
    to_now = [func.sum(getattr(t, n)) for n in FIGURES[4:]]
    stmt = select(t.village_id, *flows, *to_month_end, *to_now).where(t.village_id.in_(ids))
    for row in session.execute(stmt.group_by(t.village_id)):
        f = out[row[0]]
        f.awarded, f.redeemed, f.checkins, f.participants = (int(x or 0) for x in row[1:5])
        stock = row[8:11] if current[f.village_id] else row[5:8]
        f.held, f.households, f.residents = (int(x or 0) for x in stock)
    _count_events(session, villages, month, out, scope)
    if all(current.values()):
        _open_work(session, ids, out)
    elif any(current.values()):
        _open_work(session, [i for i in out if current[i]], out)
    return out


def _count_events(
    session: Session,
    villages: list[Village],
    month: date,
    out: dict[int, MonthFigures],
    scope: Select | None,
) -> None:
    by_zone: dict[str, list[int]] = defaultdict(list)
    for v in villages:  # one query per time zone (the month's bounds differ)
        by_zone[v.timezone].append(v.id)
    for zone, zone_ids in by_zone.items():
        start, end = month_bounds_in(zone, month)
        ids = scope if scope is not None and len(by_zone) == 1 else zone_ids
        stmt = (
            select(Event.village_id, func.count(Event.id))
            .where(Event.village_id.in_(ids), Event.starts_at >= start, Event.starts_at < end)
            .group_by(Event.village_id)
        )
        for village_id, n in session.execute(stmt):
            out[village_id].events = int(n)


def _open_work(session: Session, ids: list[int] | Select, out: dict[int, MonthFigures]) -> None:
    for f in out.values() if isinstance(ids, Select) else (out[i] for i in ids):
        f.pending_awards = f.pending_points = f.open_objections = 0
    if isinstance(ids, list) and not ids:
        return
    awards = select(Award.village_id, func.count(Award.id), func.sum(Award.amount)).where(
        Award.village_id.in_(ids), Award.status.in_(OPEN_AWARD_STATUSES)
    )
    for village_id, n, points in session.execute(awards.group_by(Award.village_id)):
        out[village_id].pending_awards, out[village_id].pending_points = int(n), int(points or 0)
    objections = select(Objection.village_id, func.count(Objection.id)).where(
        Objection.village_id.in_(ids), Objection.status == ObjectionStatus.OPEN
    )
    for village_id, n in session.execute(objections.group_by(Objection.village_id)):
        out[village_id].open_objections = int(n)


# ---------------------------------------------------------------- rebuilding from the sources


def rebuild(session: Session) -> None:
    """Recount every tally from the ledger, attendance and residents (after a restore, or
    to fill the tables the first time: the migration calls this). Replaces what is there."""
    apply_pending(session)
    conn = session.connection()
    rebuild_on(conn)


def rebuild_on(conn: Any) -> None:
    """:func:`rebuild` on a plain connection, in raw SQL (no ORM: the migration uses it)."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:

        def month_of(column: str, zone: str) -> str:
            return f"CAST(date_trunc('month', {column} AT TIME ZONE {zone}) AS date)"
    else:
        conn.connection.driver_connection.create_function(
            "cunyue_local_month", 2, _sqlite_local_month, deterministic=True
        )

        def month_of(column: str, zone: str) -> str:
            return f"cunyue_local_month({column}, {zone})"

    conn.execute(text("DELETE FROM village_month_tallies"))
    conn.execute(text("DELETE FROM resident_months"))
    e_month = month_of("e.created_at", "v.timezone")
    r_month = month_of("r.created_at", "v.timezone")
    ev_month = month_of("ev.starts_at", "v.timezone")
    # Acts: award entries not reversed, and check-ins not undone (see record_entry).
    conn.execute(
        text(
            "INSERT INTO resident_months (resident_id, month, acts)"
            " SELECT resident_id, month, count(*) FROM ("
            f"  SELECT e.resident_id, {e_month} AS month FROM ledger_entries e"
            "   JOIN households h ON h.id = e.household_id JOIN villages v ON v.id = h.village_id"
            "   WHERE e.kind = 'award' AND e.amount > 0 AND e.resident_id IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM ledger_entries c WHERE c.reverses_id = e.id"
            "                   AND c.kind = 'correction')"
            "  UNION ALL"
            f"  SELECT a.resident_id, {ev_month} FROM attendances a"
            "   JOIN events ev ON ev.id = a.event_id JOIN villages v ON v.id = ev.village_id"
            "   WHERE a.undone_at IS NULL"
            " ) acts GROUP BY resident_id, month"
        )
    )
    conn.execute(
        text(
            "INSERT INTO village_month_tallies (village_id, month, shard, awarded, redeemed,"
            " checkins, participants, net, households, residents)"
            " SELECT village_id, month, shard, sum(awarded), sum(redeemed), sum(checkins),"
            " sum(participants), sum(net), sum(households), sum(residents) FROM ("
            f"  SELECT h.village_id, {e_month} AS month, e.household_id % {SHARDS} AS shard,"
            "   e.honour_delta AS awarded,"
            "   CASE WHEN e.kind IN ('redemption', 'refund') THEN -e.amount ELSE 0 END AS redeemed,"
            "   0 AS checkins, 0 AS participants, e.amount AS net, 0 AS households,"
            "   0 AS residents"
            "  FROM ledger_entries e JOIN households h ON h.id = e.household_id"
            "  JOIN villages v ON v.id = h.village_id"
            "  UNION ALL"
            f"  SELECT ev.village_id, {ev_month}, a.household_id % {SHARDS}, 0, 0, 1, 0, 0, 0, 0"
            "  FROM attendances a JOIN events ev ON ev.id = a.event_id"
            "  JOIN villages v ON v.id = ev.village_id WHERE a.undone_at IS NULL"
            "  UNION ALL"
            f"  SELECT h.village_id, {month_of('h.created_at', 'v.timezone')}, h.id % {SHARDS},"
            "   0, 0, 0, 0, 0, 1, 0"
            "  FROM households h JOIN villages v ON v.id = h.village_id"
            "  UNION ALL"
            f"  SELECT r.village_id, {r_month}, r.household_id % {SHARDS}, 0, 0, 0, 0, 0, 0, 1"
            "  FROM residents r JOIN villages v ON v.id = r.village_id"
            "  WHERE r.status = 'active'"
            "  UNION ALL"
            # participants: counted in shard 0 (a figure is the sum of its shards)
            "  SELECT r.village_id, m.month, 0, 0, 0, 0, 1, 0, 0, 0"
            "  FROM resident_months m JOIN residents r ON r.id = m.resident_id"
            "  WHERE m.acts > 0"
            " ) parts GROUP BY village_id, month, shard"
        )
    )


def _sqlite_local_month(stored: str | None, zone: str) -> str | None:
    """SQLite keeps UTC times as text: the local month's first day, as SQLite keeps dates."""
    if stored is None:
        return None
    at = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return local_month(zone, at).isoformat()
