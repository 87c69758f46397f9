"""A village's deliberation settings: 五议 categories, 三不议 reasons, windows and rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit
from points.deliberation.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_DECLINE_REASONS,
    DeliberationSettings,
)
from points.errors import ValidationFailed
from points.models import Rule, User

MAX_ITEMS = 20
MAX_ITEM = 100


def get_settings(session: Session, village_id: int) -> DeliberationSettings:
    """The village's settings, made with the defaults (the reports' wording) when missing."""
    row = session.scalar(
        select(DeliberationSettings).where(DeliberationSettings.village_id == village_id)
    )
    if row is None:
        row = DeliberationSettings(village_id=village_id)
        session.add(row)
        session.flush()
    return row


def current_settings(session: Session, village_id: int) -> DeliberationSettings:
    """The settings for reading: the stored row, or the defaults (nothing written)."""
    row = session.scalar(
        select(DeliberationSettings).where(DeliberationSettings.village_id == village_id)
    )
    if row is not None:
        return row
    return DeliberationSettings(
        village_id=village_id,
        publication_days=5,
        satisfaction_threshold=80,
        categories=list(DEFAULT_CATEGORIES),
        decline_reasons=list(DEFAULT_DECLINE_REASONS),
    )


def _clean_int(value, field: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "must be a whole number"
        return None
    if not low <= value <= high:
        errors[field] = "out of range"
        return None
    return value


def _clean_list(value, field: str, errors: dict[str, str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[field] = "not a valid value"
        return None
    items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if not items or len(items) > MAX_ITEMS or any(len(v) > MAX_ITEM for v in items):
        errors[field] = "out of range"
        return None
    return items


def _clean_rule(session: Session, village_id: int, value, field: str, errors) -> int | None:
    if value in (None, 0):
        return None
    rule = session.get(Rule, value) if isinstance(value, int) else None
    if rule is None or rule.village_id != village_id:
        errors[field] = "unknown rule"
        return None
    if rule.latest.points <= 0:
        errors[field] = "an active rule that awards points"
        return None
    return rule.id


_UNSET = object()


def update_settings(
    session: Session,
    *,
    village_id: int,
    by: User,
    publication_days=None,
    satisfaction_threshold=None,
    categories=None,
    decline_reasons=None,
    proposal_rule_id=_UNSET,
    rating_rule_id=_UNSET,
) -> DeliberationSettings:
    """Change what is given; a rule id of None (or 0) turns that award off."""
    errors: dict[str, str] = {}
    days = _clean_int(publication_days, "publication_days", 0, 30, errors)
    threshold = _clean_int(satisfaction_threshold, "satisfaction_threshold", 0, 100, errors)
    cats = _clean_list(categories, "categories", errors)
    reasons = _clean_list(decline_reasons, "decline_reasons", errors)
    rules = {}
    for field, value in (
        ("proposal_rule_id", proposal_rule_id),
        ("rating_rule_id", rating_rule_id),
    ):
        if value is not _UNSET:
            rules[field] = _clean_rule(session, village_id, value, field, errors)
    if errors:
        raise ValidationFailed(errors)
    row = get_settings(session, village_id)
    before = settings_dict(row)
    if days is not None:
        row.publication_days = days
    if threshold is not None:
        row.satisfaction_threshold = threshold
    if cats is not None:
        row.categories = cats
    if reasons is not None:
        row.decline_reasons = reasons
    for field, value in rules.items():
        setattr(row, field, value)
    session.flush()
    audit.record(
        session,
        action="deliberation.settings",
        obj=row,
        by_id=by.id,
        village_id=village_id,
        before=before,
        after=settings_dict(row),
    )
    return row


def settings_dict(row: DeliberationSettings) -> dict:
    return {
        "publication_days": row.publication_days,
        "satisfaction_threshold": row.satisfaction_threshold,
        "categories": list(row.categories),
        "decline_reasons": list(row.decline_reasons),
        "proposal_rule_id": row.proposal_rule_id,
        "rating_rule_id": row.rating_rule_id,
    }
