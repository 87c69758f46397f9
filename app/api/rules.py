"""积分细则 over the API."""

from __future__ import annotations

from datetime import date

from flask import g
from marshmallow import fields

from app.api import bp
from app.api.common import Body, Query, endpoint, list_response
from app.api.serializers import rule_dict, rule_version_dict
from app.db import get_session
from app.security import require_role
from app.timeutil import village_today
from points import rules
from points.models import Role


class RuleQuery(Query):
    active = fields.Boolean(load_default=None, allow_none=True)


class RuleBody(Body):
    code = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    points = fields.Integer(required=True, strict=True)
    unit = fields.String(load_default="per_time")
    monthly_cap = fields.Integer(load_default=None, allow_none=True, strict=True)
    evidence_required = fields.Boolean(load_default=False)
    needs_review = fields.Boolean(load_default=False)
    claimable = fields.Boolean(load_default=False)
    for_donations = fields.Boolean(load_default=False)
    adopted_ref = fields.String(load_default="")
    effective_from = fields.Date(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)


@bp.get("/rules")
@require_role()
@endpoint(query=RuleQuery, responses={200: "rules"})
def list_rules(args):
    """The village's rules with their current terms."""
    items = rules.list_rules(get_session(), g.actor.village_id, active_only=bool(args["active"]))
    return list_response([rule_dict(r) for r in items], None), 200


@bp.post("/rules")
@require_role(Role.ADMIN)
@endpoint(
    body=RuleBody,
    responses={201: "rule"},
    errors=("bad_request", "duplicate_code"),
    idempotent=True,
)
def create_rule(data):
    """A new rule (version 1)."""
    session = get_session()
    effective: date = data.pop("effective_from") or village_today(g.user.village)
    active = data.pop("active")
    code = data.pop("code")
    rule = rules.create_rule(
        session,
        village_id=g.actor.village_id,
        code=code,
        terms=rules.clean_terms(data),
        effective_from=effective,
        by_id=g.actor.id,
    )
    if not active:
        rules.set_active(session, rule, False, by_id=g.actor.id)
    return rule_dict(rule), 201


class ReviseBody(Body):
    title = fields.String(required=True)
    category = fields.String(required=True)
    points = fields.Integer(required=True, strict=True)
    unit = fields.String(load_default="per_time")
    monthly_cap = fields.Integer(load_default=None, allow_none=True, strict=True)
    evidence_required = fields.Boolean(load_default=False)
    needs_review = fields.Boolean(load_default=False)
    claimable = fields.Boolean(load_default=False)
    for_donations = fields.Boolean(load_default=False)
    adopted_ref = fields.String(load_default="")
    effective_from = fields.Date(load_default=None, allow_none=True)


class ActiveBody(Body):
    active = fields.Boolean(required=True)


def _rule_with_history(rule):
    out = rule_dict(rule)
    out["versions"] = [rule_version_dict(v) for v in reversed(rule.versions)]
    return out


@bp.get("/rules/<int:rule_id>")
@require_role()
@endpoint(responses={200: "rule with its version history"}, errors=("not_found",))
def get_rule(rule_id: int):
    """One rule and every version of its terms, newest first."""
    return _rule_with_history(rules.get_rule(get_session(), g.actor.village_id, rule_id)), 200


@bp.post("/rules/<int:rule_id>/revise")
@require_role(Role.ADMIN)
@endpoint(body=ReviseBody, responses={201: "rule with the new version"}, errors=("not_found",))
def revise_rule(rule_id: int, data):
    """A new version of the rule's terms from ``effective_from``; awards keep their version."""
    session = get_session()
    rule = rules.get_rule(session, g.actor.village_id, rule_id)
    effective: date = data.pop("effective_from") or village_today(g.user.village)
    rules.revise_rule(
        session, rule, terms=rules.clean_terms(data), effective_from=effective, by_id=g.actor.id
    )
    return _rule_with_history(rule), 201


@bp.post("/rules/<int:rule_id>/active")
@require_role(Role.ADMIN)
@endpoint(body=ActiveBody, responses={200: "rule"}, errors=("not_found",))
def set_rule_active(rule_id: int, data):
    """Deactivate (or reactivate) a rule; rules are never deleted."""
    session = get_session()
    rule = rules.get_rule(session, g.actor.village_id, rule_id)
    rules.set_active(session, rule, data["active"], by_id=g.actor.id)
    return rule_dict(rule), 200
