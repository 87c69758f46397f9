"""捐赠登记: stock goes up, new items on the spot, points by rule within its monthly cap."""

from datetime import date

import pytest
from sqlalchemy import select

from points import ledger, rules
from points.caps import MonthlyCapReached
from points.errors import NotFound, ValidationFailed
from points.models import EntryKind, LedgerEntry
from store import catalogue, donations
from store.models import Item, MovementKind, StockMovement


@pytest.fixture
def clerk(village, make_user):
    return make_user(village, roles=["clerk"])


@pytest.fixture
def admin(village, make_user):
    return make_user(village, roles=["admin"])


@pytest.fixture
def setup(session, village, make_household, make_resident, fixed_clock):
    household = make_household(village, "7")
    resident = make_resident(village, household, name="陈德明")
    rice = catalogue.create_item(
        session, village_id=village.id, data={"name": "大米", "price": 30}, stock=2, by_id=None
    )
    rule = rules.create_rule(
        session,
        village_id=village.id,
        code="JZ01",
        terms=rules.clean_terms(
            {
                "title": "向爱心超市捐赠",
                "category": "文明新风",
                "points": 5,
                "monthly_cap": 10,
                "for_donations": True,
            }
        ),
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return village, household, resident, rice, rule


def test_donation_stock_new_item_and_points(session, setup, admin):
    """Recorded by an admin: the donor's points are posted at once."""
    village, household, resident, rice, rule = setup
    d = donations.record_donation(
        session,
        village=village,
        donor_name="",
        donor_resident_id=resident.id,
        lines=[
            {"item_id": rice.id, "quantity": 3},
            {"new_item": {"name": "食用油", "price": 40, "unit": "桶"}, "quantity": 2},
        ],
        estimated_value=260,
        public=True,
        rule_id=rule.id,
        by_id=admin.id,
    )
    assert d.donor_name == "陈德明" and rice.stock == 5
    oil = session.scalar(select(Item).where(Item.name == "食用油"))
    assert oil.stock == 2 and oil.unit == "桶"
    moves = session.scalars(select(StockMovement).where(StockMovement.donation_id == d.id)).all()
    assert sorted((m.item_id, m.delta, m.kind) for m in moves) == sorted(
        [(rice.id, 3, MovementKind.DONATION), (oil.id, 2, MovementKind.DONATION)]
    )
    entry = session.get(LedgerEntry, d.points_entry_id)
    # The donor's points are an award like any other (rule, cap, review, objections).
    assert (entry.kind, entry.amount, entry.source_type) == (EntryKind.AWARD, 5, "award")
    assert household.balance == 5
    # A second donation this month reaches the cap of 10; a third is refused.
    donations.record_donation(
        session,
        village=village,
        donor_name="",
        donor_resident_id=resident.id,
        lines=[{"item_id": rice.id, "quantity": 1}],
        rule_id=rule.id,
        by_id=admin.id,
    )
    with pytest.raises(MonthlyCapReached):
        donations.record_donation(
            session,
            village=village,
            donor_name="",
            donor_resident_id=resident.id,
            lines=[{"item_id": rice.id, "quantity": 1}],
            rule_id=rule.id,
            by_id=admin.id,
        )
    assert household.balance == 10 and ledger.verify(session, village_id=village.id).ok
    assert [
        x.donor_name for x in donations.list_donations(session, village.id, public_only=True)
    ] == ["陈德明"]


def test_donation_bad_input_and_other_village(session, setup, other_village, make_resident):
    village, household, resident, rice, rule = setup
    for kw in (
        {"donor_name": "", "lines": [{"item_id": rice.id, "quantity": 1}]},
        {"donor_name": "x", "lines": []},
        {"donor_name": "x", "lines": [{"item_id": rice.id, "quantity": 0}]},
        {"donor_name": "x", "lines": [{"item_id": "1", "quantity": 1}]},
        {"donor_name": "x", "lines": [{"item_id": rice.id, "quantity": 1}], "rule_id": rule.id},
        {"donor_name": "x", "lines": [{"new_item": {"name": "x"}, "quantity": 1}]},
        {"donor_name": "x", "lines": [{"item_id": rice.id, "quantity": 1}], "estimated_value": -1},
    ):
        with pytest.raises(ValidationFailed):
            donations.record_donation(session, village=village, by_id=None, **kw)
        session.rollback()
    stranger = make_resident(other_village, name="外村人")
    with pytest.raises(NotFound):
        donations.record_donation(
            session,
            village=village,
            donor_name="x",
            donor_resident_id=stranger.id,
            lines=[{"item_id": rice.id, "quantity": 1}],
            by_id=None,
        )
    with pytest.raises(NotFound):
        donations.record_donation(
            session,
            village=other_village,
            donor_name="x",
            lines=[{"item_id": rice.id, "quantity": 1}],
            by_id=None,
        )
    session.rollback()
    session.expire_all()
    assert session.get(Item, rice.id).stock == 2


def test_reviewed_rule_or_own_household_waits_for_review(session, setup, village, make_user):
    """A clerk cannot credit points at once under a reviewed rule, nor to their own household."""
    from points.models import Award, AwardStatus

    _village, household, resident, rice, rule = setup
    own_clerk = make_user(village, roles=["clerk"], resident=resident)
    d = donations.record_donation(
        session,
        village=village,
        donor_name="",
        donor_resident_id=resident.id,
        lines=[{"item_id": rice.id, "quantity": 1}],
        rule_id=rule.id,
        by_id=own_clerk.id,
    )
    award = session.scalar(select(Award).where(Award.resident_id == resident.id))
    assert award.status == AwardStatus.PENDING and d.points_entry_id is None
    assert household.balance == 0 and household.pending == 5


def test_points_only_under_a_rule_marked_for_donations(session, setup, clerk, admin):
    """A made-up donation cannot carry any rule's points (issue 14, finding 1): a positive
    rule with no review, not marked for donations, is refused for the clerk and the admin."""
    village, household, resident, rice, _rule = setup
    meeting = rules.create_rule(
        session,
        village_id=village.id,
        code="YS01",
        terms=rules.clean_terms({"title": "参加村民议事会", "category": "议事协商", "points": 5}),
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    for by in (clerk, admin):
        with pytest.raises(ValidationFailed) as caught:
            donations.record_donation(
                session,
                village=village,
                donor_name="",
                donor_resident_id=resident.id,
                lines=[{"item_id": rice.id, "quantity": 1}],
                rule_id=meeting.id,
                by_id=by.id,
            )
        assert caught.value.fields == {"rule_id": "not a rule for donations"}
        session.rollback()
    session.expire_all()
    assert (household.balance, household.pending, session.get(Item, rice.id).stock) == (0, 0, 2)


def test_clerk_donation_waits_for_review_and_new_item_is_off_sale(session, setup, clerk, make_user):
    """A clerk's donation under the donation rule waits for a second person; the item made
    on the spot is off sale, at whatever price the clerk typed, until an admin edits it."""
    from points import awards
    from points.models import Award, AwardStatus

    village, household, resident, rice, rule = setup
    d = donations.record_donation(
        session,
        village=village,
        donor_name="",
        donor_resident_id=resident.id,
        lines=[{"new_item": {"name": "金项链", "price": 1, "active": True}, "quantity": 1}],
        rule_id=rule.id,
        by_id=clerk.id,
    )
    assert d.points_entry_id is None
    assert (household.balance, household.pending) == (0, 5)
    item = session.scalar(select(Item).where(Item.name == "金项链"))
    assert (item.active, item.stock, item.price) == (False, 1, 1)
    award = session.scalar(select(Award).where(Award.resident_id == resident.id))
    assert award.status == AwardStatus.PENDING
    supervisor = make_user(village, roles=["supervisor"])
    awards.approve(session, award, by=supervisor)
    assert award.status == AwardStatus.PUBLISHED
    admin = make_user(village, roles=["admin"])
    catalogue.update_item(session, item, data={"price": 300, "active": True}, by_id=admin.id)
    assert (item.active, item.price) == (True, 300)
