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
            {"title": "向爱心超市捐赠", "category": "文明新风", "points": 5, "monthly_cap": 10}
        ),
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return village, household, resident, rice, rule


def test_donation_stock_new_item_and_points(session, setup, clerk):
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
        by_id=clerk.id,
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
        by_id=clerk.id,
    )
    with pytest.raises(MonthlyCapReached):
        donations.record_donation(
            session,
            village=village,
            donor_name="",
            donor_resident_id=resident.id,
            lines=[{"item_id": rice.id, "quantity": 1}],
            rule_id=rule.id,
            by_id=clerk.id,
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
