"""A 村民代表会议 in headless Chromium at phone size: the host schedules it from a topic and
opens it, the representatives check in by the projector's QR code, the meeting page shows
the quorum reached, the show of hands is recorded, and the topic shows "passed" with the
minutes. axe-core finds no serious problem on these pages."""

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from points import residents, rules, users, villages
from points.deliberation import meeting_settings, representatives, research, screening, topics
from points.deliberation.models import Topic
from points.models import Role
from tests.app.journeyutil import axe_violations, describe, small_targets

pytestmark = pytest.mark.browser

PASSWORD = "long-enough-1"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


def _setup(live_server):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="rep-meeting", name="代表村")
        admin = users.create_user(
            s, username="rm-admin", password=PASSWORD, village_id=v.id, roles=[Role.ADMIN]
        )
        users.create_user(
            s, username="rm-host", password=PASSWORD, village_id=v.id, roles=[Role.HOST]
        )
        meeting_settings.update(s, village_id=v.id, by=admin, households_per_representative=1)
        term = representatives.create_term(
            s, village=v, by=admin, name="第十二届", starts_on="2026-01-01", ends_on="2030-12-31"
        )
        reps = []
        for i in range(1, 4):
            r = residents.create_resident(
                s,
                village_id=v.id,
                household_number=f"{i}",
                name=f"代表{i}",
                phone=f"1390000{i:04d}",
            )
            users.create_user(
                s,
                username=f"rm-rep{i}",
                password=PASSWORD,
                village_id=v.id,
                roles=[Role.RESIDENT],
                resident_id=r.id,
            )
            n = representatives.nominate(s, term, by=admin, resident_id=r.id)
            representatives.sign(s, n, by=admin, household_id=r.household_id)
            representatives.confirm(s, n, by=admin, present=3, votes_for=3)
            reps.append(r)
        terms = rules.clean_terms(
            {"title": "参加村民代表会议", "category": "议事协商", "points": 5}
        )
        rules.create_rule(
            s,
            village_id=v.id,
            code="YS01",
            terms=terms,
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
        topic = topics.submit(
            s, village=v, by=admin, title="硬化村北道路", on_behalf_of=reps[0], source="meeting"
        )
        screening.decide(
            s, topic, village=v, by=admin, accept=True, category="公共事务、公共环境、公益事业"
        )
        research.save_research(s, topic, by=admin, proposal="村北道路硬化五百米，村集体出资。")
        research.complete_research(s, topic, by=admin)
        return topic.id


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


def test_representatives_meeting_reaches_quorum_and_passes_the_topic(
    launch_browser, live_server, fixed_clock
):
    import zxingcpp

    topic_id = _setup(live_server)
    browser = launch_browser()
    host = _login(browser, live_server, "rm-host", "/staff")
    host.goto(f"{live_server.url}/deliberation/meetings/new?topic={topic_id}")
    host.select_option("#kind", "representatives")
    start = fixed_clock.now.astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=5)
    host.fill("#starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    host.fill("#ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    _clean(host, "schedule a meeting of a kind")
    host.click("button[type=submit].big")
    host.wait_for_selector("text=会议已安排")
    meeting_url = host.url
    assert "未达到法定人数" in host.inner_text("#quorum")
    assert "代表1" in host.inner_text("main")
    _clean(host, "meeting below quorum")

    host.click("text=签到与会议码")
    host.wait_for_url("**/host/events/*")
    event_id = int(host.url.rstrip("/").split("/")[-1])
    host.click("text=开始签到")
    host.goto(f"{live_server.url}/host/events/{event_id}/projector")
    png = host.request.get(f"{live_server.url}/host/events/{event_id}/code.png").body()
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    for i in (1, 2, 3):
        rep = _login(browser, live_server, f"rm-rep{i}", "/me")
        rep.goto(code.text)  # the representative's phone opened the projector's QR
        rep.click("main button[type=submit]")
        rep.wait_for_selector("text=+5")

    host.goto(meeting_url)
    assert "已达到法定人数" in host.inner_text("#quorum")
    assert host.inner_text("[data-q=present]") == "3"
    _clean(host, "meeting at quorum")
    host.fill("input[name=for]", "3")
    host.fill("textarea[name=minutes]", "三位代表一致同意硬化村北道路。")
    host.click("button:has-text('登记表决结果')")
    host.wait_for_selector("text=表决结果已登记")
    main = host.inner_text("main")
    assert "应到3人，实到3人；赞成3，反对0，弃权0；通过" in main
    _clean(host, "meeting after the vote")

    host.goto(f"{live_server.url}/topics/{topic_id}")
    main = host.inner_text("main")
    assert "通过：村北道路硬化五百米，村集体出资。" in main
    assert "三位代表一致同意硬化村北道路。" in main
    _clean(host, "the topic passed")
    with live_server.db.session(write=False) as s:
        topic = s.get(Topic, topic_id)
        assert topic.status.value == "deliberated"
        assert topic.result == "村北道路硬化五百米，村集体出资。"
