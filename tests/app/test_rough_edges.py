"""The rough edges a new user hit (issue 18, item 10), page by page."""

import re

from points import events, ledger, villages
from points.event_models import CheckinMethod
from points.models import EntryKind, Role
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


def test_households_filter_by_group_and_sort_by_number(
    client, session, village, make_user, login, make_household
):
    for number, group in (("10", "第一组"), ("9", "第二组"), ("2", "第一组"), ("1", "第一组")):
        make_household(village, number, group=group)
    login(make_user(village, roles=(Role.ADMIN,)))
    groups = {g.name: g.id for g in villages.list_groups(session, village.id)}

    def numbers(query):
        page = client.get("/admin/households?" + query).get_data(as_text=True)
        return re.findall(r'/admin/households/\d+">([^<]+)</a>', page)

    assert numbers("") == ["10", "9", "2", "1"]  # as entered
    assert numbers("sort=number") == ["1", "2", "9", "10"]
    assert numbers(f"sort=number&group={groups['第一组']}") == ["1", "2", "10"]
    # the next page goes on in the same order
    page = client.get("/admin/households?sort=number&limit=2").get_data(as_text=True)
    cursor = re.search(r"cursor=([^&\"]+)", page).group(1)
    assert numbers(f"sort=number&limit=2&cursor={cursor}") == ["9", "10"]
    assert client.get("/admin/households?group=999999").status_code == 404


def test_the_ledger_check_shows_household_numbers_and_prints(
    client, session, village, make_user, login, make_household
):
    home = make_household(village, "A-07")
    ledger.post(session, household_id=home.id, amount=5, kind=EntryKind.AWARD)
    session.commit()
    login(make_user(village, roles=(Role.SUPERVISOR,)))
    page = client.get("/ledger/verify").get_data(as_text=True)
    assert "<td>A-07</td>" in page and f"<td>{home.id}</td>" not in page
    assert "data-print" in page and "/static/js/print.js" in page


def test_print_buttons_and_no_english_api_docs_for_staff(client, village, make_user, login):
    login(make_user(village, roles=(Role.ADMIN,)))
    home = client.get("/staff").get_data(as_text=True)
    assert "/api/v1/docs" not in home and "/admin/audit" in home
    nav = client.get("/me").get_data(as_text=True)
    assert ">活动与签到</a>" in nav  # the host's top bar (an admin hosts too)
    for path in ("/shop/daily", "/host/cards", "/board"):
        page = client.get(path).get_data(as_text=True)
        assert "data-print" in page and "/static/js/print.js" in page, path


def test_each_entry_has_a_correct_link_for_the_committee(
    client, session, village, make_user, login, make_household
):
    home = make_household(village, "001")
    entry = ledger.post(session, household_id=home.id, amount=5, kind=EntryKind.AWARD)
    session.commit()
    login(make_user(village, roles=(Role.ADMIN,)))
    page = client.get(f"/admin/households/{home.id}").get_data(as_text=True)
    assert f'href="/ledger/correct?entry={entry.id}"' in page and ">更正</a>" in page
    form = client.get(f"/ledger/correct?entry={entry.id}").get_data(as_text=True)
    assert f'value="{entry.id}"' in form
    client.post("/logout")
    login(make_user(village, roles=(Role.HOST,)))
    page = client.get(f"/admin/households/{home.id}").get_data(as_text=True)
    assert ">更正</a>" not in page
