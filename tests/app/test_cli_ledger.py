"""The installers' commands: verify-ledger names an edited entry, confirm-due, expire-points."""

from datetime import date

from sqlalchemy import text

from points import awards, ledger, rules
from points.models import AwardStatus, EntryKind, ExpiryMode, Role


def _drop_guard(connection):
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        )
    else:
        connection.execute(text("DROP TRIGGER ledger_entries_no_update"))


def test_verify_ledger_exits_1_naming_the_edited_entry(
    app, session, connection, village, make_household
):
    h = make_household(village, "1001")
    ledger.post(session, household_id=h.id, amount=5, kind=EntryKind.AWARD)
    tampered = ledger.post(session, household_id=h.id, amount=20, kind=EntryKind.AWARD)
    session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["verify-ledger"])
    assert ok.exit_code == 0 and "OK" in ok.output
    _drop_guard(connection)
    connection.execute(
        text("UPDATE ledger_entries SET amount = 200 WHERE id = :id"), {"id": tampered.id}
    )
    bad = runner.invoke(args=["verify-ledger"])
    assert bad.exit_code == 1
    assert f"PROBLEM hash_mismatch: household {h.id} entry {tampered.id}" in bad.output
    connection.execute(
        text("UPDATE ledger_entries SET amount = 20 WHERE id = :id"), {"id": tampered.id}
    )
    again = runner.invoke(args=["verify-ledger"])
    assert again.exit_code == 0, again.output


def test_confirm_due_and_expire_points(
    app, session, village, make_household, make_resident, make_user, fixed_clock
):
    h = make_household(village, "1001")
    wang = make_resident(village, h, "王建国")
    host = make_user(village, roles=(Role.HOST,))
    sup = make_user(village, roles=(Role.SUPERVISOR,))
    terms = rules.clean_terms(
        {"title": "防汛", "category": "志愿服务", "points": 10, "needs_review": True}
    )
    rule = rules.create_rule(
        session,
        village_id=village.id,
        code="ZY02",
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    award = awards.create_award(session, village=village, rule=rule, resident=wang, by=host)
    awards.approve(session, award, by=sup)
    session.commit()
    runner = app.test_cli_runner()
    assert "0 award(s) confirmed" in runner.invoke(args=["confirm-due"]).output
    fixed_clock.advance(days=7)
    result = runner.invoke(args=["confirm-due", "--village", village.code])
    assert result.exit_code == 0 and "1 award(s) confirmed" in result.output
    session.refresh(award)
    session.refresh(h)
    assert award.status == AwardStatus.CONFIRMED and (h.balance, h.pending) == (10, 0)
    assert runner.invoke(args=["confirm-due", "--village", "nope"]).exit_code == 1

    village.expiry_mode = ExpiryMode.ANNUAL
    village.expiry_month, village.expiry_day = 11, 10  # the clock is now 9 November... then 12th
    session.commit()
    fixed_clock.advance(days=3)
    result = runner.invoke(args=["expire-points", "--village", village.code])
    assert result.exit_code == 0 and "10 points expired" in result.output
    session.refresh(h)
    assert (h.balance, h.honour_score) == (0, 10)
    assert "0 points expired" in runner.invoke(args=["expire-points"]).output
