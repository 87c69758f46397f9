"""An attacker's tools for tests: edit ledger entries straight in the database."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select, text

from points import ledger
from points.models import LedgerEntry


def drop_guard(connection) -> None:
    """Take away the append-only trigger, as someone with the database's owner rights can."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        )
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_update"))


def plain_sha256(prev_hash: str, canonical_text: str) -> str:
    """The hash as the code computed it before the key: what an attacker can always redo."""
    return hashlib.sha256((prev_hash + "\x1e" + canonical_text).encode()).hexdigest()


def hmac_under(key: bytes):
    """The hash as the code computes it, under a key the attacker guessed (not the real one)."""

    def compute(prev_hash: str, canonical_text: str) -> str:
        text_ = (prev_hash + "\x1e" + canonical_text).encode()
        return hmac.new(key, text_, hashlib.sha256).hexdigest()

    return compute


def edit_amount(session, entry_id: int, amount: int, hasher) -> None:
    """Change one entry's amount, then recompute with ``hasher`` every balance_after, hash and
    prev_hash of its household's chain from there on, and the household's cached figures."""
    connection = session.connection()
    drop_guard(connection)
    entry = session.get(LedgerEntry, entry_id)
    hid = entry.household_id
    delta = amount - entry.amount
    connection.execute(
        text(
            "UPDATE ledger_entries SET amount = :a, honour_delta = honour_delta + :d WHERE id = :i"
        ),
        {"a": amount, "d": delta if entry.honour_delta else 0, "i": entry_id},
    )
    session.expire_all()
    chain = session.scalars(
        select(LedgerEntry).where(LedgerEntry.household_id == hid).order_by(LedgerEntry.seq)
    ).all()
    prev, balance, honour = ledger.GENESIS, 0, 0
    for e in chain:
        balance += e.amount
        honour += e.honour_delta
        values = [balance if n == "balance_after" else getattr(e, n) for n in ledger._NAMES]
        new_hash = hasher(prev, ledger._canonical_values(values))
        connection.execute(
            text(
                "UPDATE ledger_entries SET balance_after = :b, prev_hash = :p, hash = :h "
                "WHERE id = :i"
            ),
            {"b": balance, "p": prev, "h": new_hash, "i": e.id},
        )
        prev = new_hash
    connection.execute(
        text(
            "UPDATE households SET balance = :b, honour_score = :s, ledger_head = :h WHERE id = :i"
        ),
        {"b": balance, "s": honour, "h": prev, "i": hid},
    )
    session.expire_all()
