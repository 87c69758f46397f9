"""Awards read like bookkeeping: awarded, pending, objected, dismissed, confirmed, corrected,
expired — balance, pending and honour score exact, every chain verifies."""

from datetime import date

import pytest

from points import awards, expiry, ledger, rules
from points.caps import MonthlyCapReached
from points.errors import Forbidden, ValidationFailed
from points.models import AwardStatus, EntryKind, ExpiryMode, ObjectionStatus, Role


def _rule(session, village, code, points, **kw):
    terms = rules.clean_terms(
        {"title": f"规则{code}", "category": "志愿服务", "points": points, **kw}
    )
    return rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )


@pytest.fixture
def people(village, make_household, make_resident, make_user):
    h1 = make_household(village, "1001")
    wang = make_resident(village, h1, "王建国")
    h2 = make_household(village, "1002")
    li = make_resident(village, h2, "李秀英")
    return {
        "h1": h1,
        "wang": wang,
        "li": li,
        "host": make_user(village, roles=(Role.HOST,)),
        "admin": make_user(village, roles=(Role.ADMIN,)),
        "sup": make_user(village, roles=(Role.SUPERVISOR,)),
        "li_user": make_user(village, roles=(Role.RESIDENT,), resident=li),
        "wang_user": make_user(village, roles=(Role.RESIDENT,), resident=wang),
    }


def test_the_life_of_an_award(session, village, people, fixed_clock):
    p = people
    h1 = p["h1"]
    clean = _rule(session, village, "HJ01", 5)
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    litter = _rule(session, village, "WG01", -8)

    # Awarded 5 for 门前三包, no review: in the ledger at once.
    a1 = awards.create_award(session, village=village, rule=clean, resident=p["wang"], by=p["host"])
    assert a1.status == AwardStatus.CONFIRMED
    assert (h1.balance, h1.pending, h1.honour_score) == (5, 0, 5)

    # Awarded 20 (2 × 10) for 防汛值守, reviewed: pending, not spendable.
    a2 = awards.create_award(
        session, village=village, rule=flood, resident=p["wang"], by=p["host"], quantity=2
    )
    assert (a2.status, a2.amount) == (AwardStatus.PENDING, 20)
    assert (h1.balance, h1.pending) == (5, 20)

    # The host cannot approve their own report; the committee does: posted for 7 days.
    with pytest.raises(awards.ConflictOfInterest):
        awards.approve(session, a2, by=p["host"])
    awards.approve(session, a2, by=p["admin"])
    assert a2.status == AwardStatus.PUBLISHED
    assert (a2.objection_deadline - fixed_clock.now).days == 7

    # 李秀英 objects on day 2: the award is held, not confirmed when the window ends.
    fixed_clock.advance(days=2)
    objection = awards.object_to(session, a2, by=p["li_user"], reason="那天他不在值守现场")
    assert a2.status == AwardStatus.HELD
    fixed_clock.advance(days=6)
    assert awards.confirm_due(session, village.id) == 0
    assert (h1.balance, h1.pending) == (5, 20)

    # The supervisor dismisses it with a reason; the window has ended, so it is confirmed.
    awards.decide_objection(
        session, objection, by=p["sup"], uphold=False, reason="值班表显示其在岗"
    )
    assert objection.status == ObjectionStatus.DISMISSED
    assert objection.decision_reason == "值班表显示其在岗"
    assert a2.status == AwardStatus.CONFIRMED
    assert (h1.balance, h1.pending, h1.honour_score) == (25, 0, 25)

    # Deducted 8 for littering: reviewed, posted, confirmed by confirm_due; a repeat does nothing.
    a3 = awards.create_award(
        session, village=village, rule=litter, resident=p["wang"], by=p["host"]
    )
    assert a3.status == AwardStatus.PENDING and h1.pending == 0
    awards.approve(session, a3, by=p["admin"])
    fixed_clock.advance(days=7)
    assert awards.confirm_due(session, village.id) == 1
    assert awards.confirm_due(session, village.id) == 0
    assert (h1.balance, h1.honour_score) == (17, 17)
    assert ledger.entries(session, h1.id, limit=1)[0].kind == EntryKind.DEDUCTION

    # The first award was a mistake: corrected by the admin with a reason.
    fix = awards.correct_entry(
        session, village_id=village.id, entry_id=a1.entry_id, reason="记错了户", by=p["admin"]
    )
    assert fix.reverses_id == a1.entry_id and fix.amount == -5
    assert (h1.balance, h1.honour_score) == (12, 12)

    # Spent 2 at the shop; 积分清零 on 1 January clears the 10 left, the honour score stays.
    ledger.post(session, household_id=h1.id, amount=-2, kind=EntryKind.REDEMPTION)
    village.expiry_mode = ExpiryMode.ANNUAL
    village.expiry_month, village.expiry_day = 1, 1
    posted = expiry.expire_points(session, village, today=date(2027, 1, 3))
    assert [e.amount for e in posted] == [-10]
    assert (h1.balance, h1.honour_score) == (0, 12)
    assert expiry.expire_points(session, village, today=date(2027, 1, 4)) == []
    report = ledger.verify(session, village_id=village.id)
    assert report.ok, report.problems


def test_expiry_keeps_points_earned_since_the_cutoff(session, village, people, fixed_clock):
    clean = _rule(session, village, "HJ01", 5)
    h1 = people["h1"]
    for _ in range(3):  # 15 earned in November
        awards.create_award(
            session, village=village, rule=clean, resident=people["wang"], by=people["host"]
        )
    ledger.post(session, household_id=h1.id, amount=-4, kind=EntryKind.REDEMPTION)
    fixed_clock.now = fixed_clock.now.replace(year=2027, month=1, day=2)
    awards.create_award(
        session, village=village, rule=clean, resident=people["wang"], by=people["host"]
    )
    expiry.set_expiry(session, village, mode="annual", month=1, day=1, by_id=None)
    posted = expiry.expire_points(session, village, today=date(2027, 1, 2))
    # 11 of the old 15 were unspent (FIFO: the 4 spent came from them); the new 5 stay.
    assert [e.amount for e in posted] == [-11]
    assert (h1.balance, h1.honour_score) == (5, 20)
    with pytest.raises(ValidationFailed):
        expiry.set_expiry(session, village, mode="annual", month=2, day=30, by_id=None)


def test_rejected_and_upheld(session, village, people, fixed_clock):
    p = people
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    a = awards.create_award(session, village=village, rule=flood, resident=p["wang"], by=p["host"])
    with pytest.raises(ValidationFailed):
        awards.reject(session, a, by=p["sup"], reason=" ")
    awards.reject(session, a, by=p["sup"], reason="证据不足")
    assert (a.status, p["h1"].pending) == (AwardStatus.REJECTED, 0)
    with pytest.raises(awards.NotPending):
        awards.approve(session, a, by=p["sup"])

    b = awards.create_award(session, village=village, rule=flood, resident=p["wang"], by=p["host"])
    awards.approve(session, b, by=p["admin"])
    # The resident concerned may object too; his household may not decide it.
    o = awards.object_to(session, b, by=p["li_user"], reason="不实")
    with pytest.raises(awards.AlreadyObjected):
        awards.object_to(session, b, by=p["li_user"], reason="再次")
    with pytest.raises(Forbidden):
        awards.object_to(session, b, by=p["host"], reason="staff without a resident")
    awards.decide_objection(session, o, by=p["sup"], uphold=True, reason="经核实不实")
    assert (b.status, o.status, p["h1"].pending, p["h1"].balance) == (
        AwardStatus.REJECTED,
        ObjectionStatus.UPHELD,
        0,
        0,
    )
    with pytest.raises(awards.ObjectionClosed):
        awards.decide_objection(session, o, by=p["sup"], uphold=False, reason="x")
    with pytest.raises(awards.NotInObjectionWindow):
        awards.object_to(session, b, by=p["wang_user"], reason="too late")


def test_own_household_cannot_review_or_decide(session, village, people, make_user):
    p = people
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    wang_sup = make_user(village, roles=(Role.SUPERVISOR,), resident=None)
    a = awards.create_award(session, village=village, rule=flood, resident=p["li"], by=p["host"])
    with pytest.raises(awards.ConflictOfInterest):
        awards.approve(session, a, by=p["li_user"])
    awards.approve(session, a, by=wang_sup)
    o = awards.object_to(session, a, by=p["wang_user"], reason="不实")
    with pytest.raises(awards.ConflictOfInterest):
        awards.decide_objection(session, o, by=p["li_user"], uphold=True, reason="x")
    with pytest.raises(awards.ConflictOfInterest):
        awards.decide_objection(session, o, by=p["wang_user"], uphold=False, reason="x")


def test_creator_and_approver_stand_aside_from_the_objection(
    session, village, people, make_user, fixed_clock
):
    """Whoever made or approved an award cannot decide the objection to it (issue 14,
    finding 2); someone else decides, and the audit row names who stood aside."""
    from sqlalchemy import select

    from points.models import AuditLog

    p = people
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    maker = make_user(village, roles=(Role.ADMIN,))  # an admin reports, and could decide
    a = awards.create_award(session, village=village, rule=flood, resident=p["wang"], by=maker)
    awards.approve(session, a, by=p["admin"])
    o = awards.object_to(session, a, by=p["li_user"], reason="他那天不在")
    for conflicted in (maker, p["admin"]):
        with pytest.raises(awards.ConflictOfInterest):
            awards.decide_objection(session, o, by=conflicted, uphold=False, reason="属实")
    assert (o.status, a.status) == (ObjectionStatus.OPEN, AwardStatus.HELD)
    awards.decide_objection(session, o, by=p["sup"], uphold=True, reason="经核实不实")
    assert (o.status, a.status, o.decided_by_id) == (
        ObjectionStatus.UPHELD,
        AwardStatus.REJECTED,
        p["sup"].id,
    )
    row = session.scalar(select(AuditLog).where(AuditLog.action == "objection.uphold"))
    assert (row.user_id, row.after["stood_aside"]) == (
        p["sup"].id,
        sorted([maker.id, p["admin"].id]),
    )


def test_monthly_cap_counts_pending_and_confirmed(session, village, people, fixed_clock):
    capped = _rule(session, village, "YS03", 10, monthly_cap=30, needs_review=True)
    for _ in range(3):
        awards.create_award(
            session, village=village, rule=capped, resident=people["wang"], by=people["host"]
        )
    with pytest.raises(MonthlyCapReached) as exc:
        awards.create_award(
            session, village=village, rule=capped, resident=people["wang"], by=people["host"]
        )
    assert exc.value.details == {"cap": 30, "used": 30, "remaining": 0}
    fixed_clock.advance(days=30)  # December: a new month
    awards.create_award(
        session, village=village, rule=capped, resident=people["wang"], by=people["host"]
    )


def test_claims_and_bad_input(session, village, people):
    claimable = _rule(session, village, "SS01", 3, claimable=True)
    plain = _rule(session, village, "HJ01", 5)
    photo = _rule(session, village, "ZY02", 10, evidence_required=True)
    claim = awards.create_award(
        session,
        village=village,
        rule=claimable,
        resident=people["li"],
        by=people["li_user"],
        note="清理了路边垃圾",
        is_claim=True,
    )
    assert claim.status == AwardStatus.PENDING and claim.is_claim
    with pytest.raises(awards.NotClaimable):
        awards.create_award(
            session,
            village=village,
            rule=plain,
            resident=people["li"],
            by=people["li_user"],
            note="x",
            is_claim=True,
        )
    with pytest.raises(ValidationFailed) as exc:
        awards.create_award(
            session, village=village, rule=photo, resident=people["li"], by=people["host"]
        )
    assert exc.value.fields == {"photo": "a photo is required for this rule"}
    for q in (0, -1, 1001, "2", True):
        with pytest.raises(ValidationFailed):
            awards.create_award(
                session,
                village=village,
                rule=plain,
                resident=people["li"],
                by=people["host"],
                quantity=q,
            )
    rules.set_active(session, plain, False, by_id=None)
    with pytest.raises(awards.RuleInactive):
        awards.create_award(
            session, village=village, rule=plain, resident=people["li"], by=people["host"]
        )


def test_bulk_award_is_all_or_nothing(session, village, people, other_village, make_resident):
    clean = _rule(session, village, "HJ01", 5)
    made = awards.bulk_award(
        session,
        village=village,
        rule=clean,
        resident_ids=[people["wang"].id, people["li"].id, people["wang"].id],
        by=people["host"],
    )
    assert len(made) == 2 and people["h1"].balance == 5
    stranger = make_resident(other_village, None, "外村人")
    with pytest.raises(awards.NotFound):
        awards.bulk_award(
            session,
            village=village,
            rule=clean,
            resident_ids=[people["wang"].id, stranger.id],
            by=people["host"],
        )


def test_awarding_your_own_household_is_reviewed(
    session, village, people, make_user, make_resident
):
    """A host of household 1001 giving points to a member of 1001, under a rule that needs
    no review, still waits for someone else's review and the objection window."""
    p = people
    meeting = _rule(session, village, "YS01", 5)
    son = make_resident(village, p["h1"], "王小军")
    wang_host = make_user(village, roles=(Role.HOST,), resident=son)
    mine = awards.create_award(
        session, village=village, rule=meeting, resident=p["wang"], by=wang_host
    )
    assert mine.status == AwardStatus.PENDING
    assert p["h1"].balance == 0 and p["h1"].pending == 5
    other = awards.create_award(
        session, village=village, rule=meeting, resident=p["li"], by=wang_host
    )
    assert other.status == AwardStatus.CONFIRMED
    with pytest.raises(awards.ConflictOfInterest):
        awards.approve(session, mine, by=wang_host)


def test_a_refund_after_the_cutoff_brings_back_old_points_that_expire(
    session, village, people, fixed_clock
):
    """100 earned and 60 spent in 2026; the order is voided on 2 January 2027: the 60 come
    back as 2026 points and expire with the rest."""
    clean = _rule(session, village, "HJ01", 100)
    h1 = people["h1"]
    awards.create_award(
        session, village=village, rule=clean, resident=people["wang"], by=people["host"]
    )
    spent = ledger.post(session, household_id=h1.id, amount=-60, kind=EntryKind.REDEMPTION)
    fixed_clock.now = fixed_clock.now.replace(year=2027, month=1, day=2)
    ledger.post(session, household_id=h1.id, amount=60, kind=EntryKind.REFUND, reverses=spent)
    expiry.set_expiry(session, village, mode="annual", month=1, day=1, by_id=None)
    posted = expiry.expire_points(session, village, today=date(2027, 1, 2))
    assert [e.amount for e in posted] == [-100]
    assert (h1.balance, h1.honour_score) == (0, 100)
    assert ledger.verify(session).ok


def test_caps_count_points_in_the_month_they_were_earned(session, village, people, fixed_clock):
    """Cap 20 a month, 10 an award. A correction counts in the month of what it reverses;
    an award counts in the month it was made, not the month its window ended."""
    p = people
    quick = _rule(session, village, "LJ01", 10, monthly_cap=20)
    slow = _rule(session, village, "XL03", 10, monthly_cap=20, needs_review=True)
    fixed_clock.now = fixed_clock.now.replace(year=2027, month=1, day=10)
    first = awards.create_award(
        session, village=village, rule=quick, resident=p["wang"], by=p["host"]
    )
    awards.create_award(session, village=village, rule=quick, resident=p["wang"], by=p["host"])
    fixed_clock.now = fixed_clock.now.replace(month=2, day=3)
    awards.correct_entry(
        session, village_id=village.id, entry_id=first.entry_id, reason="记错了", by=p["admin"]
    )
    for _ in range(2):  # February's own allowance: 20
        awards.create_award(session, village=village, rule=quick, resident=p["wang"], by=p["host"])
    with pytest.raises(MonthlyCapReached):
        awards.create_award(session, village=village, rule=quick, resident=p["wang"], by=p["host"])
    # Made on 28 March, posted, confirmed in April after its window.
    fixed_clock.now = fixed_clock.now.replace(month=3, day=28)
    late = awards.create_award(
        session, village=village, rule=slow, resident=p["wang"], by=p["host"]
    )
    awards.approve(session, late, by=p["sup"])
    fixed_clock.now = fixed_clock.now.replace(month=4, day=5)
    awards.confirm_due(session, village.id)
    assert late.status == AwardStatus.CONFIRMED
    for _ in range(2):  # April is untouched by March's award
        awards.create_award(session, village=village, rule=slow, resident=p["wang"], by=p["host"])
    assert ledger.verify(session).ok


def test_a_login_made_by_the_author_is_not_a_second_pair_of_eyes(
    session, village, people, make_user
):
    """An admin cannot approve their own award with a login they made, gave a role to, or
    reset the password of (even after that login chose a password again); nor through a login
    made by such a login; nor approve as themselves an award entered through a login they
    made. The supervisors, whose role and password come from the command line or the county,
    still can."""
    from points import users

    p = people
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    author = make_user(village, roles=(Role.ADMIN,))
    a = awards.create_award(session, village=village, rule=flood, resident=p["wang"], by=author)
    assert a.status == AwardStatus.PENDING

    def new_login(by, name, roles=(Role.ADMIN,)):
        return users.create_user(
            session,
            username=name,
            password="long-enough-1",
            village_id=village.id,
            roles=roles,
            by_id=by.id,
        )

    second = new_login(author, "second")
    third = new_login(second, "third")  # made by a login the author made
    host = p["host"]
    users.set_roles(session, host, [Role.HOST, Role.ADMIN], by_id=author.id)
    reset = make_user(village, roles=(Role.ADMIN,))
    users.reset_password(session, reset, new="reset-by-author-1", by_id=author.id)
    # Whoever knew the reset password chose the next one: the reset still counts.
    users.change_password(session, reset, current="reset-by-author-1", new="my-own-password-1")
    for reviewer in (second, third, host, reset):
        with pytest.raises(awards.ConflictOfInterest):
            awards.approve(session, a, by=reviewer)
        with pytest.raises(awards.ConflictOfInterest):
            awards.reject(session, a, by=reviewer, reason="x")
    assert a.status == AwardStatus.PENDING and a.reviewed_by_id is None

    # Taking a role away makes no one a maker.
    users.set_roles(session, p["admin"], [Role.ADMIN, Role.HOST], by_id=None)
    users.set_roles(session, p["admin"], [Role.ADMIN], by_id=author.id)
    awards.approve(session, a, by=p["admin"])
    assert a.status == AwardStatus.PUBLISHED and a.reviewed_by_id == p["admin"].id

    # The other way round: an award entered through a login the reviewer made.
    puppet = new_login(p["admin"], "puppet", roles=(Role.HOST,))
    b = awards.create_award(session, village=village, rule=flood, resident=p["li"], by=puppet)
    with pytest.raises(awards.ConflictOfInterest):
        awards.approve(session, b, by=p["admin"])
    awards.approve(session, b, by=p["sup"])
    assert b.status == AwardStatus.PUBLISHED

    # Nor does such a login decide an objection to the author's award.
    o = awards.object_to(session, a, by=p["li_user"], reason="他那天不在")
    with pytest.raises(awards.ConflictOfInterest):
        awards.decide_objection(session, o, by=second, uphold=False, reason="属实")
    awards.decide_objection(session, o, by=p["sup"], uphold=False, reason="属实")


def test_a_supervisors_password_is_not_reset_by_an_admin(session, village, people):
    from points import users

    p = people
    before = p["sup"].password_hash
    with pytest.raises(users.SupervisorPasswordFromCommandLine):
        users.reset_password(session, p["sup"], new="taken-over-123", by_id=p["admin"].id)
    assert p["sup"].password_hash == before
    users.reset_password(session, p["sup"], new="from-the-cli-123", by_id=None)
    assert p["sup"].password_hash != before


def test_a_login_made_by_the_household_reviews_none_of_its_awards(
    session, village, people, make_user
):
    from points import users

    p = people
    flood = _rule(session, village, "ZY02", 10, needs_review=True)
    clean = _rule(session, village, "HJ01", 5)
    wang_admin = p["wang_user"]  # 王建国 sits on the committee
    users.set_roles(session, wang_admin, [Role.RESIDENT, Role.ADMIN], by_id=None)
    helper = users.create_user(
        session,
        username="wang-helper",
        password="long-enough-1",
        village_id=village.id,
        roles=(Role.ADMIN,),
        by_id=wang_admin.id,
    )
    a = awards.create_award(session, village=village, rule=flood, resident=p["wang"], by=p["host"])
    with pytest.raises(awards.ConflictOfInterest):
        awards.approve(session, a, by=helper)
    awards.approve(session, a, by=p["sup"])
    assert a.status == AwardStatus.PUBLISHED
    # A login the household made awards it through review, as its own members do.
    own = awards.create_award(session, village=village, rule=clean, resident=p["wang"], by=helper)
    assert own.status == AwardStatus.PENDING and own.entry_id is None
    other = awards.create_award(session, village=village, rule=clean, resident=p["li"], by=helper)
    assert other.status == AwardStatus.CONFIRMED
