"""Helpers for event tests: a rule, an event, a card payload."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from points import cards, events, rules
from points.models import RuleUnit


def make_rule(session, village, code="YS01", points=5, unit=RuleUnit.PER_TIME, cap=None):
    terms = rules.clean_terms(
        {
            "title": "参加议事协商会" if unit == RuleUnit.PER_TIME else "志愿服务每小时",
            "category": "议事协商" if unit == RuleUnit.PER_TIME else "志愿服务",
            "points": points,
            "unit": unit.value,
            "monthly_cap": cap,
        }
    )
    return rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )


def make_event(session, village, rule, *, kind="meeting", start=None, hours=2, **kw):
    start = start or datetime.fromisoformat("2026-11-02T01:30:00+00:00")
    return events.create_event(
        session,
        village_id=village.id,
        title=kw.pop("title", "十一月议事协商会"),
        kind=kind,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        rule_id=rule.id,
        by_id=None,
        **kw,
    )


def card(secret, resident) -> str:
    return cards.payload_for(secret, resident)
