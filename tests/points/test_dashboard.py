"""The village's figures for the month, counted like the books."""

from datetime import timedelta

from points import dashboard, events, ledger
from points.models import EntryKind
from tests.eventutil import make_event, make_rule


def test_figures_of_the_month(
    session, village, other_village, make_household, make_resident, fixed_clock
):
    h1, h2 = make_household(village, "1"), make_household(village, "2")
    a, b = make_resident(village, h1, name="甲"), make_resident(village, h2, name="乙")
    make_resident(other_village, name="外村人")
    # Last month: not counted in this month's flows, but still held.
    ledger.post(
        session,
        household_id=h1.id,
        amount=40,
        kind=EntryKind.AWARD,
        resident_id=a.id,
        at=fixed_clock.now - timedelta(days=40),
    )
    ledger.post(session, household_id=h1.id, amount=10, kind=EntryKind.AWARD, resident_id=a.id)
    ledger.post(session, household_id=h2.id, amount=7, kind=EntryKind.AWARD, resident_id=b.id)
    spent = ledger.post(session, household_id=h1.id, amount=-30, kind=EntryKind.REDEMPTION)
    ledger.post(session, household_id=h1.id, amount=-5, kind=EntryKind.REDEMPTION)
    ledger.post(session, household_id=h1.id, amount=30, kind=EntryKind.REFUND, reverses=spent)
    rule = make_rule(session, village, points=2)
    event = make_event(session, village, rule, start=fixed_clock.now)
    events.open_event(session, event, by_id=None)
    events.check_in(session, event=event, resident=b, method="manual", by_id=None)
    f = dashboard.village_figures(session, village)
    assert (f.households, f.residents) == (2, 2)
    assert f.awarded == 10 + 7 + 2 and f.redeemed == 5
    assert f.balance_total == h1.balance + h2.balance == 45 + 9
    assert (f.events, f.attendances, f.earning_households) == (1, 1, 2)
    assert (f.pending_awards, f.open_objections) == (0, 0)
    other = dashboard.village_figures(session, other_village)
    assert (other.households, other.awarded, other.events) == (1, 0, 0)


def test_dashboard_page(client, village, make_user, login):
    login(make_user(village, roles=["supervisor"]))
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "本月村务" in page and "兑换积分" in page and "活动签到人次" in page
