"""Households and residents at the domain level."""

import pytest
from sqlalchemy import func, select

from points import residents
from points.errors import DuplicateHouseholdNumber, DuplicatePhone, NotFound, ValidationFailed
from points.models import AuditLog, Household, Resident, ResidentStatus


def test_pinyin_initials():
    assert residents.name_initials("张建国") == "zjg"
    assert residents.name_pinyin("张建国") == "zhangjianguo"
    assert residents.name_initials("欧阳娜娜") == "oynn"


def test_create_resident_creates_household_and_audits(session, village):
    r = residents.create_resident(
        session,
        village_id=village.id,
        household_number="2001",
        name="张建国",
        phone="13912345678",
        group="第二组",
    )
    session.flush()
    assert r.household.number == "2001"
    assert r.household.group.name == "第二组"
    assert r.is_head is True  # the first member of a new household is its head
    assert r.name_initials == "zjg"
    assert r.phone_masked == "139****5678"
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.village_id == village.id)))
    assert {"household.create", "resident.create"} <= actions


def test_search_by_number_name_and_initials(session, village, other_village):
    residents.create_resident(
        session, village_id=village.id, household_number="1001", name="张建国"
    )
    residents.create_resident(
        session, village_id=village.id, household_number="1002", name="李秀英"
    )
    residents.create_resident(
        session, village_id=other_village.id, household_number="1001", name="张建国"
    )
    for q, expected in [
        ("zjg", ["1001"]),
        ("张建", ["1001"]),
        ("1002", ["1002"]),
        ("lxy", ["1002"]),
        ("zhangjian", ["1001"]),
        ("", ["1001", "1002"]),
        ("nobody", []),
    ]:
        page = residents.search_households(session, village.id, q)
        assert [h.number for h in page.items] == expected, q
    found = residents.search_residents(session, village.id, "zjg")
    assert [r.name for r in found] == ["张建国"]


def test_search_pages_with_cursor(session, village):
    for i in range(5):
        residents.create_household(session, village_id=village.id, number=f"P{i}")
    first = residents.search_households(session, village.id, "P", limit=2)
    second = residents.search_households(
        session, village.id, "P", limit=2, cursor=first.next_cursor
    )
    third = residents.search_households(
        session, village.id, "P", limit=2, cursor=second.next_cursor
    )
    numbers = [h.number for h in first.items + second.items + third.items]
    assert numbers == ["P0", "P1", "P2", "P3", "P4"]
    assert third.next_cursor is None
    with pytest.raises(ValidationFailed):
        residents.search_households(session, village.id, "", cursor="!!!")


def test_duplicates_and_bad_input_change_nothing(session, village):
    residents.create_resident(
        session, village_id=village.id, household_number="1", name="甲", phone="13900000001"
    )
    before = session.scalar(select(func.count(Resident.id)))
    with pytest.raises(DuplicatePhone):
        residents.create_resident(
            session, village_id=village.id, household_number="2", name="乙", phone="13900000001"
        )
    with pytest.raises(DuplicateHouseholdNumber):
        residents.create_household(session, village_id=village.id, number="1")
    with pytest.raises(ValidationFailed) as exc:
        residents.create_resident(
            session, village_id=village.id, household_number="bad number!", name="", phone="x"
        )
    assert set(exc.value.fields) == {"name", "phone", "household_number"}
    assert session.scalar(select(func.count(Resident.id))) == before
    assert session.scalar(select(func.count(Household.id)).where(Household.number == "2")) == 0


def test_move_and_mark_moved_out(session, village):
    r = residents.create_resident(session, village_id=village.id, household_number="1", name="甲")
    residents.move_resident(session, r, household_number="7", by_id=None)
    assert r.household.number == "7"
    with pytest.raises(ValidationFailed):
        residents.move_resident(session, r, household_number="7", by_id=None)
    residents.set_status(session, r, status="moved_out", by_id=None)
    assert r.status == ResidentStatus.MOVED_OUT
    with pytest.raises(ValidationFailed):
        residents.set_status(session, r, status="gone", by_id=None)


def test_other_village_ids_are_not_found(session, village, other_village):
    r = residents.create_resident(
        session, village_id=other_village.id, household_number="1", name="甲"
    )
    with pytest.raises(NotFound):
        residents.get_resident(session, village.id, r.id)
    with pytest.raises(NotFound):
        residents.get_household(session, village.id, r.household_id)
