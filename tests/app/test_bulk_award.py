"""Bulk award page: pick by 村民小组, by attendance at an event or by search; each award
through the award service (review applies); the same submission recorded once; the picker
tells apart two people of the same name."""

from datetime import date

from sqlalchemy import select

from points import events, residents, rules
from points.event_models import CheckinMethod
from points.models import Award, AwardStatus, Role
from tests.eventutil import make_event, make_rule


def _rule(session, village, code, points, review=False):
    return rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=rules.clean_terms(
            {"title": "清理河道", "category": "环境卫生", "points": points, "needs_review": review}
        ),
        effective_from=date(2026, 1, 1),
        by_id=None,
    )


def _people(session, village):
    made = {}
    for number, group, name, year in (
        ("1001", "第一组", "张伟", 1980),
        ("1001", "第一组", "李娟", 1982),
        ("2001", "第二组", "张伟", 1995),
        ("2002", "第二组", "王强", 1970),
    ):
        r = residents.create_resident(
            session, village_id=village.id, household_number=number, name=name, group=group
        )
        r.birth_year = year
        made[(name, year)] = r
    session.commit()
    return made


def _awards(session, village):
    return list(session.scalars(select(Award).where(Award.village_id == village.id)))


def test_a_group_gets_the_rule_once_per_submission(
    client, session, village, make_user, login, fixed_clock
):
    people = _people(session, village)
    rule = _rule(session, village, "HD1", 5)
    session.commit()
    login(make_user(village, roles=[Role.ADMIN]))
    group_id = people[("张伟", 1980)].household.group_id
    page = client.get(f"/admin/awards/bulk?by=group&group_id={group_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "李娟" in text and "王强" not in text
    form = {
        "rule_id": rule.id,
        "quantity": "1",
        "note": "清理河道",
        "submission": "abc123",
        "resident_ids": [people[("张伟", 1980)].id, people[("李娟", 1982)].id],
    }
    assert client.post("/admin/awards/bulk", data=form).status_code == 302
    assert client.post("/admin/awards/bulk", data=form).status_code == 302  # sent again
    made = _awards(session, village)
    assert len(made) == 2 and {a.status for a in made} == {AwardStatus.CONFIRMED}
    assert {a.amount for a in made} == {5}
    h = residents.find_household_by_number(session, village.id, "1001")
    session.refresh(h)
    assert h.balance == 10  # two people of one household, each once


def test_review_rules_apply_and_a_bad_list_changes_nothing(
    client, session, village, other_village, make_user, login, fixed_clock
):
    people = _people(session, village)
    reviewed = _rule(session, village, "HD2", 80, review=True)
    session.commit()
    login(make_user(village, roles=[Role.HOST]))
    ids = [p.id for p in people.values()]
    r = client.post(
        "/admin/awards/bulk",
        data={"rule_id": reviewed.id, "quantity": "1", "submission": "s1", "resident_ids": ids},
    )
    assert r.status_code == 302
    assert {a.status for a in _awards(session, village)} == {AwardStatus.PENDING}
    stranger = residents.create_resident(
        session, village_id=other_village.id, household_number="9", name="外村人"
    )
    session.commit()
    bad = client.post(
        "/admin/awards/bulk",
        data={
            "rule_id": reviewed.id,
            "quantity": "1",
            "submission": "s2",
            "resident_ids": [ids[0], stranger.id],
        },
    )
    assert bad.status_code == 404
    none = client.post("/admin/awards/bulk", data={"rule_id": reviewed.id, "submission": "s3"})
    assert none.status_code == 400
    assert len(_awards(session, village)) == 4


def test_attendance_at_an_event_and_the_search_tell_namesakes_apart(
    client, session, village, make_user, login, fixed_clock
):
    people = _people(session, village)
    rule = make_rule(session, village, code="YS9")
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    events.check_in(
        session,
        event=event,
        resident=people[("王强", 1970)],
        method=CheckinMethod.MANUAL,
        by_id=None,
    )
    session.commit()
    login(make_user(village, roles=[Role.ADMIN]))
    came = client.get(f"/admin/awards/bulk?by=event&event_id={event.id}").get_data(as_text=True)
    assert "王强" in came and "李娟" not in came
    found = client.get("/admin/awards/bulk?by=search&q=zw").get_data(as_text=True)
    assert found.count("张伟") == 2
    assert "户号 1001 · 第一组 · 1980 年生" in found
    assert "户号 2001 · 第二组 · 1995 年生" in found
    by_number = client.get("/admin/awards/bulk?by=search&q=2002").get_data(as_text=True)
    assert "王强" in by_number and "张伟" not in by_number
