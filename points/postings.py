"""The monthly 户积分公示 (posting): frozen when posted, with a verification code that anyone
can check later against the ledger as it is then.

The code is an HMAC under the ledger key (its "posting" sub-key) over the village, the month,
the frozen sheet and a SHA-256 of the canonical text of every one of the village's entries
up to the last one at posting time, in id order. It is recomputed from the entries
themselves — not from their stored hashes or the cached balances — so an edited amount is
caught even if the chain's hashes and heads were recomputed to match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import ledger
from points.board_models import Posting
from points.clock import now
from points.db import begin_write
from points.errors import DomainError, NotFound, ValidationFailed
from points.masking import masked_heads
from points.models import Household, LedgerEntry, Village
from points.tallies import local_month, month_bounds_in

# Readable over the phone: no 0/O, 1/I/L, U/V pairs that sound or look alike.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 16
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class AlreadyPosted(DomainError):
    code = "already_posted"


def parse_month(text: str | None) -> date:
    """'YYYY-MM' → the month's first day."""
    m = _MONTH.match((text or "").strip())
    if not m:
        raise ValidationFailed({"month": "a month as YYYY-MM"})
    return date(int(m.group(1)), int(m.group(2)), 1)


def format_code(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def clean_code(text: str | None) -> str:
    """What someone typed, as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", (text or "")).upper()


def _code_from(digest: bytes) -> str:
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(CODE_LENGTH):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)


def _entries_stmt(connection, village_id: int):
    """The village's entries in id order, with the columns the canonical text covers."""
    sqlite = connection.dialect.name == "sqlite"
    columns = [
        type_coerce(c, String) if sqlite and c.key in ("kind", "created_at") else c
        for c in ledger.HASHED_COLUMNS
    ]
    return (
        select(LedgerEntry.id, *columns)
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(Household.village_id == village_id)
        .order_by(LedgerEntry.id)
    )


def _entry_digests(session: Session, village_id: int, ends: list[int]) -> dict[int, tuple]:
    """For each entry id in ``ends``: (count, SHA-256 hex) of the village's entries with id
    up to it, recomputed from the entries in one pass."""
    wanted = sorted(set(ends))
    out: dict[int, tuple[int, str]] = {}
    running, count, i = hashlib.sha256(), 0, 0
    while i < len(wanted) and wanted[i] <= 0:
        out[wanted[i]] = (0, running.hexdigest())
        i += 1
    if i < len(wanted):
        conn = session.connection()
        stmt = _entries_stmt(conn, village_id).where(LedgerEntry.id <= wanted[-1])
        for row in conn.execute(stmt.execution_options(yield_per=5000)):
            while i < len(wanted) and row[0] > wanted[i]:
                out[wanted[i]] = (count, running.hexdigest())
                i += 1
            running.update(ledger._canonical_values(row[1:]).encode() + b"\x1e")
            count += 1
        while i < len(wanted):
            out[wanted[i]] = (count, running.hexdigest())
            i += 1
    return out


def _sheet_text(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compute_code(
    village_id: int, month: str, last_entry_id: int, count: int, entries_sha: str, rows: list
) -> str:
    text = "\x1f".join(
        [str(village_id), month, str(last_entry_id), str(count), entries_sha, _sheet_text(rows)]
    )
    return _code_from(hmac.new(ledger.subkey("posting"), text.encode(), hashlib.sha256).digest())


def sheet_rows(session: Session, village: Village, month: date, last_entry_id: int) -> list[dict]:
    """Every household's earned, spent and balance for the month (from the entries up to
    ``last_entry_id``), by household number; the head's name masked."""
    start, end = month_bounds_in(village.timezone, month)
    e = LedgerEntry
    in_month = (e.created_at >= start) & (e.created_at < end)
    earned = func.sum(case((in_month & (e.amount > 0), e.amount), else_=0))
    spent = func.sum(case((in_month & (e.amount < 0), -e.amount), else_=0))
    balance = func.sum(case((e.created_at < end, e.amount), else_=0))
    figures = {
        hid: (int(a or 0), int(b or 0), int(c or 0))
        for hid, a, b, c in session.execute(
            select(e.household_id, earned, spent, balance)
            .join(Household, Household.id == e.household_id)
            .where(Household.village_id == village.id, e.id <= last_entry_id)
            .group_by(e.household_id)
        )
    }
    heads = masked_heads(session, village.id)
    rows = []
    for h in session.scalars(
        select(Household).where(Household.village_id == village.id, Household.created_at < end)
    ):
        got, gave, bal = figures.get(h.id, (0, 0, 0))
        rows.append(
            {"number": h.number, "name": heads.get(h.id, ""), "earned": got,
             "spent": gave, "balance": bal}
        )  # fmt: skip
    rows.sort(key=lambda r: (len(r["number"]), r["number"]))
    return rows


def hold_village_ledger(session: Session, village_id: int) -> None:
    """Wait out the village's ledger writes under way and hold new ones off until the caller
    commits, so a posting freezes every entry up to its last id. On PostgreSQL ids are handed
    out at insert and commits land in any order: an entry still in flight with a lower id
    would be missed now and counted at every later check. Every ledger writer holds its
    household FOR UPDATE until it commits, so FOR SHARE on the village's households waits for
    them; on SQLite the write lock does the same."""
    begin_write(session)
    if session.connection().dialect.name != "sqlite":
        stmt = select(Household.id).where(Household.village_id == village_id)
        session.execute(stmt.with_for_update(read=True)).all()


def create_posting(
    session: Session, *, village: Village, month_text: str, by_id: int | None
) -> Posting:
    """Post (freeze) the month's 户积分公示 with its verification code."""
    month = parse_month(month_text)
    at = now()
    if month > local_month(village.timezone, at):
        raise ValidationFailed({"month": "not a month still to come"})
    key = month.strftime("%Y-%m")
    if session.scalar(
        select(Posting.id).where(Posting.village_id == village.id, Posting.month == key)
    ):
        raise AlreadyPosted(month=key)
    hold_village_ledger(session, village.id)
    last = (
        session.scalar(
            select(func.max(LedgerEntry.id))
            .join(Household, Household.id == LedgerEntry.household_id)
            .where(Household.village_id == village.id)
        )
        or 0
    )
    count, entries_sha = _entry_digests(session, village.id, [last])[last]
    rows = sheet_rows(session, village, month, last)
    posting = Posting(
        village_id=village.id,
        month=key,
        last_entry_id=last,
        entry_count=count,
        rows=rows,
        code=compute_code(village.id, key, last, count, entries_sha, rows),
        posted_from=at.astimezone(UTC),
        posted_until=(at + timedelta(days=max(village.objection_days, 7))).astimezone(UTC),
        created_by_id=by_id,
        created_at=at,
    )
    session.add(posting)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise AlreadyPosted(month=key) from None
    return posting


def _still_matches(posting: Posting, digests: dict[int, tuple]) -> bool:
    count, entries_sha = digests[posting.last_entry_id]
    expected = compute_code(
        posting.village_id, posting.month, posting.last_entry_id, count, entries_sha,
        posting.rows,
    )  # fmt: skip
    return count == posting.entry_count and hmac.compare_digest(expected, posting.code)


@dataclass
class CodeCheck:
    matches: bool
    month: str | None


def verify_code(session: Session, *, village: Village, code: str) -> CodeCheck:
    """Whether the posting with this code still matches the ledger as it is now."""
    cleaned = clean_code(code)
    if not cleaned:
        raise ValidationFailed({"code": "required"})
    posting = session.scalar(
        select(Posting).where(Posting.village_id == village.id, Posting.code == cleaned)
    )
    if posting is None:
        return CodeCheck(False, None)
    digests = _entry_digests(session, village.id, [posting.last_entry_id])
    return CodeCheck(_still_matches(posting, digests), posting.month)


def check_postings(session: Session, *, village_id: int | None = None) -> list[ledger.Problem]:
    """Recompute every posting's code; name, per village, the first posting that no longer
    matches (the later ones cover the same entries and would fail as well)."""
    stmt = select(Posting).order_by(Posting.village_id, Posting.last_entry_id, Posting.id)
    if village_id is not None:
        stmt = stmt.where(Posting.village_id == village_id)
    by_village: dict[int, list[Posting]] = {}
    for p in session.scalars(stmt):
        by_village.setdefault(p.village_id, []).append(p)
    problems = []
    for vid, postings in by_village.items():
        digests = _entry_digests(session, vid, [p.last_entry_id for p in postings])
        for p in postings:
            if not _still_matches(p, digests):
                problems.append(
                    ledger.Problem(
                        None,
                        None,
                        "posting_mismatch",
                        f"posting {p.id} ({p.month})",
                        posting_id=p.id,
                    )  # fmt: skip
                )
                break
    return problems


def postings_of(session: Session, village_id: int) -> list[Posting]:
    stmt = select(Posting).where(Posting.village_id == village_id).order_by(Posting.month.desc())
    return list(session.scalars(stmt))


def get_posting(session: Session, village_id: int, posting_id: int) -> Posting:
    posting = session.get(Posting, posting_id)
    if posting is None or posting.village_id != village_id:
        raise NotFound("posting")
    return posting


def verify(session: Session, *, village_id: int | None = None) -> ledger.VerifyReport:
    """The whole integrity check: every chain and cached figure, then every posting."""
    report = ledger.verify(session, village_id=village_id)
    report.problems.extend(check_postings(session, village_id=village_id))
    return report
