"""The figures behind the trend charts, by worked example (clock pinned to 2 Nov 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from points import charts, events, ledger
from points.models import EntryKind, RuleUnit
from points.tallies import local_month
from store import catalogue
from tests.eventutil import make_event, make_rule

OCT = datetime(2026, 10, 15, 4, 0, tzinfo=UTC)
SEP = datetime(2026, 9, 10, 4, 0, tzinfo=UTC)


def _post(session, household, amount, kind, at, version=None, resident=None):
    return ledger.post(
        session,
        household_id=household.id,
        resident_id=resident.id if resident else None,
        amount=amount,
        kind=kind,
        rule_version=version,
        honour_delta=amount if kind == EntryKind.AWARD else 0,
        at=at,
    )


def test_last_months_end_with_the_month_of_at_in_the_village_zone():
    # 31 Dec 2026 20:00 UTC is already 1 Jan 2027 in Shanghai.
    at = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert local_month("Asia/Shanghai", at) == date(2027, 1, 1)
    assert charts.last_months("Asia/Shanghai", at, 3) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_monthly_flows_by_category_and_by_group(
    session, fixed_clock, village, make_household, make_resident
):
    one = make_household(village, "001", group="第一组")
    two = make_household(village, "002", group="第二组")
    make_resident(village, one, name="李明")
    make_resident(village, two, name="王芳")
    meeting = make_rule(session, village, "YS01", points=5)
    volunteer = make_rule(session, village, "ZY01", points=3, unit=RuleUnit.PER_HOUR)
    v_meeting, v_volunteer = meeting.versions[-1], volunteer.versions[-1]
    # September: 001 earns 5 (议事协商). October: 001 earns 5 (议事协商) and 3 (志愿服务),
    # spends 4; 002 earns 3 (志愿服务). November: 001's 2 expire, 002 spends 1.
    _post(session, one, 5, EntryKind.AWARD, SEP, v_meeting)
    _post(session, one, 5, EntryKind.AWARD, OCT, v_meeting)
    _post(session, one, 3, EntryKind.AWARD, OCT, v_volunteer)
    _post(session, one, -4, EntryKind.REDEMPTION, OCT)
    _post(session, two, 3, EntryKind.AWARD, OCT, v_volunteer)
    _post(session, one, -2, EntryKind.EXPIRY, fixed_clock.now)
    _post(session, two, -1, EntryKind.REDEMPTION, fixed_clock.now)
    session.commit()

    both = charts.flows_by_category_and_group(session, village, months=3)  # one read
    flows = both["category"]
    assert [m.month for m in flows.months] == [
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
    ]
    assert flows.keys == ["志愿服务", "议事协商"]
    sep, oct_, nov = flows.months
    assert sep.issued == {"议事协商": 5} and sep.redeemed == {} and sep.expired == {}
    assert oct_.issued == {"议事协商": 5, "志愿服务": 6}
    assert oct_.redeemed == {"": 4}
    assert nov.issued == {} and nov.redeemed == {"": 1} and nov.expired == {"": 2}

    groups = both["group"]
    assert groups.keys == ["第一组", "第二组"]
    sep, oct_, nov = groups.months
    assert sep.issued == {"第一组": 5}
    assert oct_.issued == {"第一组": 8, "第二组": 3} and oct_.redeemed == {"第一组": 4}
    assert nov.expired == {"第一组": 2} and nov.redeemed == {"第二组": 1}


def test_idle_households_per_month(session, fixed_clock, village, make_household, make_resident):
    fixed_clock.now = SEP
    one = make_household(village, "001")
    make_household(village, "002")
    make_resident(village, one, name="李明")
    fixed_clock.now = OCT
    make_household(village, "003")
    fixed_clock.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    version = make_rule(session, village).versions[-1]
    _post(session, one, 5, EntryKind.AWARD, OCT, version)
    _post(session, one, -5, EntryKind.DEDUCTION, OCT)  # a deduction is not earning nothing
    session.commit()
    months = charts.idle_households(session, village, months=3)
    assert [(m.month, m.households, m.idle) for m in months] == [
        (date(2026, 9, 1), 2, 2),
        (date(2026, 10, 1), 3, 2),
        (date(2026, 11, 1), 3, 3),
    ]


def test_attendance_trend_is_the_rate_of_each_meeting(
    session, fixed_clock, village, make_household, make_resident
):
    households = [make_household(village, f"00{i}") for i in range(1, 5)]
    people = [make_resident(village, h, name=f"村民{i}") for i, h in enumerate(households)]
    rule = make_rule(session, village)
    fixed_clock.now = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    first = make_event(session, village, rule, start=fixed_clock.now, title="十月会")
    events.open_event(session, first, by_id=None)
    for person in people[:3]:
        events.check_in(session, event=first, resident=person, method="manual", by_id=None)
    fixed_clock.now = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    second = make_event(session, village, rule, title="十一月会")
    events.open_event(session, second, by_id=None)
    events.check_in(session, event=second, resident=people[0], method="manual", by_id=None)
    make_event(  # scheduled, not held yet: left out
        session, village, rule, start=datetime(2026, 11, 20, 1, 0, tzinfo=UTC), title="下次"
    )
    session.commit()
    fixed_clock.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    trend = charts.attendance_trend(session, village)
    assert [(m.title, m.checked_in, m.invited, m.rate) for m in trend] == [
        ("十月会", 3, 4, 0.75),
        ("十一月会", 1, 4, 0.25),
    ]


def test_county_trend_adds_the_villages_months(
    session, fixed_clock, village, other_village, make_household, make_resident
):
    fixed_clock.now = SEP
    a = make_household(village, "001")
    b = make_household(other_village, "001")
    li = make_resident(village, a, name="李明")
    wang = make_resident(other_village, b, name="王芳")
    va = make_rule(session, village).versions[-1]
    vb = make_rule(session, other_village).versions[-1]
    fixed_clock.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    _post(session, a, 5, EntryKind.AWARD, OCT, va, li)
    _post(session, b, 7, EntryKind.AWARD, OCT, vb, wang)
    _post(session, b, -3, EntryKind.REDEMPTION, fixed_clock.now)
    session.commit()
    months = charts.county_trend(
        session, [village, other_village], month=date(2026, 11, 1), months=2
    )
    assert [(m.month, m.awarded, m.redeemed, m.residents) for m in months] == [
        (date(2026, 10, 1), 12, 0, 2),
        (date(2026, 11, 1), 0, 3, 2),
    ]
    assert months[0].participants == 2 and months[0].participation == 1.0


def test_stock_alerts_are_the_items_at_or_below_their_level(session, village):
    catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "洗衣粉", "price": 10, "low_stock_threshold": 5},
        stock=3,
        by_id=None,
    )
    catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "大米", "price": 30, "low_stock_threshold": 5},
        stock=20,
        by_id=None,
    )
    session.commit()
    assert [(i.name, i.stock) for i in catalogue.low_stock(session, village.id)] == [("洗衣粉", 3)]
