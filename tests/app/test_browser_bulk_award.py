"""On a phone (390 × 844): the bulk award page picks a 村民小组, shows each person with
household, group and birth year, awards the residents ticked; no sideways scrolling, axe-core
clean."""

from datetime import date

import pytest
from sqlalchemy import select

from points import residents, rules, users, villages
from points.models import Award, Role
from tests.app.journeyutil import axe_violations

pytestmark = pytest.mark.browser


def test_bulk_award_on_a_phone(live_server, phone_page):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="browser-bulk", name="批量村")
        for number, name, year in (
            ("3001", "张伟", 1980),
            ("3002", "张伟", 1995),
            ("3003", "李娟", 1982),
        ):
            r = residents.create_resident(
                s, village_id=v.id, household_number=number, name=name, group="第三组"
            )
            r.birth_year = year
        users.create_user(
            s, username="bulk-admin", password="long-enough-1", village_id=v.id, roles=[Role.ADMIN]
        )
        rule = rules.create_rule(
            s,
            village_id=v.id,
            code="HD01",
            terms=rules.clean_terms({"title": "清理河道", "category": "环境卫生", "points": 3}),
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
        village_id, rule_id = v.id, rule.id

    page = phone_page
    page.goto(live_server.url + "/login")
    page.fill("#username", "bulk-admin")
    page.fill("#password", "long-enough-1")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    page.goto(live_server.url + "/admin/awards/bulk")
    page.select_option("#group_id", label="第三组")
    page.click("form:has(#group_id) button[type=submit]")
    page.wait_for_url("**by=group**")
    picks = page.locator(".picks").inner_text()
    assert "1980 年生" in picks and "1995 年生" in picks and "户号 3002" in picks
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    page.select_option("#rule_id", value=str(rule_id))
    page.click("button.big")
    page.wait_for_url("**/admin/awards/bulk")
    assert "已记 3 笔" in page.locator("body").inner_text()
    with live_server.db.session() as s:
        made = s.scalars(select(Award).where(Award.village_id == village_id)).all()
        assert sorted(a.amount for a in made) == [3, 3, 3]
