"""Counties, their officers and the county table (县/镇 汇总表)."""

from datetime import date, timedelta

import pytest

from points import awards, county, events, ledger, residents, rules, users
from points.clock import now
from points.errors import DuplicateUsername, ValidationFailed
from points.models import EntryKind, User
from tests.eventutil import make_event, make_rule


@pytest.fixture
def xian(session, village, other_village, make_village):
    c = county.create_county(session, code="xian", name="某县")
    county.attach_village(session, c, village)
    county.attach_village(session, c, other_village)
    make_village("elsewhere", name="外县村")  # in no county
    return c


def test_county_table_of_the_month(
    session, xian, village, other_village, make_household, make_resident, make_user, fixed_clock
):
    h1, h2 = make_household(village, "1"), make_household(village, "2")
    a, b = make_resident(village, h1, name="甲"), make_resident(village, h2, name="乙")
    make_resident(village, h2, name="乙妻")
    o = make_resident(other_village, make_household(other_village, "1"), name="丙")
    ledger.post(
        session,
        household_id=h1.id,
        amount=40,
        kind=EntryKind.AWARD,
        resident_id=a.id,
        at=fixed_clock.now - timedelta(days=20),
    )
    ledger.post(session, household_id=h1.id, amount=10, kind=EntryKind.AWARD, resident_id=a.id)
    ledger.post(session, household_id=h1.id, amount=-15, kind=EntryKind.REDEMPTION)
    ledger.post(session, household_id=o.household_id, amount=3, kind=EntryKind.AWARD)
    rule = make_rule(session, village, points=2)
    event = make_event(session, village, rule, start=fixed_clock.now)
    events.open_event(session, event, by_id=None)
    events.check_in(session, event=event, resident=b, method="manual", by_id=None)
    # an award waiting for review, with its objection: open work of the village
    host, supervisor = make_user(village, roles=["host"]), make_user(village, roles=["supervisor"])
    resident_user = make_user(village, roles=["resident"], resident=a)
    terms = rules.clean_terms(
        {"title": "孝老爱亲", "category": "孝老爱亲", "points": 10, "needs_review": True}
    )
    good = rules.create_rule(
        session,
        village_id=village.id,
        code="XL",
        terms=terms,
        effective_from=now().date(),
        by_id=None,
    )
    posted = awards.create_award(session, village=village, rule=good, resident=b, by=host)
    awards.approve(session, posted, by=supervisor)
    awards.object_to(session, posted, by=resident_user, reason="没看到")

    t = county.county_table(session, xian)
    assert t.month == date(2026, 11, 1) and t.current
    assert [r.village.code for r in t.rows] == ["home", "other"]  # not the other county's
    home, other = (r.figures for r in t.rows)
    assert (home.households, home.residents, home.held) == (2, 3, 40 + 10 - 15 + 2)
    assert (home.awarded, home.redeemed, home.events, home.checkins) == (12, 15, 1, 1)
    assert home.participants == 2 and home.participation == pytest.approx(2 / 3)
    assert (home.pending_awards, home.pending_points, home.open_objections) == (1, 10, 1)
    assert (other.households, other.residents, other.held, other.participants) == (1, 1, 3, 0)
    assert (t.totals.households, t.totals.held, t.totals.awarded) == (3, 40, 15)
    assert t.totals.participation == pytest.approx(2 / 4)

    # October: the 40 awarded then; stocks as at the month's end; no open work shown
    t = county.county_table(session, xian, month=date(2026, 10, 1))
    home = t.rows[0].figures
    assert not t.current and (home.awarded, home.held, home.checkins) == (40, 40, 0)
    assert home.pending_awards is None and t.totals.open_objections is None

    # sorted by a column, either way; ties by village code
    t = county.county_table(session, xian, sort="held", descending=True)
    assert [r.village.code for r in t.rows] == ["home", "other"]
    t = county.county_table(session, xian, sort="held")
    assert [r.village.code for r in t.rows] == ["other", "home"]
    t = county.county_table(session, xian, sort="no such column")
    assert t.sort == "village"


def test_the_dashboard_reads_the_same_figures(
    session, xian, village, make_household, make_resident
):
    from points.dashboard import village_figures

    h = make_household(village, "1")
    r = make_resident(village, h, name="甲")
    ledger.post(session, household_id=h.id, amount=9, kind=EntryKind.AWARD, resident_id=r.id)
    row = county.county_table(session, xian).rows[0].figures
    f = village_figures(session, village)
    assert (f.awarded, f.balance_total, f.households, f.residents) == (
        row.awarded,
        row.held,
        row.households,
        row.residents,
    )


def test_months_parse_and_move(session, xian, fixed_clock):
    assert county.parse_month(xian, None) == date(2026, 11, 1)
    assert county.parse_month(xian, "2025-02") == date(2025, 2, 1)
    for bad in ("2026-13", "2026-12", "1999-12", "11/2026", "x"):
        with pytest.raises(ValidationFailed):
            county.parse_month(xian, bad)
    assert county.shift_month(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert county.shift_month(date(2026, 12, 1), 1) == date(2027, 1, 1)


def test_an_officer_has_a_county_and_nothing_else(session, xian):
    officer = county.create_officer(
        session, county=xian, username="xian-officer", password="secret-pass-1"
    )
    assert officer.is_county_officer and officer.village_id is None
    assert officer.roles == frozenset() and not officer.is_staff
    assert users.authenticate(session, "xian-officer", "secret-pass-1") == officer
    with pytest.raises(DuplicateUsername):
        county.create_officer(session, county=xian, username="xian-officer", password="another-1x")
    with pytest.raises(ValidationFailed):
        county.create_officer(session, county=xian, username="x", password="short")
    with pytest.raises(county.DuplicateCountyCode):
        county.create_county(session, code="xian", name="重名")
    with pytest.raises(ValidationFailed):
        county.create_county(session, code="!", name="", timezone="Mars/Base")


def test_a_village_user_is_no_county_officer(session, village, make_user):
    user = make_user(village, roles=["admin"])
    assert not user.is_county_officer
    assert not User(username="nobody", password_hash="x").is_county_officer


def test_resident_status_moves_the_count(session, xian, village, make_household, make_resident):
    r = make_resident(village, make_household(village, "1"), name="甲")
    assert county.county_table(session, xian).rows[0].figures.residents == 1
    residents.set_status(session, r, status="deceased", by_id=None)
    residents.set_status(session, r, status="moved_out", by_id=None)  # not active either way
    assert county.county_table(session, xian).rows[0].figures.residents == 0
    residents.set_status(session, r, status="active", by_id=None)
    assert county.county_table(session, xian).rows[0].figures.residents == 1
