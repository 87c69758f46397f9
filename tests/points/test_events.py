"""Events and attendance, read like bookkeeping."""

from datetime import UTC, datetime, timedelta

import pytest

from points import events, ledger
from points.errors import NotFound, ValidationFailed
from points.event_models import EventStatus
from points.models import RuleUnit
from tests.eventutil import make_event, make_rule

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("checkin", "checkout", "half_hours"),
    [
        (0, 29, 0),  # under half an hour earns nothing
        (0, 30, 1),
        (0, 89, 2),  # 1 h 29 min: one hour
        (-60, 60, 2),  # came an hour early: counted from the start
        (30, 500, 5),  # left late: counted to the end (3 h event)
        (200, 240, 0),  # after the end
    ],
)
def test_volunteer_half_hours_bounded_by_event(session, village, checkin, checkout, half_hours):
    rule = make_rule(session, village, code="ZY", points=4, unit=RuleUnit.PER_HOUR)
    event = make_event(session, village, rule, kind="volunteer", start=T0, hours=3)
    assert events.volunteer_half_hours(event, at(checkin), at(checkout)) == half_hours


def test_states_scheduled_open_closed(session, village, make_resident, fixed_clock):
    rule = make_rule(session, village)
    event = make_event(session, village, rule)
    assert event.status == EventStatus.SCHEDULED
    with pytest.raises(events.InvalidTransition):
        events.close_event(session, event, by_id=None)
    events.open_event(session, event, by_id=None)
    assert event.opened_at == fixed_clock.now
    events.close_event(session, event, by_id=None)
    assert event.status == EventStatus.CLOSED
    with pytest.raises(events.InvalidTransition):
        events.open_event(session, event, by_id=None)
    with pytest.raises(events.EventNotOpen):
        events.check_in(
            session, event=event, resident=make_resident(village), method="manual", by_id=None
        )


def test_scan_time_from_the_future_is_refused(session, village, make_resident, fixed_clock):
    rule = make_rule(session, village)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    with pytest.raises(ValidationFailed) as exc:
        events.check_in(
            session,
            event=event,
            resident=make_resident(village),
            method="offline",
            scanned_at=fixed_clock.now + timedelta(hours=1),
            by_id=None,
        )
    assert exc.value.fields == {"scanned_at": "in the future"}


def test_meeting_award_posts_rule_version_and_source(session, village, make_resident, fixed_clock):
    rule = make_rule(session, village, points=3)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village)
    result = events.check_in(session, event=event, resident=resident, method="card", by_id=None)
    entry = ledger.entries(session, resident.household_id)[0]
    assert (entry.amount, entry.kind.value) == (3, "award")
    assert (entry.source_type, entry.source_id) == ("attendance", result.attendance.id)
    assert entry.rule_version_id == rule.latest.id and entry.note == event.title
    assert result.attendance.entry_id == entry.id


def test_other_village_resident_cannot_check_in(session, village, other_village, make_resident):
    rule = make_rule(session, village)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    with pytest.raises(NotFound):
        events.check_in(
            session,
            event=event,
            resident=make_resident(other_village),
            method="manual",
            by_id=None,
        )


def test_invites_and_rules_are_checked(session, village, other_village, make_household):
    rule = make_rule(session, village)
    foreign = make_rule(session, other_village, code="F1")
    theirs = make_household(other_village, "X1")
    with pytest.raises(ValidationFailed) as exc:
        make_event(session, village, foreign)
    assert exc.value.fields == {"rule_id": "unknown rule"}
    with pytest.raises(ValidationFailed) as exc:
        make_event(session, village, rule, invite_scope="households", invited_ids=[theirs.id])
    assert exc.value.fields == {"invited_ids": "choose households of the village"}
    with pytest.raises(ValidationFailed) as exc:
        make_event(session, village, rule, invite_scope="households", invited_numbers=["nope"])
    assert exc.value.fields == {"invited_ids": "unknown household number"}


def test_one_device_checking_in_many_residents_is_flagged(
    session, village, make_resident, fixed_clock
):
    rule = make_rule(session, village)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    people = [make_resident(village, name=n) for n in ("甲", "乙", "丙", "丁")]

    def by_phone(resident, phone):
        events.check_in(
            session, event=event, resident=resident, method="event_qr", client_id=phone, by_id=None
        )

    by_phone(people[0], "phone-a")
    fixed_clock.advance(minutes=10)  # long apart: a family sharing a phone is not flagged
    by_phone(people[1], "phone-a")
    assert events.attendance_report(session, event).flags == []
    fixed_clock.advance(seconds=20)
    by_phone(people[2], "phone-a")
    by_phone(people[3], "phone-b")
    assert events.attendance_report(session, event).flags == []
    fixed_clock.advance(seconds=15)
    by_phone(people[3], "phone-a")  # already in: a repeat is not a new check-in
    assert events.attendance_report(session, event).flags == []
    other = make_resident(village, name="戊")
    by_phone(other, "phone-a")
    [flag] = events.attendance_report(session, event).flags
    assert flag["client_id"] == "phone-a" and flag["seconds"] == 35
    assert flag["resident_ids"] == sorted([people[1].id, people[2].id, other.id])


def test_check_in_earns_the_rule_version_in_force_on_the_event_day(
    session, village, make_resident, fixed_clock
):
    """A revision adopted for next month does not change what today's meeting earns."""
    from datetime import date

    from points import rules

    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    rules.revise_rule(
        session,
        rule,
        terms=rules.clean_terms({"title": "参加议事协商会", "category": "议事协商", "points": 8}),
        effective_from=date(2026, 12, 1),
        by_id=None,
    )
    events.open_event(session, event, by_id=None)
    resident = make_resident(village)
    result = events.check_in(session, event=event, resident=resident, method="manual", by_id=None)
    assert result.attendance.points_awarded == 5
    assert resident.household.balance == 5
    entries = ledger.entries(session, resident.household_id)
    assert entries[0].rule_version.version == 1 and entries[0].amount == 5


def test_queued_volunteer_scan_after_the_close_is_settled(
    session, village, make_resident, fixed_clock
):
    """The host closes the event when back online; scans queued on the phone arrive after."""
    rule = make_rule(session, village, code="ZY", points=4, unit=RuleUnit.PER_HOUR)
    start = fixed_clock.now
    event = make_event(session, village, rule, kind="volunteer", start=start, hours=2)
    events.open_event(session, event, by_id=None)
    fixed_clock.advance(hours=3)
    events.close_event(session, event, by_id=None)
    volunteer = make_resident(village)
    result = events.check_in(
        session,
        event=event,
        resident=volunteer,
        method="offline",
        scanned_at=start + timedelta(minutes=30),
        by_id=None,
    )
    att = result.attendance
    # Settled like the others at the close: from 0:30 to the end at 2:00, three half hours.
    assert att.checked_out_at == start + timedelta(hours=2) and att.half_hours == 3
    assert att.points_awarded == 6 and volunteer.household.balance == 6
    assert (result.points_awarded, result.balance) == (6, 6)  # what the scan answers
    assert ledger.verify(session).ok


def test_undo_after_a_hand_correction_does_not_fail(session, village, make_resident, fixed_clock):
    rule = make_rule(session, village, points=5)
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village)
    att = events.check_in(
        session, event=event, resident=resident, method="manual", by_id=None
    ).attendance
    ledger.correct(session, entry_id=att.entry_id, reason="记错了人", created_by_id=None)
    events.undo_checkin(session, attendance=att, reason="扫错了卡", by_id=None)
    assert att.undone_at is not None and att.points_awarded == 0
    assert resident.household.balance == 0 and ledger.verify(session).ok


def test_check_out_time_from_the_future_is_refused(session, village, make_resident, fixed_clock):
    rule = make_rule(session, village, code="ZY", points=4, unit=RuleUnit.PER_HOUR)
    event = make_event(session, village, rule, kind="volunteer", start=fixed_clock.now, hours=3)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village)
    events.check_in(session, event=event, resident=resident, method="manual", by_id=None)
    with pytest.raises(ValidationFailed) as exc:
        events.check_out(
            session,
            event=event,
            resident=resident,
            at=fixed_clock.now + timedelta(hours=3),
            by_id=None,
        )
    assert set(exc.value.fields) == {"scanned_at"}
    assert resident.household.balance == 0
