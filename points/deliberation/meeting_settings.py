"""A village's meeting rules: households per representative, quorum per meeting kind, the
passing rule, the major matters of 四议两公开 and the duty points per meeting kind."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit
from points.deliberation.body_models import (
    DEFAULT_MAJOR_CATEGORIES,
    DEFAULT_QUORUM,
    MEETING_KINDS,
    MeetingSettings,
)
from points.deliberation.settings import _clean_list, _clean_rule
from points.errors import ValidationFailed
from points.models import User


def current(session: Session, village_id: int) -> MeetingSettings:
    """The stored row, or the defaults (nothing written)."""
    row = session.scalar(select(MeetingSettings).where(MeetingSettings.village_id == village_id))
    if row is not None:
        return row
    return MeetingSettings(
        village_id=village_id,
        households_per_representative=15,
        quorum=dict(DEFAULT_QUORUM),
        pass_num=1,
        pass_den=2,
        major_categories=list(DEFAULT_MAJOR_CATEGORIES),
        duty_rules={},
    )


def quorum_of(row: MeetingSettings, kind: str) -> tuple[int, int]:
    num, den = (row.quorum or {}).get(kind) or DEFAULT_QUORUM[kind]
    return int(num), int(den)


def _fraction(value, field: str, errors: dict) -> list[int] | None:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] < value[1] <= 100
    ):
        errors[field] = "a fraction [num, den] below one"
        return None
    return [value[0], value[1]]


def update(
    session: Session,
    *,
    village_id: int,
    by: User,
    households_per_representative=None,
    quorum=None,
    passing=None,
    major_categories=None,
    duty_rules=None,
) -> MeetingSettings:
    errors: dict[str, str] = {}
    per = households_per_representative
    if per is not None and (
        isinstance(per, bool) or not isinstance(per, int) or not 1 <= per <= 200
    ):
        errors["households_per_representative"] = "out of range"
    quorum_clean = None
    if quorum is not None:
        if not isinstance(quorum, dict) or not set(quorum) <= set(MEETING_KINDS):
            errors["quorum"] = "not a valid value"
        else:
            quorum_clean = {}
            for kind, value in quorum.items():
                quorum_clean[kind] = _fraction(value, "quorum", errors)
    pass_clean = _fraction(passing, "passing", errors) if passing is not None else None
    cats = _clean_list(major_categories, "major_categories", errors)
    rules_clean = None
    if duty_rules is not None:
        if not isinstance(duty_rules, dict) or not set(duty_rules) <= set(MEETING_KINDS):
            errors["duty_rules"] = "not a valid value"
        else:
            rules_clean = {}
            for kind, rule_id in duty_rules.items():
                value = _clean_rule(session, village_id, rule_id, "duty_rules", errors)
                if value is not None:
                    rules_clean[kind] = value
    if errors:
        raise ValidationFailed(errors)
    row = session.scalar(select(MeetingSettings).where(MeetingSettings.village_id == village_id))
    if row is None:
        row = MeetingSettings(village_id=village_id)
        session.add(row)
        session.flush()
    if per is not None:
        row.households_per_representative = per
    if quorum_clean is not None:
        row.quorum = {**(row.quorum or DEFAULT_QUORUM), **quorum_clean}
    if pass_clean is not None:
        row.pass_num, row.pass_den = pass_clean
    if cats is not None:
        row.major_categories = cats
    if rules_clean is not None:
        row.duty_rules = rules_clean
    session.flush()
    audit.record(
        session,
        action="meeting.settings",
        obj=row,
        by_id=by.id,
        village_id=village_id,
        after=as_dict(row),
    )
    return row


def as_dict(row: MeetingSettings) -> dict:
    return {
        "households_per_representative": row.households_per_representative,
        "quorum": {k: list(quorum_of(row, k)) for k in MEETING_KINDS},
        "passing": [row.pass_num, row.pass_den],
        "major_categories": list(row.major_categories or []),
        "duty_rules": dict(row.duty_rules or {}),
    }
