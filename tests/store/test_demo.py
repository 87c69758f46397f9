"""The demo village comes with a stocked shop and households that have points to spend."""

from sqlalchemy import func, select

from app import demo
from points import ledger
from points.models import Household
from store import catalogue


def test_demo_shop(session):
    village = demo.seed_demo(session)
    items = catalogue.list_items(session, village.id)
    assert {"洗衣液", "肥皂", "毛巾"} <= {i.name for i in items}
    assert all(i.stock > 0 for i in items)
    assert [i.name for i in catalogue.low_stock(session, village.id)] == ["挂面"]
    low = session.scalar(
        select(func.min(Household.balance)).where(Household.village_id == village.id)
    )
    assert low >= 40
    assert ledger.verify(session, village_id=village.id).ok


def test_demo_has_one_rule_for_donations(session):
    """The shop's donation form offers the demo's donation rule and no other (issue 14)."""
    from points import rules
    from points.demo import DONATION_RULE

    village = demo.seed_demo(session)
    marked = [r.code for r in rules.list_rules(session, village.id) if r.latest.for_donations]
    assert marked == [DONATION_RULE]
