"""Villages and their groups."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from points.clock import now
from points.errors import DuplicateVillageCode, NotFound, ValidationFailed
from points.models import Group, Village

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{2,32}$")


def clean_place(code: str, name: str, timezone: str) -> tuple[str, str, dict[str, str]]:
    """A village's or county's code, name and time zone: the cleaned code and name, and
    what is wrong (field -> message)."""
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, str] = {}
    if not CODE_RE.match(code):
        errors["code"] = "2-32 letters, digits, - or _"
    if not name or len(name) > 100:
        errors["name"] = "required, at most 100 characters"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "unknown time zone"
    return code, name, errors


def create_village(
    session: Session,
    *,
    code: str,
    name: str,
    county_name: str = "",
    town_name: str = "",
    timezone: str = "Asia/Shanghai",
    objection_days: int = 7,
) -> Village:
    code, name, errors = clean_place(code, name, timezone)
    if not 0 <= objection_days <= 60:
        errors["objection_days"] = "0 to 60 days"
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Village.id).where(Village.code == code)) is not None:
        raise DuplicateVillageCode(code=code)
    village = Village(
        code=code,
        name=name,
        county_name=county_name,
        town_name=town_name,
        timezone=timezone,
        objection_days=objection_days,
    )
    session.add(village)
    session.flush()
    return village


def get_village_by_code(session: Session, code: str) -> Village:
    village = session.scalar(select(Village).where(Village.code == code))
    if village is None:
        raise NotFound("village")
    return village


def get_or_create_group(session: Session, village_id: int, name: str) -> Group:
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationFailed({"group": "required, at most 50 characters"})
    group = session.scalar(select(Group).where(Group.village_id == village_id, Group.name == name))
    if group is None:
        group = Group(village_id=village_id, name=name)
        session.add(group)
        session.flush()
    return group


def list_groups(session: Session, village_id: int) -> list[Group]:
    return list(
        session.scalars(select(Group).where(Group.village_id == village_id).order_by(Group.id))
    )


def village_zone(village: Village) -> ZoneInfo:
    return ZoneInfo(village.timezone)


_TIMEZONE = select(Village.__table__.c.timezone).where(
    Village.__table__.c.id == bindparam("village_id")
)


_ZONES = "cunyue.zones"


def remember_zone(session: Session, village_id: int, timezone: str) -> None:
    """Tell :func:`zone_of` a village's zone that a query of the caller's has just read."""
    zones = session.info.setdefault(_ZONES, {})
    if village_id not in zones:
        zones[village_id] = ZoneInfo(timezone)


def zone_of(session: Session, village_id: int) -> ZoneInfo:
    """A village's time zone by its id: one small query the first time in a session, none
    when the village is loaded."""
    village = session.identity_map.get(identity_key(Village, village_id))
    if village is not None:
        return village_zone(village)
    zones = session.info.setdefault(_ZONES, {})
    if village_id not in zones:
        timezone = session.connection().execute(_TIMEZONE, {"village_id": village_id}).scalar()
        if timezone is None:
            raise NotFound("village")
        zones[village_id] = ZoneInfo(timezone)
    return zones[village_id]


def village_today(village: Village) -> date:
    """Today's date where the village is."""
    return now().astimezone(village_zone(village)).date()
