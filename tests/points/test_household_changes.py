"""Households over time: split, merge, move members. People move; points move only by a
linked pair of entries with a reason; every entry keeps who earned it; chains verify."""

import pytest
from sqlalchemy import select

from points import household_changes, ledger, residents
from points.errors import ValidationFailed
from points.models import EntryKind, LedgerEntry


@pytest.fixture
def family(session, village, make_household, make_resident):
    h = make_household(village, "A01")
    father = make_resident(village, h, name="张建国")
    son = make_resident(village, h, name="张伟")
    daughter = make_resident(village, h, name="张丽")
    ledger.post(session, household_id=h.id, resident_id=father.id, amount=30, kind=EntryKind.AWARD)
    ledger.post(session, household_id=h.id, resident_id=son.id, amount=20, kind=EntryKind.AWARD)
    session.commit()
    return h, father, son, daughter


def _entries(session, household_id):
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.household_id == household_id)
            .order_by(LedgerEntry.seq)
        )
    )


def test_split_moves_people_and_the_points_given_by_a_linked_pair(session, village, family):
    h, father, son, daughter = family
    change = household_changes.split(
        session,
        h,
        resident_ids=[son.id],
        new_number="A01-1",
        points=15,
        reason="分户：张伟成家",
        by_id=None,
    )
    session.commit()
    new = residents.find_household_by_number(session, village.id, "A01-1")
    # earned 30 + 20 = 50; 15 go with 张伟: 35 stay, 15 arrive
    assert (h.balance, new.balance) == (35, 15)
    assert [m.name for m in new.members] == ["张伟"] and new.members[0].is_head
    assert new.group.name == "第一组"
    out, into = household_changes.transfer_entries(session, change)
    assert (out.household_id, out.amount, into.household_id, into.amount) == (h.id, -15, new.id, 15)
    assert out.note == into.note == "分户：张伟成家"
    assert out.honour_delta == into.honour_delta == 0
    # who earned what is kept: 张伟's award stays in A01's chain, under his name
    assert [(e.resident_id, e.amount) for e in _entries(session, h.id)][:2] == [
        (father.id, 30),
        (son.id, 20),
    ]
    assert h.honour_score == 50 and new.honour_score == 0
    report = ledger.verify(session, village_id=village.id)
    assert report.ok, report.problems


def test_merge_takes_every_member_and_the_whole_balance(
    session, village, family, make_household, make_resident
):
    h, *_ = family
    other = make_household(village, "A02")
    make_resident(village, other, name="李秀英")
    ledger.post(session, household_id=other.id, amount=5, kind=EntryKind.AWARD)
    session.commit()
    household_changes.merge(session, other, h, reason="合户", by_id=None)
    session.commit()
    assert (other.balance, h.balance) == (0, 55)
    assert sorted(m.name for m in h.members) == ["张丽", "张伟", "张建国", "李秀英"]
    assert other.members == []
    assert sum(e.amount for e in _entries(session, h.id)) == h.balance
    assert ledger.verify(session, village_id=village.id).ok


def test_moving_members_without_points_leaves_the_balance(session, village, family, make_household):
    h, father, son, daughter = family
    other = make_household(village, "A03")
    household_changes.move_members(
        session, h, other, resident_ids=[daughter.id], reason="出嫁", by_id=None
    )
    session.commit()
    assert (h.balance, other.balance) == (50, 0)
    assert daughter.household_id == other.id
    assert (
        household_changes.transfer_entries(session, household_changes.history(session, h)[0]) == []
    )


def test_bad_changes_change_nothing(session, village, family, make_household):
    h, father, son, daughter = family
    other = make_household(village, "A04")
    with pytest.raises(ValidationFailed) as no_reason:
        household_changes.move_members(
            session, h, other, resident_ids=[son.id], reason=" ", by_id=None
        )
    assert "reason" in no_reason.value.fields
    with pytest.raises(ValidationFailed) as too_much:
        household_changes.move_members(
            session, h, other, resident_ids=[son.id], points=51, reason="x", by_id=None
        )
    assert "points" in too_much.value.fields
    session.rollback()
    with pytest.raises(ValidationFailed):
        household_changes.move_members(
            session, other, h, resident_ids=[son.id], reason="x", by_id=None
        )  # not a member of A04
    with pytest.raises(ValidationFailed):
        household_changes.split(
            session,
            h,
            resident_ids=[father.id, son.id, daughter.id],
            new_number="A05",
            reason="x",
            by_id=None,
        )
    session.rollback()
    assert (h.balance, son.household_id) == (50, h.id)
    assert residents.find_household_by_number(session, village.id, "A05") is None


def test_a_transfer_entry_cannot_be_corrected_alone(session, village, family, make_household):
    h, father, son, _ = family
    other = make_household(village, "A06")
    change = household_changes.move_members(
        session, h, other, resident_ids=[son.id], points=10, reason="随人迁移", by_id=None
    )
    session.commit()
    out, _into = household_changes.transfer_entries(session, change)
    with pytest.raises(ledger.AlreadyCorrected):
        ledger.correct(session, entry_id=out.id, reason="x", created_by_id=None)
