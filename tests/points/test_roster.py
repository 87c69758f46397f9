"""Roster import (村民花名册): preview, errors, all or nothing, re-import, a changed roster."""

import pytest
from sqlalchemy import func, select

from points import roster
from points.models import Household, Resident, ResidentStatus
from tests.xlsxutil import HEADER, read_book, sheet_bytes

GOOD = [
    ["A01", "张建国", "男", 1968, "13800000001", "第一组", "户主", "110101196801011234"],
    ["A01", "李秀英", "女", 1970, None, "第一组", "配偶", None],
    ["A01", "张伟", "男", 1995, None, "第一组", "子", None],
    ["A02", "王芳", "女", 1980, "13800000002", "第二组", "户主", "11010119800202567X"],
    ["A02", "张伟", "男", 2001, None, "第二组", "子", None],  # same name, told apart by year
]


def _residents(session, village):
    return list(
        session.scalars(
            select(Resident).where(Resident.village_id == village.id).order_by(Resident.id)
        )
    )


def test_template_has_the_columns_in_order():
    sheet = read_book(roster.template())
    assert [c.value for c in sheet[1]] == HEADER


def test_good_roster_imports_and_keeps_only_the_ids_last_four(session, village, fixed_clock):
    preview = roster.read(session, village.id, sheet_bytes(GOOD))
    assert preview.ok and preview.summary()["created"] == 5
    assert _residents(session, village) == []  # a preview writes nothing
    roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    people = _residents(session, village)
    assert [(p.name, p.household.number, p.birth_year) for p in people][:2] == [
        ("张建国", "A01", 1968),
        ("李秀英", "A01", 1970),
    ]
    head = people[0]
    assert head.is_head and head.sex == "男" and head.relation == "户主"
    assert head.id_last4 == "1234" and head.phone == "13800000001"
    assert people[3].id_last4 == "567X"
    assert people[3].household.group.name == "第二组"
    stored = session.execute(select(Resident.__table__)).all()
    assert not any("110101196801011234" in str(row) for row in stored)


def test_bad_rows_are_reported_and_nothing_is_written(session, village, fixed_clock):
    bad = [
        ["A01", "", "男", 1968, None, "第一组", "户主", None],
        ["A 2", "王芳", "x", 1800, "12", "第二组", "户主", "123"],
        ["A03", "赵六", "男", 1990, "13800000009", "第三组", "户主", None],
        ["A04", "钱七", "男", 1990, "13800000009", "第三组", "户主", None],
    ]
    preview = roster.read(session, village.id, sheet_bytes(bad))
    got = {(e.row, e.column) for e in preview.errors}
    assert got == {
        (2, "姓名"),
        (3, "户号"),
        (3, "性别"),
        (3, "出生年份"),
        (3, "电话"),
        (3, "身份证号"),
        (5, "电话"),
    }
    # Bad cells stop the reading before the rows are matched: nothing is counted (rather
    # than "0 new"), and no column is wrong.
    assert not preview.counted and preview.changes == [] and not preview.column_errors
    with pytest.raises(roster.RosterInvalid) as caught:
        roster.apply(session, village.id, sheet_bytes(bad), by_id=None)
    assert caught.value.details["errors"][0] == {"row": 2, "column": "姓名", "message": "required"}
    session.rollback()
    assert _residents(session, village) == []
    assert session.scalar(select(func.count(Household.id))) == 0


def test_reimporting_the_same_file_changes_nothing(session, village, fixed_clock):
    roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    before = [(r.id, r.household_id, r.status, r.phone) for r in _residents(session, village)]
    again = roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    assert again.summary() == {
        "created": 0,
        "updated": 0,
        "unchanged": 5,
        "moved": 0,
        "left": 0,
        "errors": [],
    }
    after = [(r.id, r.household_id, r.status, r.phone) for r in _residents(session, village)]
    assert after == before


def test_a_changed_roster_reports_moves_leavers_and_newcomers(session, village, fixed_clock):
    roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    changed = [
        GOOD[0],
        GOOD[1],
        ["A03", "张伟", "男", 1995, None, "第一组", "户主", None],  # moved out to a new household
        GOOD[3],
        # A02's 张伟 (2001) is no longer listed: he left
        ["A02", "孙丽", "女", 2003, None, "第二组", "儿媳", None],
    ]
    preview = roster.read(session, village.id, sheet_bytes(changed))
    assert preview.summary() == {
        "created": 1,
        "updated": 0,
        "unchanged": 3,
        "moved": 1,
        "left": 1,
        "errors": [],
    }
    (move,) = [c for c in preview.changes if c.kind == "move"]
    assert (move.person.name, move.from_number, move.person.number) == ("张伟", "A01", "A03")
    assert [r.birth_year for r in preview.leavers] == [2001]
    roster.apply(session, village.id, sheet_bytes(changed), by_id=None)
    session.commit()
    people = {(r.name, r.birth_year): r for r in _residents(session, village)}
    assert people[("张伟", 1995)].household.number == "A03"
    assert people[("张伟", 1995)].is_head
    assert people[("张伟", 2001)].status == ResidentStatus.MOVED_OUT  # never deleted
    assert people[("孙丽", 2003)].household.number == "A02"
    assert len(people) == 6


def test_a_roster_with_other_headers_is_read_through_a_mapping(session, village, fixed_clock):
    data = sheet_bytes(
        [["B1", "周八", "13900000001"]], header=["户编号", "户主及成员姓名", "联系方式"]
    )
    first = roster.read(session, village.id, data)
    assert [(e.row, e.column, e.message) for e in first.errors] == [(1, "姓名", "column missing")]
    assert first.column_errors and not first.counted  # the mapping needs attention
    mapped = roster.read(session, village.id, data, {"name": "户主及成员姓名", "phone": "联系方式"})
    assert mapped.ok and mapped.changes[0].person.phone == "13900000001"
    assert mapped.counted and not mapped.column_errors


def test_two_residents_nothing_tells_apart_are_an_error(session, village, fixed_clock):
    roster.apply(
        session,
        village.id,
        sheet_bytes(
            [
                ["C1", "刘洋", None, None, None, None, None, None],
                ["C2", "刘洋", None, None, None, None, None, None],
            ]
        ),
        by_id=None,
    )
    session.commit()
    preview = roster.read(
        session, village.id, sheet_bytes([["C3", "刘洋", None, None, None, None, None, None]])
    )
    assert [(e.row, e.column) for e in preview.errors] == [(2, "姓名")]
    assert preview.counted  # an error found while matching: the other rows are counted


def test_not_an_xlsx_is_a_clear_400(session, village):
    from points.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        roster.read(session, village.id, b"not a workbook")


def test_anonymising_a_leaver_clears_the_roster_columns(session, village, fixed_clock):
    from points import privacy, residents

    roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    head = _residents(session, village)[0]
    residents.set_status(session, head, status=ResidentStatus.MOVED_OUT, by_id=None)
    session.commit()
    fixed_clock.advance(days=366)
    privacy.anonymise(session, head, village, by_id=None)
    session.commit()
    assert (head.birth_year, head.id_last4, head.sex, head.relation) == (None, "", "", "")


def test_a_roster_without_phone_or_relation_columns_keeps_them(session, village, fixed_clock):
    roster.apply(session, village.id, sheet_bytes(GOOD), by_id=None)
    session.commit()
    narrow = sheet_bytes(
        [[row[0], row[1], row[3]] for row in GOOD], header=["户号", "姓名", "出生年份"]
    )
    again = roster.apply(session, village.id, narrow, by_id=None)
    session.commit()
    assert again.summary()["unchanged"] == 5 and again.summary()["updated"] == 0
    head = _residents(session, village)[0]
    assert head.phone == "13800000001" and head.is_head
