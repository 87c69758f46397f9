"""On a phone: a resident reads 我的积分 (no sideways scrolling) and objects to a posted award."""

from datetime import date

import pytest
from sqlalchemy import select

from points import awards, residents, rules, users, villages
from points.models import AwardStatus, Objection, Role

pytestmark = pytest.mark.browser


def test_resident_reads_points_and_objects_on_a_phone(live_server, phone_page):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="browser-awards", name="公示村")
        me = residents.create_resident(s, village_id=v.id, household_number="1", name="李秀英")
        other = residents.create_resident(s, village_id=v.id, household_number="2", name="王建国")
        users.create_user(
            s,
            username="lxy-browser",
            password="long-enough-1",
            village_id=v.id,
            roles=[Role.RESIDENT],
            resident_id=me.id,
        )
        host = users.create_user(
            s, username="host-browser", password="long-enough-1", village_id=v.id, roles=[Role.HOST]
        )
        sup = users.create_user(
            s,
            username="sup-browser",
            password="long-enough-1",
            village_id=v.id,
            roles=[Role.SUPERVISOR],
        )

        def rule(code, title, points, **kw):
            terms = rules.clean_terms(
                {"title": title, "category": "志愿服务", "points": points, **kw}
            )
            return rules.create_rule(
                s,
                village_id=v.id,
                code=code,
                terms=terms,
                effective_from=date(2026, 1, 1),
                by_id=None,
            )

        clean = rule("HJ01", "门前三包达标", 5)
        flood = rule("ZY02", "参加应急抢险、防汛值守", 10, needs_review=True)
        awards.create_award(s, village=v, rule=clean, resident=me, by=host)
        awards.create_award(s, village=v, rule=flood, resident=me, by=host, note="七月防汛")
        posted = awards.create_award(
            s, village=v, rule=flood, resident=other, by=host, note="夜间值守"
        )
        awards.approve(s, posted, by=sup)
        posted_id = posted.id

    page = phone_page
    page.goto(live_server.url + "/login")
    page.fill("#username", "lxy-browser")
    page.fill("#password", "long-enough-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/me")
    assert page.locator(".figures .balance").inner_text() == "5"
    figures = page.locator(".figures").inner_text()
    assert "待生效" in figures and "10" in figures and "全村排名" in figures
    assert "七月防汛" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("text=积分公示")
    page.wait_for_url("**/board")
    assert "夜间值守" in page.locator(".entries").inner_text()
    page.click(f"a[href='/awards/{posted_id}/object']")
    page.fill("#reason", "那晚他不在值守点")
    page.click("main button[type=submit]")
    page.wait_for_url("**/me")
    assert "那晚他不在值守点" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with live_server.db.session(write=False) as s:
        objection = s.scalar(select(Objection).where(Objection.award_id == posted_id))
        assert objection.reason == "那晚他不在值守点" and objection.award.status == AwardStatus.HELD
