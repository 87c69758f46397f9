"""Undo a check-in, scan the resident again: checked in anew, once, read like bookkeeping."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from points import events, ledger
from points.event_models import Attendance
from points.models import RuleUnit
from tests.eventutil import make_event, make_rule


def _entries(session, household_id):
    """The household's entries, oldest first: (kind, amount, source attendance, reverses)."""
    rows = reversed(ledger.entries(session, household_id))
    return [(e.kind.value, e.amount, e.source_id, e.reverses_id is not None) for e in rows]


def test_scanned_again_after_an_undo_is_a_new_check_in(
    session, village, make_resident, open_meeting
):
    resident = make_resident(village)
    first = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    again = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    assert again.created and again.attendance.id != first.attendance.id
    assert again.attendance.points_awarded == 5 and again.attendance.undone_at is None
    # awarded 5, reversed, awarded 5 again: balance 5, chain verifies
    assert _entries(session, resident.household_id) == [
        ("award", 5, first.attendance.id, False),
        ("correction", -5, first.attendance.id, True),
        ("award", 5, again.attendance.id, False),
    ]
    assert resident.household.balance == 5 and ledger.verify(session).ok
    # a third scan finds the new check-in: nothing more
    third = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    assert not third.created and third.attendance.id == again.attendance.id
    assert resident.household.balance == 5
    # the undone row stays, with its reason, beside the new one
    rows = events.attendance_report(session, open_meeting)
    assert [(a.id, a.undo_reason, a.points_awarded) for a in rows.rows] == [
        (first.attendance.id, "扫错了卡", 0),
        (again.attendance.id, "", 5),
    ]
    assert rows.checked_in == 1


def test_the_new_check_in_can_be_undone_too(session, village, make_resident, open_meeting):
    resident = make_resident(village)
    first = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    again = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    events.undo_checkin(session, attendance=again.attendance, reason="又扫错了", by_id=None)
    assert [e[:2] for e in _entries(session, resident.household_id)] == [
        ("award", 5),
        ("correction", -5),
        ("award", 5),
        ("correction", -5),
    ]
    assert resident.household.balance == 0 and ledger.verify(session).ok
    with pytest.raises(events.AlreadyUndone):
        events.undo_checkin(session, attendance=first.attendance, reason="x", by_id=None)


def test_the_monthly_cap_still_holds(session, village, make_resident, fixed_clock):
    """Cap 5 a month: the undo gives the 5 back to the cap, the other meeting uses it, and the
    rescan at the first meeting then earns nothing."""
    rule = make_rule(session, village, points=5, cap=5)
    start = fixed_clock.now - timedelta(minutes=10)
    first_meeting = make_event(session, village, rule, start=start)
    second_meeting = make_event(session, village, rule, start=start, title="第二场")
    for e in (first_meeting, second_meeting):
        events.open_event(session, e, by_id=None)
    resident = make_resident(village)
    first = events.check_in(
        session, event=first_meeting, resident=resident, method="card", by_id=None
    )
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    again = events.check_in(
        session, event=first_meeting, resident=resident, method="card", by_id=None
    )
    assert again.attendance.points_awarded == 5  # the reversed 5 no longer counts
    other = events.check_in(
        session, event=second_meeting, resident=resident, method="card", by_id=None
    )
    assert other.attendance.points_awarded == 0  # 5 of 5 used
    events.undo_checkin(session, attendance=again.attendance, reason="其实没来", by_id=None)
    events.undo_checkin(session, attendance=other.attendance, reason="其实没来", by_id=None)
    events.check_in(session, event=second_meeting, resident=resident, method="card", by_id=None)
    last = events.check_in(
        session, event=first_meeting, resident=resident, method="card", by_id=None
    )
    assert last.attendance.points_awarded == 0
    assert resident.household.balance == 5 and ledger.verify(session).ok


def test_one_per_household_counts_only_active_check_ins(
    session, village, make_household, make_resident, fixed_clock
):
    rule = make_rule(session, village, points=5)
    event = make_event(
        session,
        village,
        rule,
        start=fixed_clock.now - timedelta(minutes=10),
        one_per_household=True,
    )
    events.open_event(session, event, by_id=None)
    household = make_household(village)
    husband = make_resident(village, household, name="张大山")
    wife = make_resident(village, household, name="李秀英")
    first = events.check_in(session, event=event, resident=husband, method="card", by_id=None)
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了人", by_id=None)
    assert (
        events.check_in(
            session, event=event, resident=wife, method="card", by_id=None
        ).attendance.points_awarded
        == 5
    )
    assert (
        events.check_in(
            session, event=event, resident=husband, method="card", by_id=None
        ).attendance.points_awarded
        == 0
    )  # the household's representative is his wife now
    assert household.balance == 5 and ledger.verify(session).ok


def test_volunteer_checked_in_again_after_an_undo_checks_out_from_the_new_time(
    session, village, make_resident, fixed_clock
):
    rule = make_rule(session, village, code="ZY", points=4, unit=RuleUnit.PER_HOUR)
    event = make_event(session, village, rule, kind="volunteer", start=fixed_clock.now, hours=4)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village)
    first = events.check_in(session, event=event, resident=resident, method="card", by_id=None)
    fixed_clock.advance(hours=1)
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    with pytest.raises(events.NotCheckedIn):
        events.check_out(session, event=event, resident=resident, by_id=None)
    events.check_in(session, event=event, resident=resident, method="card", by_id=None)
    fixed_clock.advance(hours=1)
    att = events.check_out(session, event=event, resident=resident, by_id=None)
    assert (att.half_hours, att.points_awarded) == (2, 4)
    assert resident.household.balance == 4 and ledger.verify(session).ok


def test_the_database_allows_one_active_attendance_only(
    session, village, make_resident, open_meeting
):
    from sqlalchemy.exc import IntegrityError

    resident = make_resident(village)
    first = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    twin = Attendance(
        event_id=open_meeting.id,
        resident_id=resident.id,
        household_id=resident.household_id,
        method="card",
        checked_in_at=first.attendance.checked_in_at,
        points_awarded=0,
        undo_reason="",
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    with session.begin_nested():
        session.add(twin)
        session.flush()  # with the first undone, a second row is allowed
    rows = session.scalars(select(Attendance).where(Attendance.event_id == open_meeting.id)).all()
    assert len(rows) == 2


def test_search_shows_an_undone_resident_as_not_checked_in(
    session, village, make_resident, open_meeting
):
    resident = make_resident(village, name="王建国")
    first = events.check_in(
        session, event=open_meeting, resident=resident, method="card", by_id=None
    )
    assert events.search_for_event(session, open_meeting, "王建国")[0]["checked_in"] is True
    events.undo_checkin(session, attendance=first.attendance, reason="扫错了卡", by_id=None)
    assert events.search_for_event(session, open_meeting, "王建国")[0]["checked_in"] is False


@pytest.mark.concurrency
def test_16_parallel_rescans_after_an_undo_award_once(real_db):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from sqlalchemy import func

    from points import residents, villages
    from points.clock import now
    from points.models import Household, LedgerEntry

    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code="conc-rescan", name="重扫村")
        r = residents.create_resident(s, village_id=v.id, household_number="1", name="张建国")
        rule = make_rule(s, v, points=5)
        event = make_event(s, v, rule, start=now() - timedelta(minutes=5))
        events.open_event(s, event, by_id=None)
        first = events.check_in(s, event=event, resident=r, method="card", by_id=None)
        events.undo_checkin(s, attendance=first.attendance, reason="扫错了卡", by_id=None)
        village_id, event_id, resident_id, household_id = v.id, event.id, r.id, r.household_id

    barrier = Barrier(16)

    def scan(_):
        barrier.wait()
        with real_db.session() as s, s.begin():
            ev = events.get_event(s, village_id, event_id)
            resident = residents.get_resident(s, village_id, resident_id)
            result = events.check_in(s, event=ev, resident=resident, method="card", by_id=None)
            return result.created, result.attendance.id

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(scan, range(16)))
    assert sum(created for created, _ in results) == 1
    assert len({att_id for _, att_id in results}) == 1  # every repeat answers the new one
    with real_db.session(write=False) as s:
        count = select(func.count(Attendance.id)).where(Attendance.event_id == event_id)
        assert s.scalar(count) == 2  # the undone one and the new one
        assert s.scalar(count.where(Attendance.undone_at.is_(None))) == 1
        kinds = s.scalars(
            select(LedgerEntry.kind)
            .where(LedgerEntry.household_id == household_id)
            .order_by(LedgerEntry.seq)
        ).all()
        assert [k.value for k in kinds] == ["award", "correction", "award"]
        assert s.get(Household, household_id).balance == 5
        assert ledger.verify(s, village_id=village_id).ok
