"""The demo village, whole: the one entry point above the two domains (``points/`` must not
import ``store/``). Its points side is :mod:`points.demo`, its shop :mod:`store.demo`."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from points import demo as points_demo
from points.demo import (
    DEMO_CODE,
    DEMO_COUNTY_LOGIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_RESIDENT_LOGIN,
    is_empty,
)
from points.models import Village
from store.demo import seed_store

__all__ = [
    "DEMO_CODE",
    "DEMO_COUNTY_LOGIN",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_RESIDENT_LOGIN",
    "is_empty",
    "seed_demo",
]


def seed_demo(session: Session, *, adopted_on: date | None = None) -> Village:
    """Load the demo village: its people, logins, rules and points, its shop, and 某县 with
    its officer. The caller checks the database is empty and commits."""
    village = points_demo.seed_points(session, adopted_on=adopted_on)
    seed_store(session, village)
    points_demo.seed_demo_county(session, village)
    return village
