"""The ledger: the only writer of :class:`LedgerEntry` rows and of a household's cached figures.

Every write locks the household first (PostgreSQL ``SELECT ... FOR UPDATE``; on SQLite the
write session's ``BEGIN IMMEDIATE`` already holds the database's single write lock), appends
an entry whose hash covers the previous hash and the entry's canonical fields, and updates
the cached balance and honour score in the caller's transaction. Nothing here commits.

The hash is an HMAC-SHA-256 under the ledger key (``LEDGER_KEY``, kept beside SECRET_KEY and
never in the database; :func:`set_key`), so whoever can write the database but lacks the key
cannot recompute a chain after an edit. Chains begun before the key existed were plain
SHA-256: each such household has a :class:`LedgerAnchor` (made by migration p17a00000001)
whose keyed ``mac`` fixes where its plain part ends and what its head was.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Row,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from points import tallies
from points.board_models import LedgerAnchor
from points.clock import now
from points.db import DirectStatement, attach_inserted, begin_write, insert_values, lock_row
from points.errors import DomainError, InsufficientPoints, NotFound, ValidationFailed
from points.models import EntryKind, Household, LedgerEntry, RuleVersion

GENESIS = "0" * 64

# Kinds whose amount counts toward the honour score (荣誉积分) as well as the balance.
HONOUR_KINDS = frozenset({EntryKind.AWARD, EntryKind.DEDUCTION})


class AlreadyCorrected(DomainError):
    code = "already_corrected"


class NotCorrectable(DomainError):
    """Redemptions and refunds belong to an order: they are reversed by voiding the order."""

    code = "not_correctable"


# Kinds a correction may reverse; an order's entries are reversed only by its void.
CORRECTABLE_KINDS = frozenset({EntryKind.AWARD, EntryKind.DEDUCTION, EntryKind.EXPIRY})


def lock_household(session: Session, household_id: int) -> Household:
    """Load a household and hold the lock that serializes writes to its points."""
    household = lock_row(session, Household, household_id)
    if household is None:
        raise NotFound("household")
    return household


# The columns the hash covers, in order. Changing this list breaks every existing chain.
HASHED_COLUMNS = (
    LedgerEntry.household_id,
    LedgerEntry.seq,
    LedgerEntry.resident_id,
    LedgerEntry.amount,
    LedgerEntry.honour_delta,
    LedgerEntry.kind,
    LedgerEntry.rule_version_id,
    LedgerEntry.source_type,
    LedgerEntry.source_id,
    LedgerEntry.reverses_id,
    LedgerEntry.created_by_id,
    LedgerEntry.created_at,
    LedgerEntry.balance_after,
    LedgerEntry.note,
)
_NAMES = tuple(c.key for c in HASHED_COLUMNS)


_CREATED_AT = _NAMES.index("created_at")
_KIND = _NAMES.index("kind")


def _timestamp(value) -> str:
    """UTC to the microsecond. Accepts a datetime, or SQLite's stored text (already UTC)."""
    if isinstance(value, str):  # "YYYY-MM-DD HH:MM:SS[.ffffff]" as SQLite keeps it
        micro = value[20:26] if len(value) > 19 else ""
        return f"{value[:10]}T{value[11:19]}.{micro.ljust(6, '0')}Z"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_values(values) -> str:
    parts = ["" if v is None else str(v) for v in values]
    parts[_CREATED_AT] = _timestamp(values[_CREATED_AT])
    kind = values[_KIND]
    parts[_KIND] = kind.value if isinstance(kind, EntryKind) else str(kind)
    return "\x1f".join(parts)


def canonical(entry: LedgerEntry) -> str:
    """The fields the hash covers, in a fixed order and format."""
    return _canonical_values([getattr(entry, name) for name in _NAMES])


def entry_hash(prev_hash: str, entry: LedgerEntry) -> str:
    return _hash(prev_hash, canonical(entry))


class LedgerKeyMissing(RuntimeError):
    """The ledger key was not set (create_app sets it from LEDGER_KEY)."""


# HMAC states keyed once by set_key, copied per use (cheaper than keying each time).
_CHAIN_MAC: hmac.HMAC | None = None
_SUBKEYS: dict[str, bytes] = {}


def set_key(key: str | bytes) -> None:
    """Key the ledger: chains, legacy anchors and postings each get a key derived from it."""
    global _CHAIN_MAC
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if not raw:
        raise ValueError("the ledger key is empty")
    for purpose in ("chain", "anchor", "posting"):
        _SUBKEYS[purpose] = hmac.new(raw, b"cunyue-ledger:" + purpose.encode(), "sha256").digest()
    _CHAIN_MAC = hmac.new(_SUBKEYS["chain"], digestmod=hashlib.sha256)


def subkey(purpose: str) -> bytes:
    """The key derived for ``purpose`` ("anchor" or "posting")."""
    try:
        return _SUBKEYS[purpose]
    except KeyError:
        raise LedgerKeyMissing("points.ledger.set_key was not called") from None


def _hash(prev_hash: str, canonical_text: str) -> str:
    """The one hash of an entry, used by every writer (append) and by verify: an HMAC under
    the ledger key over the previous hash and the entry's canonical text."""
    mac = _CHAIN_MAC
    if mac is None:
        raise LedgerKeyMissing("points.ledger.set_key was not called")
    mac = mac.copy()
    mac.update((prev_hash + "\x1e" + canonical_text).encode())
    return mac.hexdigest()


def _plain_hash(prev_hash: str, canonical_text: str) -> str:
    """The hash of entries written before the ledger key (up to a household's anchor)."""
    return hashlib.sha256((prev_hash + "\x1e" + canonical_text).encode()).hexdigest()


def anchor_mac(household_id: int, seq: int, head: str) -> str:
    """The keyed seal of a household's plain (pre-key) chain: its last seq and head."""
    text = f"{household_id}\x1f{seq}\x1f{head}".encode()
    return hmac.new(subkey("anchor"), text, hashlib.sha256).hexdigest()


def anchor_legacy_chains(connection) -> int:
    """Seal every household's existing chain as plain SHA-256 up to its present head (run
    once, by the migration that brings in the key). Returns the number of chains sealed."""
    e = LedgerEntry.__table__
    last = (
        select(e.c.household_id, func.max(e.c.seq).label("seq"))
        .group_by(e.c.household_id)
        .subquery()
    )
    heads = connection.execute(
        select(e.c.household_id, e.c.seq, e.c.hash).join(
            last, (last.c.household_id == e.c.household_id) & (last.c.seq == e.c.seq)
        )
    ).all()
    done = {
        hid for (hid,) in connection.execute(select(LedgerAnchor.__table__.c.household_id)).all()
    }
    rows = [
        {"household_id": hid, "seq": seq, "head": head, "mac": anchor_mac(hid, seq, head)}
        for hid, seq, head in heads
        if hid not in done
    ]
    if rows:
        connection.execute(LedgerAnchor.__table__.insert(), rows)
    return len(rows)


def lock_figures(session: Session, household_id: int):
    """Lock a household as :func:`lock_household` does, with one plain query: its village,
    number and cached figures (balance, honour_score, ledger_seq, ledger_head)."""
    session.flush()  # as the session would before a query of its own
    begin_write(session)
    conn = session.connection()
    stmt = _FIGURES_SQLITE if conn.dialect.name == "sqlite" else _FIGURES_FOR_UPDATE
    figures = stmt.first(conn, {"household_id": household_id})
    if figures is None:
        raise NotFound("household")
    return figures


# The statements of a post, built once: this runs inside the single write lock on SQLite,
# at every scan and redemption.
_HOUSEHOLDS = Household.__table__
_ENTRIES = LedgerEntry.__table__
_FIGURES = ("balance", "honour_score", "ledger_seq", "ledger_head")
# What :func:`post` reads of a locked household (``figures``), and its village and number.
FIGURE_COLUMNS = (
    _HOUSEHOLDS.c.village_id,
    _HOUSEHOLDS.c.number,
    *(_HOUSEHOLDS.c[name] for name in _FIGURES),
)
_FIGURES_SELECT = select(*FIGURE_COLUMNS).where(_HOUSEHOLDS.c.id == bindparam("household_id"))
_FIGURES_SQLITE = DirectStatement(_FIGURES_SELECT)
_FIGURES_FOR_UPDATE = DirectStatement(_FIGURES_SELECT.with_for_update())
_INSERT_ENTRY_STMT = insert_values(_ENTRIES).returning(_ENTRIES.c.id)
_UPDATE_FIGURES_STMT = (
    update(_HOUSEHOLDS)
    .where(_HOUSEHOLDS.c.id == bindparam("household_id"))
    .values({name: bindparam(f"new_{name}") for name in _FIGURES})
)
_INSERT_ENTRY = DirectStatement(_INSERT_ENTRY_STMT)
_UPDATE_FIGURES = DirectStatement(_UPDATE_FIGURES_STMT)


def _link_statement(source_table: Table, entry_id: Any):
    """Point the source row (``source_id`` in ``source_table``) at its entry."""
    return (
        update(source_table)
        .where(source_table.c.id == bindparam("link_source_id"))
        .values(entry_id=entry_id)
    )


def _entry_and_figures(source_table: Table | None = None):
    """PostgreSQL: the entry, the household's new figures and, given a ``source_table``, the
    source row's link to the entry in one round trip (the updates are data-modifying WITHs,
    which run whether or not they are read). A row written by an earlier statement of the
    transaction can be updated here."""
    entry = _INSERT_ENTRY_STMT.cte("entry")
    stmt = select(entry.c.id).add_cte(_UPDATE_FIGURES_STMT.cte("figures"))
    if source_table is not None:
        link = _link_statement(source_table, select(entry.c.id).scalar_subquery())
        stmt = stmt.add_cte(link.cte("link"))
    return stmt


_ENTRY_AND_FIGURES = DirectStatement(_entry_and_figures())
_LINKED: dict[str, tuple[DirectStatement, DirectStatement]] = {}


def _linked(source_table: Table) -> tuple[DirectStatement, DirectStatement]:
    """The statements linking a source row of ``source_table`` to its new entry: PostgreSQL's
    one round trip (entry, figures, link) and SQLite's link alone."""
    pair = _LINKED.get(source_table.name)
    if pair is None:
        pair = _LINKED[source_table.name] = (
            DirectStatement(_entry_and_figures(source_table)),
            DirectStatement(_link_statement(source_table, bindparam("link_entry_id"))),
        )
    return pair


@dataclass(frozen=True, slots=True)
class Appended:
    """An entry :func:`append` has just written: its id and every column, as plain values."""

    id: int
    household_id: int
    seq: int
    resident_id: int | None
    amount: int
    honour_delta: int
    kind: EntryKind
    rule_version_id: int | None
    source_type: str | None
    source_id: int | None
    reverses_id: int | None
    note: str
    created_by_id: int | None
    created_at: datetime
    balance_after: int
    prev_hash: str
    hash: str


def post(session: Session, **kw) -> LedgerEntry:
    """:func:`append`, answered with the entry as a mapped object of the session."""
    entry = append(session, **kw)
    values = {f.name: getattr(entry, f.name) for f in fields(entry)}
    return attach_inserted(session, LedgerEntry(**values))


def append(
    session: Session,
    *,
    household_id: int,
    amount: int,
    kind: EntryKind,
    resident_id: int | None = None,
    rule_version: RuleVersion | None = None,
    source: tuple[str, int] | None = None,
    note: str = "",
    created_by_id: int | None = None,
    honour_delta: int | None = None,
    reverses: LedgerEntry | None = None,
    at: datetime | None = None,
    allow_partial: bool = False,
    figures: Row | None = None,
    source_table: Table | None = None,
) -> Appended:
    """Append one entry to a household's chain and update its cached figures.

    A debit larger than the balance raises :class:`InsufficientPoints`, unless
    ``allow_partial`` (deductions, expiry, corrections), where it takes what there is.

    The lock, the entry and the figures are three plain statements (this runs inside the
    single write lock on SQLite, at every scan and redemption); a :class:`Household` the
    session already holds is brought up to date without another query. A caller that has
    just locked the household with :func:`lock_figures` in this transaction, and written no
    entry to it since, passes those ``figures`` to save the second lock.
    The entry comes back as plain values (:class:`Appended`): building a mapped object costs
    more than the insert, inside the lock; :func:`post` gives one to callers that want it.
    With ``source_table``, the source row there (``source``'s id) gets the entry's id in its
    ``entry_id`` (on PostgreSQL in the same round trip as the entry); for a row written with
    a plain statement, as a check-in's attendance is: a mapped object of it that the session
    holds is not updated.
    """
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationFailed({"amount": "must be a whole number"})
    kind = EntryKind(kind)
    if figures is None:
        figures = lock_figures(session, household_id)
    if amount < 0 and figures.balance + amount < 0:
        if not allow_partial:
            raise InsufficientPoints(balance=figures.balance, needed=-amount)
        amount = -figures.balance
    if honour_delta is None:
        honour_delta = amount if kind in HONOUR_KINDS else 0
    values = {
        "household_id": household_id,
        "seq": figures.ledger_seq + 1,
        "resident_id": resident_id,
        "amount": amount,
        "honour_delta": honour_delta,
        "kind": kind,
        "rule_version_id": rule_version.id if rule_version is not None else None,
        "source_type": source[0] if source else None,
        "source_id": source[1] if source else None,
        "reverses_id": reverses.id if reverses is not None else None,
        "note": note or "",
        "created_by_id": created_by_id,
        "created_at": (at or now()).astimezone(UTC),
        "balance_after": figures.balance + amount,
        "prev_hash": figures.ledger_head or GENESIS,
    }
    values["hash"] = _hash(values["prev_hash"], _canonical_values([values[n] for n in _NAMES]))
    new_figures = {
        "balance": values["balance_after"],
        "honour_score": figures.honour_score + honour_delta,
        "ledger_seq": values["seq"],
        "ledger_head": values["hash"],
    }
    figure_values = {f"new_{k}": v for k, v in new_figures.items()}
    conn = session.connection()
    postgres_stmt, link = _ENTRY_AND_FIGURES, None
    if source_table is not None:
        if source is None:
            raise ValueError("a source_table needs a source")
        postgres_stmt, link = _linked(source_table)
        figure_values["link_source_id"] = source[1]
    if conn.dialect.name == "postgresql":
        entry_id = postgres_stmt.scalar(conn, {**values, **figure_values})
    else:
        entry_id = _INSERT_ENTRY.scalar(conn, values)
        _UPDATE_FIGURES.execute(conn, {"household_id": household_id, **figure_values})
        if link is not None:
            link.execute(conn, {"link_source_id": source[1], "link_entry_id": entry_id})
    household = session.identity_map.get(identity_key(Household, household_id))
    if household is not None:
        for name in _FIGURES:
            set_committed_value(household, name, new_figures[name])
    entry = Appended(id=entry_id, **values)
    tallies.record_entry(session, village_id=figures.village_id, entry=entry, reverses=reverses)
    return entry


def correct(
    session: Session, *, entry_id: int, reason: str, created_by_id: int | None
) -> LedgerEntry:
    """Reverse an entry with a new, linked correction entry. An entry is corrected once.

    The honour effect is reversed in full; the balance effect as far as the balance allows
    (points already spent cannot be taken back), and the note says so.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "a reason is required"})
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise NotFound("entry")
    lock_household(session, original.household_id)
    if original.kind == EntryKind.CORRECTION:
        raise AlreadyCorrected("a correction cannot itself be corrected; post a new entry")
    if original.kind not in CORRECTABLE_KINDS:
        raise NotCorrectable(entry_id=original.id, entry_kind=EntryKind(original.kind).value)
    already = session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id))
    if already is not None:
        raise AlreadyCorrected(entry_id=already)
    return post(
        session,
        household_id=original.household_id,
        amount=-original.amount,
        kind=EntryKind.CORRECTION,
        resident_id=original.resident_id,
        rule_version=original.rule_version,
        source=(original.source_type, original.source_id) if original.source_type else None,
        note=reason,
        created_by_id=created_by_id,
        honour_delta=-original.honour_delta,
        reverses=original,
        allow_partial=True,
    )


def adjust_pending(session: Session, *, household_id: int, delta: int) -> Household:
    """Change a household's pending figure (awards waiting for review or objections)."""
    household = lock_household(session, household_id)
    household.pending = max(household.pending + delta, 0)
    session.flush()
    return household


def entries(session: Session, household_id: int, *, limit: int = 50, before_seq: int | None = None):
    """A household's entries, newest first."""
    stmt = select(LedgerEntry).where(LedgerEntry.household_id == household_id)
    if before_seq is not None:
        stmt = stmt.where(LedgerEntry.seq < before_seq)
    stmt = stmt.order_by(LedgerEntry.seq.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass
class Problem:
    household_id: int | None
    entry_id: int | None
    # hash_mismatch, chain_break, balance_mismatch, honour_mismatch, head_mismatch,
    # posting_mismatch (points.postings)
    kind: str
    detail: str = ""
    posting_id: int | None = None

    def as_dict(self) -> dict:
        out = {
            "household_id": self.household_id,
            "entry_id": self.entry_id,
            "kind": self.kind,
            "detail": self.detail,
        }
        if self.posting_id is not None:
            out["posting_id"] = self.posting_id
        return out


@dataclass
class VerifyReport:
    entries: int = 0
    households: int = 0
    problems: list[Problem] = field(default_factory=list)
    heads: list[tuple[int, int, str]] = field(default_factory=list)  # household, seq, hash

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(session: Session, village_id: int | None) -> Iterator[tuple]:
    """(id, prev_hash, hash, household, seq, amount, honour_delta, balance_after, canonical
    text) of every entry, in chain order. Verifying is a full scan: on PostgreSQL the
    database writes the canonical text (on its own core, while Python hashes); on SQLite it
    is built here from the raw stored values, with no per-row conversion by SQLAlchemy."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        parts = [
            func.to_char(func.timezone("UTC", c), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            if c.key == "created_at"
            else func.coalesce(cast(c, Text), "")
            for c in HASHED_COLUMNS
        ]
        canonical_columns = [func.concat_ws("\x1f", *parts)]
    else:
        canonical_columns = [
            type_coerce(c, String) if c.key in ("kind", "created_at") else c for c in HASHED_COLUMNS
        ]
    e = LedgerEntry
    stmt = select(
        e.id, e.prev_hash, e.hash, e.household_id, e.seq, e.amount, e.honour_delta,
        e.balance_after, *canonical_columns,
    ).order_by(e.household_id, e.seq)  # fmt: skip
    if village_id is not None:
        stmt = stmt.join(Household, Household.id == e.household_id).where(
            Household.village_id == village_id
        )
    for row in conn.execute(stmt.execution_options(yield_per=5000)):
        yield row if postgres else (*row[:8], _canonical_values(row[8:]))


class _AllLegacy(dict):  # every household's anchor is past its last entry
    def get(self, hid, default=None):
        return (float("inf"), None)


def _anchors(session: Session, village_id: int | None, problems: list) -> dict[int, tuple]:
    """The households' legacy anchors whose seal holds: household -> (seq, head). A seal
    that does not hold is a problem, and its chain is then checked as keyed throughout. A
    database older than the key's migration has no seals: all its chains are plain."""
    if not sa_inspect(session.connection()).has_table(LedgerAnchor.__tablename__):
        return _AllLegacy()
    stmt = select(LedgerAnchor.household_id, LedgerAnchor.seq, LedgerAnchor.head, LedgerAnchor.mac)
    if village_id is not None:
        stmt = stmt.join(Household, Household.id == LedgerAnchor.household_id).where(
            Household.village_id == village_id
        )
    anchors = {}
    for hid, seq, head, mac in session.execute(stmt):
        if hmac.compare_digest(anchor_mac(hid, seq, head), mac):
            anchors[hid] = (seq, head)
        else:
            problems.append(Problem(hid, None, "hash_mismatch", "legacy anchor seal"))
    return anchors


def verify(session: Session, *, village_id: int | None = None) -> VerifyReport:
    """Recompute every chain and cached figure; name each entry or household that differs."""
    report = VerifyReport()
    # the figures only, not the mapped row: a backup of an older schema verifies too
    h = Household
    hstmt = select(h.id, h.balance, h.honour_score, h.ledger_seq, h.ledger_head).order_by(h.id)
    if village_id is not None:
        hstmt = hstmt.where(Household.village_id == village_id)
    households = {row.id: row for row in session.execute(hstmt)}
    report.households = len(households)
    state: dict[int, list] = {}  # household -> [prev_hash, seq, balance, honour]
    problems = report.problems
    anchors = _anchors(session, village_id, problems)
    for entry_id, prev_hash, stored_hash, hid, seq, amount, honour, balance_after, text in _rows(
        session, village_id
    ):
        report.entries += 1
        st = state.get(hid)
        if st is None:
            st = state[hid] = [GENESIS, 0, 0, 0]
        if seq != st[1] + 1 or prev_hash != st[0]:
            problems.append(Problem(hid, entry_id, "chain_break", f"seq {seq}"))
        anchor = anchors.get(hid)
        if anchor is not None and seq <= anchor[0]:
            legacy_ok = _plain_hash(prev_hash, text) == stored_hash
            if not legacy_ok or (seq == anchor[0] and stored_hash != anchor[1]):
                problems.append(Problem(hid, entry_id, "hash_mismatch", f"seq {seq} (plain)"))
        elif _hash(prev_hash, text) != stored_hash:
            problems.append(Problem(hid, entry_id, "hash_mismatch", f"seq {seq}"))
        st[2] += amount
        st[3] += honour
        if balance_after != st[2]:
            problems.append(Problem(hid, entry_id, "balance_mismatch", "balance_after"))
        st[0], st[1] = stored_hash, seq
    for hid, h in households.items():
        prev_hash, seq, balance, honour = state.get(hid, [GENESIS, 0, 0, 0])
        if h.balance != balance:
            report.problems.append(
                Problem(hid, None, "balance_mismatch", f"cached {h.balance} != sum {balance}")
            )
        if h.honour_score != honour:
            report.problems.append(
                Problem(hid, None, "honour_mismatch", f"cached {h.honour_score} != sum {honour}")
            )
        if h.ledger_seq != seq or (seq and h.ledger_head != prev_hash):
            report.problems.append(Problem(hid, None, "head_mismatch", f"seq {h.ledger_seq}"))
        if seq:
            report.heads.append((hid, seq, prev_hash))
    return report
