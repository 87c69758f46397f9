"""The monthly household statement, by worked example (clock pinned to 2 Nov 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from points import awards, expiry, ledger, statements
from points.models import EntryKind, Role
from tests.eventutil import make_rule

OCT = datetime(2026, 10, 20, 4, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)


def test_a_month_reconciles_and_warns_of_the_coming_clearing(
    session, fixed_clock, village, make_household, make_resident, make_user
):
    expiry.set_expiry(session, village, mode="annual", month=12, day=1, by_id=None)
    home = make_household(village, "001", group="第一组")
    li = make_resident(village, home, name="李明")
    make_resident(village, home, name="李华")
    rule = make_rule(session, village, points=5)
    reviewed = make_rule(session, village, "HS01", points=8)
    reviewed.versions[-1].needs_review = True
    version = rule.versions[-1]

    def post(amount, kind, at):
        return ledger.post(
            session,
            household_id=home.id,
            resident_id=li.id,
            amount=amount,
            kind=kind,
            rule_version=version if kind == EntryKind.AWARD else None,
            at=at,
        )

    # October: earned 10. November: earned 5, deducted 2, spent 4, one order of 1 voided,
    # a correction of -1: 10 + 5 - 2 - 4 - 1 + 1 - 1 = 8.
    post(10, EntryKind.AWARD, OCT)
    post(5, EntryKind.AWARD, NOV)
    post(-2, EntryKind.DEDUCTION, NOV)
    post(-4, EntryKind.REDEMPTION, NOV)
    post(-1, EntryKind.REDEMPTION, NOV)
    post(1, EntryKind.REFUND, NOV)
    post(-1, EntryKind.CORRECTION, NOV)
    admin = make_user(village, roles=(Role.ADMIN,))
    awards.create_award(session, village=village, rule=reviewed, resident=li, by=admin)
    session.commit()

    (s,) = statements.statements(
        session, village, [home], date(2026, 11, 1), today=date(2026, 11, 2)
    )
    assert s.members == ["李明", "李华"]
    assert (s.opening, s.earned, s.deducted, s.spent, s.expired, s.corrected, s.closing) == (
        10,
        5,
        2,
        4,
        0,
        -1,
        8,
    )
    assert s.opening + s.earned - s.deducted - s.spent - s.expired + s.corrected == s.closing
    assert s.pending == 8
    assert s.expiring == (8, date(2026, 12, 1))  # 29 days ahead: the whole balance goes

    (october,) = statements.statements(
        session, village, [home], date(2026, 10, 1), today=date(2026, 10, 2)
    )
    assert (october.opening, october.earned, october.closing) == (0, 10, 10)
    assert october.expiring is None  # 60 days before the clearing: no notice yet


def test_expiry_notice_only_within_a_month(village, session):
    expiry.set_expiry(session, village, mode="annual", month=1, day=1, by_id=None)
    assert expiry.expiring_soon(village, 30, today=date(2026, 12, 1)) == (30, date(2027, 1, 1))
    assert expiry.expiring_soon(village, 30, today=date(2026, 11, 30)) is None
    assert expiry.expiring_soon(village, 0, today=date(2026, 12, 1)) is None
    expiry.set_expiry(session, village, mode="none", month=1, day=1, by_id=None)
    assert expiry.expiring_soon(village, 30, today=date(2026, 12, 1)) is None


def test_households_of_a_group_by_number(session, village, make_household):
    a = make_household(village, "10", group="第一组")
    b = make_household(village, "9", group="第一组")
    make_household(village, "1", group="第二组")
    assert statements.group_households(session, village.id, a.group_id) == [b, a]
