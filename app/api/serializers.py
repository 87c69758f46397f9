"""Plain dicts for the API's responses, in one place so every endpoint says the same."""

from __future__ import annotations

from typing import Any

from app.api.common import iso
from points.access import can_see_objector
from points.models import Household, LedgerEntry, Resident, Rule, User


def village_dict(village) -> dict[str, Any] | None:
    if village is None:
        return None
    return {"id": village.id, "code": village.code, "name": village.name}


def user_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "roles": sorted(r.value for r in user.roles),
        "village": village_dict(user.village),
    }


def resident_brief(resident: Resident) -> dict[str, Any]:
    return {"id": resident.id, "name": resident.name, "household_id": resident.household_id}


def household_brief(household: Household) -> dict[str, Any]:
    head = household.head
    return {
        "id": household.id,
        "number": household.number,
        "head_name": head.name if head else None,
        "group": household.group.name if household.group else None,
        "balance": household.balance,
    }


def household_detail(household: Household) -> dict[str, Any]:
    return {
        "id": household.id,
        "number": household.number,
        "group": household.group.name if household.group else None,
        "address": household.address,
        "balance": household.balance,
        "pending": household.pending,
        "honour_score": household.honour_score,
        "members": [
            {
                "id": m.id,
                "name": m.name,
                "phone_masked": m.phone_masked,
                "status": m.status.value,
                "is_head": m.is_head,
            }
            for m in household.members
        ],
    }


def ledger_entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    rule_code = None
    if entry.rule_version is not None:
        rule_code = entry.rule_version.rule.code
    return {
        "id": entry.id,
        "seq": entry.seq,
        "amount": entry.amount,
        "honour_delta": entry.honour_delta,
        "kind": entry.kind.value,
        "resident_id": entry.resident_id,
        "resident_name": entry.resident.name if entry.resident else None,
        "rule_code": rule_code,
        "rule_title": entry.rule_version.title if entry.rule_version else None,
        "order_id": entry.source_id if entry.source_type == "order" else None,
        "source": {"type": entry.source_type, "id": entry.source_id} if entry.source_type else None,
        "reverses_id": entry.reverses_id,
        "note": entry.note,
        "created_at": iso(entry.created_at),
        "balance_after": entry.balance_after,
        "hash": entry.hash,
    }


def rule_dict(rule: Rule, version=None) -> dict[str, Any]:
    v = version or rule.latest
    return {
        "id": rule.id,
        "code": rule.code,
        "title": v.title,
        "category": v.category,
        "points": v.points,
        "unit": v.unit.value,
        "monthly_cap": v.monthly_cap,
        "evidence_required": v.evidence_required,
        "needs_review": v.needs_review,
        "claimable": v.claimable,
        "for_donations": v.for_donations,
        "active": rule.active,
        "version": v.version,
        "effective_from": v.effective_from.isoformat(),
        "adopted_ref": v.adopted_ref,
    }


def award_dict(award) -> dict[str, Any]:
    return {
        "id": award.id,
        "status": award.status.value,
        "amount": award.amount,
        "quantity": award.quantity,
        "rule_id": award.rule_id,
        "rule_code": award.rule.code,
        "rule_title": award.rule_version.title,
        "rule_version": award.rule_version.version,
        "resident_id": award.resident_id,
        "resident_name": award.resident.name,
        "household_id": award.household_id,
        "is_claim": award.is_claim,
        "note": award.note,
        "has_evidence": award.evidence_path is not None,
        # A rejected claim's photo is deleted after its objection window; this says when.
        "evidence_removed_at": iso(award.evidence_removed_at),
        "created_by_id": award.created_by_id,
        "created_at": iso(award.created_at),
        "reviewed_by_id": award.reviewed_by_id,
        "reject_reason": award.reject_reason or None,
        "objection_deadline": iso(award.objection_deadline),
        "confirmed_at": iso(award.confirmed_at),
        "entry_id": award.entry_id,
    }


def objection_dict(objection, viewer) -> dict[str, Any]:
    """``resident_id`` (the objector) is null unless ``viewer`` may see who objected."""
    return {
        "id": objection.id,
        "award_id": objection.award_id,
        "status": objection.status.value,
        "reason": objection.reason,
        "resident_id": objection.resident_id if can_see_objector(viewer, objection) else None,
        "created_at": iso(objection.created_at),
        "decided_by_id": objection.decided_by_id,
        "decided_at": iso(objection.decided_at),
        "decision_reason": objection.decision_reason or None,
    }


def rule_version_dict(v) -> dict[str, Any]:
    return {
        "version": v.version,
        "title": v.title,
        "category": v.category,
        "points": v.points,
        "unit": v.unit.value,
        "monthly_cap": v.monthly_cap,
        "evidence_required": v.evidence_required,
        "needs_review": v.needs_review,
        "claimable": v.claimable,
        "for_donations": v.for_donations,
        "effective_from": v.effective_from.isoformat(),
        "adopted_ref": v.adopted_ref,
    }
