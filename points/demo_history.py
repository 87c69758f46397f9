"""A year of the demo village's past: a meeting a month with its check-ins, and the everyday
awards (垃圾分类, 门前三包, volunteer hours), written through the services with the clock
moved back, so that caps, tallies, charts and the county table see a real history. The
caps are the services' own: an award that would pass one is not made."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import awards, clock, events, rules
from points.caps import MonthlyCapReached
from points.event_models import CheckinMethod
from points.models import Resident, ResidentStatus, User, Village

MONTHS = 11  # months of history before the current one: with it, a year on the charts


def history_start(today: date) -> date:
    """The first day of the month ``MONTHS`` months before ``today``'s."""
    index = today.year * 12 + today.month - 1 - MONTHS
    return date(index // 12, index % 12 + 1, 1)


def _moment(month: date, day: int, hour_utc: int) -> datetime:
    return datetime(month.year, month.month, day, hour_utc, 0, tzinfo=UTC)


def seed_history(session: Session, village: Village, rng: random.Random, start: date) -> None:
    """Write the months from ``start`` up to (not including) the current one."""
    host = session.scalar(select(User).where(User.username == "host"))
    people = list(
        session.scalars(
            select(Resident)
            .where(Resident.village_id == village.id, Resident.status == ResidentStatus.ACTIVE)
            .order_by(Resident.id)
        )
    )
    meeting_rule = rules.get_rule_by_code(session, village.id, "YS01")
    everyday = [
        (rules.get_rule_by_code(session, village.id, code), share, hours)
        for code, share, hours in (("LJ01", 0.25, 1), ("ZY01", 0.08, 2))
    ]
    month = start
    this_month = clock.now().date().replace(day=1)
    with clock.travel(_moment(month, 10, 2)) as move:
        while month < this_month:
            # a seasonal swing: more people in the slack months
            turnout = 0.25 + 0.2 * rng.random()
            starts = _moment(month, 10, 11)  # 19:00 in the village
            move(starts - timedelta(days=3))
            meeting = events.create_event(
                session,
                village_id=village.id,
                title=f"{month.month}月村民议事会",
                kind="meeting",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                rule_id=meeting_rule.id,
                by_id=host.id,
            )
            move(starts + timedelta(minutes=5))
            events.open_event(session, meeting, by_id=host.id)
            for person in people:
                if rng.random() < turnout:
                    _quietly(
                        events.check_in,
                        session,
                        event=meeting,
                        resident=person,
                        method=CheckinMethod.CARD,
                        by_id=host.id,
                    )
            move(starts + timedelta(hours=2))
            events.close_event(session, meeting, by_id=host.id)
            move(_moment(month, 20, 3))
            for rule, share, hours in everyday:
                for person in people:
                    if rng.random() < share:
                        quantity = rng.randint(1, hours)
                        _quietly(
                            awards.create_award,
                            session,
                            village=village,
                            rule=rule,
                            resident=person,
                            by=host,
                            quantity=quantity,
                        )
            index = month.year * 12 + month.month
            month = date(index // 12, index % 12 + 1, 1)


def _quietly(service, session: Session, **kw) -> None:
    """Call a service; a cap reached is skipped. (One meeting, one 垃圾分类 award and at
    most two volunteer hours a month stay inside every cap, so none is expected; the
    check that raises it runs before anything is written.)"""
    try:
        service(session, **kw)
    except MonthlyCapReached:
        pass
