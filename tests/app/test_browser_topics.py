"""A topic's life in headless Chromium at phone size: a resident raises it, the host runs its
meeting with the projector's QR check-in and records the result, and the resident sees the
posted result, may object, and rates it. axe-core finds no serious problem on these pages."""

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select

from points import residents, rules, users, villages
from points.deliberation.models import Topic
from points.event_models import Attendance
from points.models import Household, Role
from tests.app.journeyutil import axe_violations, describe, small_targets

pytestmark = pytest.mark.browser

PASSWORD = "long-enough-1"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


def _setup(live_server):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="topic-life", name="议事村")
        wang = residents.create_resident(
            s, village_id=v.id, household_number="1", name="王建国", phone="13900001111"
        )
        for name, roles, resident in (
            ("tl-res", [Role.RESIDENT], wang),
            ("tl-host", [Role.HOST], None),
            ("tl-admin", [Role.ADMIN], None),
            ("tl-sup", [Role.SUPERVISOR], None),
        ):
            users.create_user(
                s,
                username=name,
                password=PASSWORD,
                village_id=v.id,
                roles=roles,
                resident_id=resident.id if resident else None,
            )
        terms = rules.clean_terms({"title": "参加村民议事会", "category": "议事协商", "points": 5})
        rules.create_rule(
            s,
            village_id=v.id,
            code="YS01",
            terms=terms,
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
        return wang.household_id


def _login(browser, live_server, username, landing):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{landing}")
    return page


def _clean(page, where):
    bad = axe_violations(page)
    assert not bad, f"{where}: {describe(bad)}"
    small = small_targets(page)
    assert not small, f"{where}: {small}"


def test_topic_from_phone_to_rating(launch_browser, live_server, fixed_clock):
    import zxingcpp

    household_id = _setup(live_server)
    browser = launch_browser()
    res = _login(browser, live_server, "tl-res", "/me")
    res.goto(live_server.url + "/topics/new")
    _clean(res, "raise a topic")
    res.fill("#title", "村北排水渠堵塞")
    res.fill("#description", "村北水渠被垃圾堵住，下雨就漫到路上。")
    res.click("button:has-text('提交议题')")
    res.wait_for_selector("text=议题已收到")
    topic_url = res.url
    topic_id = int(topic_url.rstrip("/").split("/")[-1])
    _clean(res, "my topic")

    admin = _login(browser, live_server, "tl-admin", "/staff")
    admin.goto(topic_url)
    admin.select_option("#category", "公共事务、公共环境、公益事业")
    admin.click("text=确定为议题")
    admin.wait_for_selector("text=议题已确定")

    host = _login(browser, live_server, "tl-host", "/staff")
    host.goto(topic_url)
    host.fill("#proposal", "组织志愿者清淤，村里出车拉运垃圾。")
    host.fill("#notice", "明天上午 9 点在村委会议事。")
    host.click("text=保存并完成调研")
    host.wait_for_selector("text=调研情况已保存")
    host.click("text=为本议题安排议事会")
    start = fixed_clock.now.astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=5)
    host.fill("#starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    host.fill("#ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    _clean(host, "schedule a meeting")
    host.click("button:has-text('安排议事会')")
    host.wait_for_selector("text=会议已安排")
    assert "村北排水渠堵塞" in host.inner_text("main")  # the agenda on the event's page
    event_id = int(host.url.rstrip("/").split("/")[-1])
    host.click("text=开始签到")
    host.goto(f"{live_server.url}/host/events/{event_id}/projector")
    png = host.request.get(f"{live_server.url}/host/events/{event_id}/code.png").body()
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))

    res.goto(code.text)  # the resident's phone opened the projector's QR
    res.click("main button[type=submit]")
    res.wait_for_selector("text=+5")

    host.goto(topic_url)
    host.fill("#minutes", "到会村民都同意清淤。")
    host.fill("#m-result", "本周六组织志愿者清淤。")
    host.click("button[name=passed][value='1']")
    host.wait_for_selector("text=议事结果已记录")
    admin.goto(topic_url)
    admin.click("text=公示结果")
    admin.wait_for_selector("text=结果已在公示栏公示")

    res.goto(topic_url)
    assert "本周六组织志愿者清淤" in res.inner_text("main")
    assert res.locator("#obj-reason").count() == 1  # inside the window the resident may object
    _clean(res, "posted result")

    fixed_clock.advance(days=5, minutes=1)
    admin.goto(topic_url)
    admin.fill("#owner", "志愿服务队")
    admin.fill("#deadline", "2026-11-20")
    admin.click("button:text('开始')")
    admin.wait_for_selector("text=已开始落实")
    sup = _login(browser, live_server, "tl-sup", "/staff")
    sup.goto(topic_url)
    sup.click("text=验收办结")
    sup.wait_for_selector("text=已验收办结")

    res.goto(topic_url)
    _clean(res, "rating")
    res.click("button[name=score][value=satisfied]")
    res.wait_for_selector("text=感谢您的评价")
    assert "满意率 100%" in res.inner_text("main")
    _clean(res, "rated")
    with live_server.db.session(write=False) as s:
        topic = s.get(Topic, topic_id)
        assert topic.status.value == "done"
        assert [h.to_status for h in topic.history] == [
            "collected",
            "accepted",
            "researched",
            "deliberated",
            "published",
            "implementing",
            "done",
        ]
        checked = s.scalars(select(Attendance).where(Attendance.event_id == event_id)).all()
        assert [a.method.value for a in checked] == ["event_qr"]
        assert s.get(Household, household_id).balance == 5
