"""The ledger, read like bookkeeping."""

from dataclasses import fields

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from points import ledger
from points.errors import InsufficientPoints, ValidationFailed
from points.models import EntryKind, LedgerEntry


@pytest.fixture
def household(make_household, village):
    return make_household(village, "1001")


def post(session, household, amount, kind, **kw):
    return ledger.post(session, household_id=household.id, amount=amount, kind=kind, **kw)


def test_awards_redemption_refund_and_honour(session, household):
    post(session, household, 5, EntryKind.AWARD)  # awarded 5
    post(session, household, 20, EntryKind.AWARD)  # awarded 20
    post(session, household, -12, EntryKind.REDEMPTION)  # redeemed 12
    post(session, household, 12, EntryKind.REFUND)  # order voided
    post(session, household, -3, EntryKind.DEDUCTION)  # deducted 3
    assert household.balance == 22
    assert household.honour_score == 22  # 5 + 20 - 3: spending and refunds do not count
    post(session, household, -22, EntryKind.REDEMPTION)
    assert household.balance == 0
    assert household.honour_score == 22
    report = ledger.verify(session)
    assert report.ok, report.problems
    assert report.entries == 6


def test_never_below_zero(session, household):
    post(session, household, 10, EntryKind.AWARD)
    with pytest.raises(InsufficientPoints) as exc:
        post(session, household, -11, EntryKind.REDEMPTION)
    assert exc.value.details == {"balance": 10, "needed": 11}
    assert household.balance == 10
    # A deduction larger than the balance takes what is there; the honour score takes it all.
    entry = post(session, household, -15, EntryKind.DEDUCTION, allow_partial=True, honour_delta=-15)
    assert entry.amount == -10 and household.balance == 0 and household.honour_score == -5
    assert ledger.verify(session).ok


def test_correction_reverses_once(session, household):
    wrong = post(session, household, 8, EntryKind.AWARD, note="记错了户")
    fix = ledger.correct(
        session, entry_id=wrong.id, reason="奖励记到了错误的户", created_by_id=None
    )
    assert fix.kind == EntryKind.CORRECTION and fix.reverses_id == wrong.id
    assert household.balance == 0 and household.honour_score == 0
    with pytest.raises(ledger.AlreadyCorrected):
        ledger.correct(session, entry_id=wrong.id, reason="again", created_by_id=None)
    with pytest.raises(ledger.AlreadyCorrected):
        ledger.correct(session, entry_id=fix.id, reason="undo the undo", created_by_id=None)
    with pytest.raises(ValidationFailed):
        ledger.correct(session, entry_id=wrong.id, reason="  ", created_by_id=None)
    assert ledger.verify(session).ok


def test_correction_after_spending_takes_what_is_left(session, household):
    award = post(session, household, 10, EntryKind.AWARD)
    post(session, household, -7, EntryKind.REDEMPTION)
    fix = ledger.correct(session, entry_id=award.id, reason="不符合条件", created_by_id=None)
    assert fix.amount == -3 and fix.honour_delta == -10
    assert household.balance == 0 and household.honour_score == 0
    assert ledger.verify(session).ok


def test_chain_links_entries(session, household):
    a = post(session, household, 1, EntryKind.AWARD)
    b = post(session, household, 2, EntryKind.AWARD)
    assert a.prev_hash == ledger.GENESIS and b.prev_hash == a.hash
    assert (a.seq, b.seq) == (1, 2)
    assert household.ledger_head == b.hash


def test_database_refuses_update_and_delete(session, connection, household):
    entry = post(session, household, 5, EntryKind.AWARD)
    session.commit()
    for sql in (
        "UPDATE ledger_entries SET amount = 50 WHERE id = :id",
        "DELETE FROM ledger_entries WHERE id = :id",
    ):
        nested = connection.begin_nested()
        with pytest.raises(DatabaseError):
            connection.execute(text(sql), {"id": entry.id})
        nested.rollback()


def _drop_append_only_guard(connection):
    """What someone with direct database access would do before editing an entry."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        )
    else:
        connection.execute(text("DROP TRIGGER ledger_entries_no_update"))


def test_verify_names_an_edited_entry(session, connection, household, make_household, village):
    post(session, household, 5, EntryKind.AWARD)
    tampered = post(session, household, 20, EntryKind.AWARD)
    post(session, household, -10, EntryKind.REDEMPTION)
    post(session, make_household(village, "1002"), 3, EntryKind.AWARD)
    session.commit()
    _drop_append_only_guard(connection)
    connection.execute(
        text("UPDATE ledger_entries SET amount = 200 WHERE id = :id"), {"id": tampered.id}
    )
    session.expire_all()
    report = ledger.verify(session)
    assert not report.ok
    kinds = {(p.entry_id, p.kind) for p in report.problems}
    assert (tampered.id, "hash_mismatch") in kinds
    assert {p.household_id for p in report.problems} == {household.id}
    connection.execute(
        text("UPDATE ledger_entries SET amount = 20 WHERE id = :id"), {"id": tampered.id}
    )
    session.expire_all()
    assert ledger.verify(session).ok


def test_verify_notices_a_changed_cached_balance(session, connection, household):
    post(session, household, 5, EntryKind.AWARD)
    session.commit()
    connection.execute(
        text("UPDATE households SET balance = 500 WHERE id = :id"), {"id": household.id}
    )
    session.expire_all()
    report = ledger.verify(session)
    assert [(p.household_id, p.entry_id, p.kind) for p in report.problems] == [
        (household.id, None, "balance_mismatch")
    ]


def test_order_entries_are_reversed_by_void_not_by_correction(session, household):
    post(session, household, 50, EntryKind.AWARD)
    spent = post(session, household, -30, EntryKind.REDEMPTION)
    back = post(session, household, 30, EntryKind.REFUND)
    for entry in (spent, back):
        with pytest.raises(ledger.NotCorrectable):
            ledger.correct(session, entry_id=entry.id, reason="wrong", created_by_id=None)
    assert household.balance == 50 and ledger.verify(session).ok


def test_an_appended_entry_names_every_column_of_a_ledger_entry(session, household):
    # ledger.post builds the mapped entry from Appended: a column added to LedgerEntry must
    # be carried by Appended too, or post would write the row and answer without it.
    entry = ledger.append(session, household_id=household.id, amount=5, kind=EntryKind.AWARD)
    assert {f.name for f in fields(entry)} == set(LedgerEntry.__table__.columns.keys())
    stored = session.get(LedgerEntry, entry.id)
    assert all(getattr(stored, f.name) == getattr(entry, f.name) for f in fields(entry))
