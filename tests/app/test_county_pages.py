"""The county officer's table over HTTP, its export, and the commands that set it up."""

import io
import re

import pytest
from flask import g
from openpyxl import load_workbook
from werkzeug.exceptions import Forbidden

from app.security import require_role
from points import county, ledger
from points.models import EntryKind
from points.users import Actor


@pytest.fixture
def xian(session, village, other_village, make_household, make_resident, fixed_clock):
    # the clock is pinned before the entry is posted, so it lands in November 2026 on any date
    c = county.create_county(session, code="xian", name="某县")
    county.attach_village(session, c, village)
    h = make_household(village, "1")
    r = make_resident(village, h, name="甲")
    ledger.post(session, household_id=h.id, amount=25, kind=EntryKind.AWARD, resident_id=r.id)
    make_household(other_village, "1")  # in no county: not on the table
    officer = county.create_officer(
        session, county=c, username="xian", password="secret-pass-1", full_name="县农业农村局"
    )
    session.commit()
    return {"county": c, "officer": officer}


def _cells(page: str) -> list[str]:
    return [c.strip() for c in re.findall(r'<td class="num"[^>]*>([^<]*)</td>', page)]


def test_the_officer_logs_in_and_lands_on_the_county_table(client, xian, village, fixed_clock):
    r = client.post("/login", data={"username": "xian", "password": "secret-pass-1"})
    assert r.status_code == 302
    r = client.get("/")
    assert r.status_code == 302 and r.location.endswith("/county")
    page = client.get("/county").get_data(as_text=True)
    assert "某县" in page and "2026-11" in page and village.name in page and "邻村" not in page
    # households, residents, held, awarded, redeemed, events, check-ins, participation, ...
    assert _cells(page)[:9] == ["1", "1", "25", "25", "0", "0", "0", "100.0%", "0"]
    assert "合计（1 个村）" in page and "结余积分" in page and "参与率" in page
    # the menu offers the county table, not the village's pages
    assert "/county" in page and "/admin/households" not in page and "/me/card" not in page


def test_months_and_sorting_from_the_query(client, login, xian, fixed_clock):
    login(xian["officer"])
    page = client.get("/county?month=2026-10").get_data(as_text=True)
    assert "2026-10" in page and _cells(page)[2] == "0"  # held at the end of October
    assert "—" in page  # no open work for a past month
    assert "month=2026-11" in page  # the next month's link
    page = client.get("/county?sort=held&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page
    for bad in ("2026-13", "2027-01", "abc"):
        assert client.get(f"/county?month={bad}").status_code == 400
    assert client.get("/county?sort=nonsense").status_code == 200


def test_the_export_is_a_workbook_of_the_same_table(client, login, xian, fixed_clock):
    login(xian["officer"])
    r = client.get("/county/export.xlsx?month=2026-11")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "county-xian-2026-11.xlsx" in r.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "某县 2026-11"
    assert rows[1][:5] == ("编号", "村", "户数", "在册村民", "结余积分")
    assert rows[2][:6] == ("home", "幸福村", 1, 1, 25, 25)
    assert rows[-1][1] == "合计" and rows[-1][4] == 25


def test_officers_and_village_staff_stay_on_their_side(
    app, client, login, xian, village, make_user, token_for
):
    staff = make_user(village, roles=["admin", "supervisor"])
    page = login(staff, app.test_client())
    assert page.get("/county").status_code == 403
    assert page.get("/county/export.xlsx").status_code == 403
    officer = login(xian["officer"], app.test_client())
    for path in ("/admin/dashboard", "/admin/households", "/me", "/board", "/shop/catalogue"):
        assert officer.get(path).status_code == 403, path
    assert officer.post("/admin/households/new", data={"number": "9"}).status_code == 403
    headers = token_for(xian["officer"])
    assert client.get("/api/v1/households", headers=headers).status_code == 403
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "xian", "password": "secret-pass-1"}
        ).status_code
        == 401
    )
    # the village check itself: require_role refuses a user with no village, any role asked
    view = require_role()(lambda: "ok")
    with app.test_request_context("/api/v1/me"):
        g.token_actor = Actor.of(xian["officer"])
        with pytest.raises(Forbidden):
            view()


def test_cli_sets_up_a_county(app, session, village):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-county", "--code", "qx", "--name", "青县"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["create-county", "--code", "qx", "--name", "青县"])
    assert r.exit_code == 1 and "duplicate_county_code" in r.output
    r = runner.invoke(args=["attach-village", "--county", "qx", "--village", village.code])
    assert r.exit_code == 0 and "1 village(s)" in r.output
    assert (
        runner.invoke(args=["attach-village", "--county", "qx", "--village", "nope"]).exit_code == 1
    )
    args = ["create-user", "--username", "qx-officer", "--password", "secret-pass-1"]
    r = runner.invoke(args=[*args, "--county", "qx"])
    assert r.exit_code == 0 and "qx-officer" in r.output
    assert runner.invoke(args=[*args, "--county", "qx"]).exit_code == 1  # duplicate
    # a county officer has no roles, and a login is for a village or a county
    assert runner.invoke(args=[*args, "--county", "qx", "--role", "admin"]).exit_code == 2
    assert runner.invoke(args=[*args, "--county", "qx", "--village", village.code]).exit_code == 2
    assert runner.invoke(args=[*args]).exit_code == 2
    r = runner.invoke(
        args=[
            "create-user",
            "--village",
            village.code,
            "--username",
            "x1",
            "--password",
            "secret-pass-1",
        ]
    )
    assert r.exit_code == 2 and "--role" in r.output
    assert runner.invoke(args=["rebuild-tallies"]).exit_code == 0
    c = county.get_county_by_code(session, "qx")
    assert [v.code for v in county.county_villages(session, c.id)] == [village.code]
