"""The demo village's year of history: every past month has a meeting and awards, no
resident passes a monthly cap, and the ledger verifies (clock pinned to 2 Nov 2026)."""

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from app import demo
from points import charts, ledger
from points.models import EntryKind, LedgerEntry, RuleVersion
from points.villages import village_zone


def test_a_year_of_history_within_the_caps(session, fixed_clock):
    village = demo.seed_demo(session)
    session.commit()
    trend = charts.attendance_trend(session, village)
    months = {m.starts_at.date().replace(day=1) for m in trend}
    assert len(months) == 11  # each past month (this month's meeting is still to come)
    flows = charts.flows_by_category_and_group(session, village)["category"]
    assert all(sum(m.issued.values()) > 0 for m in flows.months[:-1])
    idle = charts.idle_households(session, village)
    assert idle[0].month == date(2025, 12, 1) and idle[0].households == 80
    # nobody over a monthly cap: per resident, rule and village month
    zone = village_zone(village)
    totals = defaultdict(int)
    caps = {}
    rows = session.execute(
        select(LedgerEntry, RuleVersion)
        .join(RuleVersion, RuleVersion.id == LedgerEntry.rule_version_id)
        .where(LedgerEntry.kind == EntryKind.AWARD)
    ).all()
    for entry, version in rows:
        month = entry.created_at.astimezone(zone).strftime("%Y-%m")
        totals[(entry.resident_id, version.rule_id, month)] += entry.amount
        caps[version.rule_id] = version.monthly_cap
    assert totals
    over = {k: v for k, v in totals.items() if caps[k[1]] and v > caps[k[1]]}
    assert not over
    assert ledger.verify(session, village_id=village.id).ok
