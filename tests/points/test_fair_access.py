"""机会公平: who earned nothing in the last N months, by 村民小组, with what is open to them."""

from datetime import UTC, date, datetime

from points import events, fair_access, ledger, residents, rules
from points.models import EntryKind, Role


def test_idle_residents_by_group_with_open_events(
    app, client, session, village, make_household, make_resident, make_user,
    fixed_clock,
):  # fmt: skip
    east = make_household(village, "1001", group="东组")
    west = make_household(village, "2001", group="西组")
    west2 = make_household(village, "2002", group="西组")
    wang = make_resident(village, east, "王建国")  # earned in October: not idle
    make_resident(village, east, "王小红")  # same household, earned nothing: idle
    li = make_resident(village, west, "李秀英")  # earned only in July: idle (window from 1 Sept)
    make_resident(village, west2, "赵伟")  # never earned: idle
    gone = make_resident(village, west2, "赵老汉")
    residents.set_status(session, gone, status="moved_out", by_id=None)
    ledger.post(
        session, household_id=east.id, resident_id=wang.id, amount=10, kind=EntryKind.AWARD,
        at=datetime(2026, 10, 3, tzinfo=UTC),
    )  # fmt: skip
    ledger.post(
        session, household_id=west.id, resident_id=li.id, amount=10, kind=EntryKind.AWARD,
        at=datetime(2026, 7, 3, tzinfo=UTC),
    )  # fmt: skip
    # A household's award that names no resident makes no one of it less idle (and must not
    # make the dashboard's count, a NOT IN over these entries, find no one at all).
    ledger.post(
        session, household_id=east.id, amount=4, kind=EntryKind.AWARD,
        at=datetime(2026, 10, 5, tzinfo=UTC),
    )  # fmt: skip
    rule = rules.create_rule(
        session, village_id=village.id, code="ZY01",
        terms=rules.clean_terms({"title": "清扫河道", "category": "志愿服务", "points": 5,
                                 "claimable": True}),
        effective_from=date(2026, 1, 1), by_id=None,
    )  # fmt: skip
    events.create_event(
        session, village_id=village.id, title="河道清扫", kind="volunteer",
        starts_at=datetime(2026, 11, 8, 1, tzinfo=UTC), ends_at=datetime(2026, 11, 8, 4, tzinfo=UTC),
        rule_id=rule.id, invite_scope="groups", invited_ids=[west.group_id], by_id=None,
    )  # fmt: skip
    session.commit()

    report = fair_access.idle_report(session, village, months=3)
    assert report.since == datetime(2026, 8, 31, 16, tzinfo=UTC)  # 1 September in Shanghai
    assert (report.idle_residents, report.idle_households) == (3, 2)
    by_group = {g.group: g for g in report.groups}
    assert (by_group["东组"].idle, by_group["东组"].residents, by_group["东组"].idle_households) == (
        1, 2, 0,
    )  # fmt: skip
    assert by_group["西组"].names == ["李秀英", "赵伟"] and by_group["西组"].idle_households == 2
    assert by_group["西组"].by_age == {"unknown": 2}  # no birth years on the roster yet
    assert [e["title"] for e in by_group["西组"].open_events] == ["河道清扫"]
    assert by_group["东组"].open_events == []
    assert report.claimable_rules == ["清扫河道"]
    assert fair_access.idle_count(session, village, months=3) == 3
    assert fair_access.idle_count(session, village, months=6) == 2  # July counts from June on
    assert (
        fair_access.age_band(1950, 2026) == "60+" and fair_access.age_band(None, 2026) == "unknown"
    )

    from tests.conftest import PASSWORD

    admin = make_user(village, roles=(Role.ADMIN,))
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    page = client.get("/fair-access?months=3").get_data(as_text=True)
    assert "赵伟" in page and "河道清扫" in page and "王建国" not in page
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    assert "3 个月未得分的村民" in dashboard
