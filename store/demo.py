"""The demo village's shop: a small catalogue with stock, and points to spend (deterministic)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import ledger, rules
from points.models import EntryKind, Household, Village
from points.villages import village_today
from store import catalogue, stock

# (name, category, unit, price, stock, monthly limit, low-stock threshold)
DEMO_ITEMS = (
    ("洗衣液", "日化", "瓶", 20, 24, 2, 5),
    ("大米 5kg", "粮油", "袋", 50, 30, 1, 5),
    ("食用油 1.8L", "粮油", "桶", 40, 18, 1, 5),
    ("肥皂", "日化", "块", 5, 60, None, 10),
    ("毛巾", "日用", "条", 10, 40, None, 8),
    ("牙膏", "日化", "支", 8, 35, None, 8),
    ("挂面", "粮油", "包", 6, 3, None, 5),
    ("酱油", "调味", "瓶", 8, 20, None, 5),
)
# Awards that give the demo households something to spend: (rule code, times), within
# each rule's monthly cap together with the month's other demo awards (points.demo):
# 3 × 5 and one 议事会 award of 5 is YS01's cap of 20.
DEMO_AWARDS = (("YS01", 3), ("ZY01", 10), ("HJ01", 2), ("LJ01", 10))


def seed_store(session: Session, village: Village) -> None:
    """Catalogue items with opening stock, and rule-based awards for every household."""
    for name, category, unit, price, opening, limit, low in DEMO_ITEMS:
        item = catalogue.create_item(
            session,
            village_id=village.id,
            data={
                "name": name,
                "category": category,
                "unit": unit,
                "price": price,
                "monthly_limit": limit,
                "low_stock_threshold": low,
            },
            by_id=None,
        )
        stock.move(
            session,
            village_id=village.id,
            item_id=item.id,
            delta=opening,
            kind="purchase",
            funding="budget" if price >= 20 else "collective",
            note="首批进货",
            by_id=None,
        )
    today = village_today(village)
    households = session.scalars(
        select(Household).where(Household.village_id == village.id).order_by(Household.id)
    ).all()
    for i, household in enumerate(households):
        head = household.head
        for j, (code, times) in enumerate(DEMO_AWARDS):
            if (i + j) % 3 == 2:
                continue  # not every household took part in everything
            rule = rules.get_rule_by_code(session, village.id, code)
            version = rule.version_on(today)
            for _ in range(times):
                ledger.post(
                    session,
                    household_id=household.id,
                    amount=version.points,
                    kind=EntryKind.AWARD,
                    resident_id=head.id if head else None,
                    rule_version=version,
                    note="示范数据",
                )
