"""The rough edges a new user hit (issue 18, item 10), page by page."""

from points import events
from points.event_models import CheckinMethod
from points.models import Role
from tests.eventutil import make_event, make_rule


def test_an_open_event_reads_in_progress_and_closing_asks_first(
    client, session, village, make_user, login, make_household, make_resident, fixed_clock
):
    rule = make_rule(session, village, points=5)
    home = make_household(village, "001")
    li = make_resident(village, home, name="李明")
    wife = make_resident(village, home, name="张兰")
    event = make_event(session, village, rule, one_per_household=True)
    events.open_event(session, event, by_id=None)
    for person in (li, wife):
        events.check_in(
            session, event=event, resident=person, method=CheckinMethod.MANUAL, by_id=None
        )
    session.commit()
    login(make_user(village, roles=(Role.HOST,)))
    page = client.get(f"/host/events/{event.id}").get_data(as_text=True)
    assert "进行中" in page and "待处理" not in page  # "Open" of an objection is another word
    assert 'data-confirm="确定结束本次活动吗？' in page and "/static/js/confirm.js" in page
    # the second of the household earns 0, and the page says why
    assert "（本户已有人签到）" in page
    form = client.get("/host/events/new").get_data(as_text=True)
    assert "per_time" not in form and "参加议事协商会（每次 +5 分）" in form


def test_a_household_of_three_reads_et_al_three(
    client, session, village, make_user, login, make_household, make_resident
):
    home = make_household(village, "001")
    for name in ("李明", "张兰", "李小红"):
        make_resident(village, home, name=name)
    login(make_user(village, roles=(Role.ADMIN,)))
    page = client.get("/admin/households").get_data(as_text=True)
    assert "等 3 人" in page and "等 2 人" not in page


def test_favicon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 302 and "/static/favicon.svg" in r.location
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data
    icon.close()
