"""积分细则: a village's rules, versioned. Editing makes a new version; rules are never deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit
from points.errors import DuplicateCode, NotFound, ValidationFailed
from points.inputs import MAX_ID, check_date, whole_number
from points.models import Rule, RuleUnit, RuleVersion

CATEGORIES = (
    "议事协商",
    "志愿服务",
    "环境卫生",
    "垃圾分类",
    "孝老爱亲",
    "移风易俗",
    "平安建设",
    "文明新风",
    "违反村规民约",
)
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_POINTS = 1000


@dataclass
class RuleTerms:
    """The fields of one rule version, checked."""

    title: str
    category: str
    points: int
    unit: RuleUnit = RuleUnit.PER_TIME
    monthly_cap: int | None = None
    evidence_required: bool = False
    needs_review: bool = False
    claimable: bool = False
    for_donations: bool = False
    adopted_ref: str = ""


def _as_int(value, field: str, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = "must be a whole number"
        return None
    if isinstance(value, str):
        value = whole_number(value)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        errors[field] = "must be a whole number"
        return None
    if isinstance(value, float) and value != number:
        errors[field] = "must be a whole number"
    return number


def clean_terms(data: dict) -> RuleTerms:
    """Validate rule fields from a form, the API or a spreadsheet row."""
    errors: dict[str, str] = {}
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = "required, at most 200 characters"
    category = str(data.get("category") or "").strip()
    if not category or len(category) > 32:
        errors["category"] = "required, at most 32 characters"
    points = _as_int(data.get("points"), "points", errors)
    if points is None and "points" not in errors:
        errors["points"] = "required"
    elif points is not None and (points == 0 or abs(points) > MAX_POINTS):
        errors["points"] = "not zero, at most 1000 either way"
    try:
        unit = RuleUnit(data.get("unit") or RuleUnit.PER_TIME)
    except ValueError:
        errors["unit"] = "per_time or per_hour"
        unit = RuleUnit.PER_TIME
    cap = _as_int(data.get("monthly_cap"), "monthly_cap", errors)
    if cap is not None and cap <= 0:
        errors["monthly_cap"] = "a positive number, or empty for no cap"
    elif cap is not None and cap > MAX_ID:
        errors["monthly_cap"] = "out of range"
    adopted_ref = str(data.get("adopted_ref") or "").strip()
    if len(adopted_ref) > 200:
        errors["adopted_ref"] = "at most 200 characters"
    flags = {}
    for name in ("evidence_required", "needs_review", "claimable", "for_donations"):
        value = data.get(name, False)
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "y", "是", "on")
        elif not isinstance(value, bool) and value is not None:
            errors[name] = "true or false"
        flags[name] = bool(value)
    if errors:
        raise ValidationFailed(errors)
    if points is not None and points < 0:
        # Deductions are always reviewed and posted before they count.
        flags["needs_review"] = True
        flags["claimable"] = False
        flags["for_donations"] = False
    if flags["claimable"]:
        flags["needs_review"] = True
    return RuleTerms(
        title=title,
        category=category,
        points=points or 0,
        unit=unit,
        monthly_cap=cap,
        adopted_ref=adopted_ref,
        **flags,
    )


def get_rule(session: Session, village_id: int, rule_id: int) -> Rule:
    rule = session.get(Rule, rule_id)
    if rule is None or rule.village_id != village_id:
        raise NotFound("rule")
    return rule


def get_rule_by_code(session: Session, village_id: int, code: str) -> Rule | None:
    return session.scalar(select(Rule).where(Rule.village_id == village_id, Rule.code == code))


def list_rules(session: Session, village_id: int, *, active_only: bool = False) -> list[Rule]:
    stmt = select(Rule).where(Rule.village_id == village_id).order_by(Rule.code)
    if active_only:
        stmt = stmt.where(Rule.active.is_(True))
    return list(session.scalars(stmt))


def create_rule(
    session: Session,
    *,
    village_id: int,
    code: str,
    terms: RuleTerms,
    effective_from: date,
    by_id: int | None,
) -> Rule:
    check_date(effective_from, "effective_from")
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationFailed({"code": "1-32 letters, digits, - or _"})
    if get_rule_by_code(session, village_id, code) is not None:
        raise DuplicateCode(rule_code=code)
    rule = Rule(village_id=village_id, code=code)
    session.add(rule)
    session.flush()
    _add_version(session, rule, terms, effective_from, by_id, version=1)
    audit.record(
        session,
        action="rule.create",
        obj=rule,
        by_id=by_id,
        village_id=village_id,
        after={"code": code, **_terms_dict(terms)},
    )
    return rule


def revise_rule(
    session: Session, rule: Rule, *, terms: RuleTerms, effective_from: date, by_id: int | None
) -> RuleVersion:
    """A new version of the rule's terms, in force from ``effective_from``."""
    check_date(effective_from, "effective_from")
    if effective_from < rule.latest.effective_from:
        raise ValidationFailed({"effective_from": "not before the latest version's date"})
    before = _terms_dict(_version_terms(rule.latest))
    version = _add_version(session, rule, terms, effective_from, by_id, rule.latest.version + 1)
    audit.record(
        session,
        action="rule.revise",
        obj=rule,
        by_id=by_id,
        village_id=rule.village_id,
        before=before,
        after=_terms_dict(terms),
    )
    return version


def set_active(session: Session, rule: Rule, active: bool, *, by_id: int | None) -> Rule:
    before = {"active": rule.active}
    rule.active = active
    session.flush()
    audit.record(
        session,
        action="rule.active",
        obj=rule,
        by_id=by_id,
        village_id=rule.village_id,
        before=before,
        after={"active": active},
    )
    return rule


def _add_version(
    session: Session, rule: Rule, terms: RuleTerms, effective_from: date, by_id, version: int
) -> RuleVersion:
    row = RuleVersion(
        rule_id=rule.id,
        version=version,
        title=terms.title,
        category=terms.category,
        points=terms.points,
        unit=terms.unit,
        monthly_cap=terms.monthly_cap,
        evidence_required=terms.evidence_required,
        needs_review=terms.needs_review,
        claimable=terms.claimable,
        for_donations=terms.for_donations,
        effective_from=effective_from,
        adopted_ref=terms.adopted_ref,
        created_by_id=by_id,
    )
    session.add(row)
    session.flush()
    session.expire(rule, ["versions"])
    return row


def _version_terms(v: RuleVersion) -> RuleTerms:
    return RuleTerms(
        title=v.title,
        category=v.category,
        points=v.points,
        unit=v.unit,
        monthly_cap=v.monthly_cap,
        evidence_required=v.evidence_required,
        needs_review=v.needs_review,
        claimable=v.claimable,
        for_donations=v.for_donations,
        adopted_ref=v.adopted_ref,
    )


def _terms_dict(t: RuleTerms) -> dict:
    return {
        "title": t.title,
        "category": t.category,
        "points": t.points,
        "unit": t.unit.value,
        "monthly_cap": t.monthly_cap,
        "evidence_required": t.evidence_required,
        "needs_review": t.needs_review,
        "claimable": t.claimable,
        "for_donations": t.for_donations,
        "adopted_ref": t.adopted_ref,
    }


terms_of = _version_terms  # the terms of a version, comparable with clean_terms' result
