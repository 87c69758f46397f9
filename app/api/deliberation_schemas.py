"""Request bodies of the deliberation API (bodies, representatives, meetings and votes,
四议两公开, escalation)."""

from __future__ import annotations

from marshmallow import fields

from app.api.common import Body, id_field


class BodyBody(Body):
    kind = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True)
    honorary_head = fields.String(load_default="")
    rules_text = fields.String(load_default="")


class BodyPatch(Body):
    name = fields.String(load_default=None, allow_none=True)
    honorary_head = fields.String(load_default=None, allow_none=True)
    rules_text = fields.String(load_default=None, allow_none=True)


class MemberBody(Body):
    role = fields.String(required=True)
    resident_id = id_field(load_default=None, allow_none=True, strict=True)
    name = fields.String(load_default=None, allow_none=True)
    organisation = fields.String(load_default="")
    phone = fields.String(load_default="")
    duty = fields.String(load_default="")
    term_start = fields.String(load_default=None, allow_none=True)
    term_end = fields.String(load_default=None, allow_none=True)
    by_election = fields.Boolean(load_default=False)
    x_kind = fields.String(load_default="")
    topic_id = id_field(load_default=None, allow_none=True, strict=True)
    talent_id = id_field(load_default=None, allow_none=True, strict=True)


class LeaveBody(Body):
    left_on = fields.String(required=True)


class TalentBody(Body):
    name = fields.String(load_default=None, allow_none=True)
    resident_id = id_field(load_default=None, allow_none=True, strict=True)
    organisation = fields.String(load_default="")
    phone = fields.String(load_default="")
    skills = fields.String(required=True)


class TermBody(Body):
    name = fields.String(load_default="")
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True)


class NominateBody(Body):
    resident_id = id_field(required=True, strict=True)


class SignBody(Body):
    household_id = id_field(required=True, strict=True)


class ConfirmBody(Body):
    present = fields.Integer(required=True, strict=True)
    votes_for = fields.Integer(required=True, strict=True)
    event_id = id_field(load_default=None, allow_none=True, strict=True)


class MeetingKindBody(Body):
    kind = fields.String(required=True)
    topic_ids = fields.List(id_field(strict=True), load_default=list)
    title = fields.String(load_default="")
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    rule_id = id_field(required=True, strict=True)
    location = fields.String(load_default="")
    notice = fields.String(load_default="")


class CountBody(Body):
    votes_for = fields.Integer(required=True, strict=True, data_key="for")
    against = fields.Integer(required=True, strict=True)
    abstain = fields.Integer(required=True, strict=True)
    minutes = fields.String(load_default="")
    result = fields.String(load_default="")


class BallotBody(Body):
    resident_id = id_field(required=True, strict=True)
    choice = fields.String(required=True)


class CloseBody(Body):
    minutes = fields.String(load_default="")
    result = fields.String(load_default="")


class MeetingSettingsBody(Body):
    households_per_representative = fields.Integer(load_default=None, allow_none=True, strict=True)
    quorum = fields.Dict(load_default=None, allow_none=True)
    passing = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)
    major_categories = fields.List(fields.String(), load_default=None, allow_none=True)
    duty_rules = fields.Dict(load_default=None, allow_none=True)


class ChainBody(Body):
    category = fields.String(required=True)


class StageBody(Body):
    stage = fields.String(required=True)
    event_id = id_field(load_default=None, allow_none=True, strict=True)
    note = fields.String(load_default="")


class EscalateBody(Body):
    level = fields.String(required=True)
    reason = fields.String(required=True)
