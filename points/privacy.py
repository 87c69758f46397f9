"""Personal information (PIPL): a resident's own data to download, anonymisation after the
village's retention period, and the record of who exported what.

Anonymising keeps the books whole: a ledger entry's hash covers ids, amounts, kinds, times
and the entry's note (points.ledger.HASHED_COLUMNS), never a name or a phone, so replacing
those leaves every chain, head and balance as it was.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.errors import DomainError, ValidationFailed
from points.event_models import Attendance, Event
from points.models import (
    ApiToken,
    AuditLog,
    Award,
    IdempotencyRecord,
    LedgerEntry,
    Resident,
    ResidentStatus,
    RuleVersion,
    User,
    Village,
)
from points.residents import lock_resident
from points.sheets import xlsx_row

ANONYMOUS = "已匿名"  # the name an anonymised resident gets, with the id after it
EXPORT_ACTION = "personal_data.export"
ANONYMISE_ACTION = "resident.anonymise"
MAX_RETENTION_DAYS = 36500
PERSONAL_KEYS = ("name", "phone", "full_name", "username", "name_initials", "name_pinyin")


class NotDueForAnonymisation(DomainError):
    """Still active, or the retention period has not passed since the resident left."""

    code = "not_due_for_anonymisation"


class AlreadyAnonymised(DomainError):
    code = "already_anonymised"


def set_retention(session: Session, village: Village, days: Any, *, by_id: int | None) -> None:
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationFailed({"retention_days": "a whole number of days"}) from None
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise ValidationFailed({"retention_days": "between 0 and 36500 days"})
    before = {"retention_days": village.retention_days}
    village.retention_days = days
    session.flush()
    audit.record(
        session,
        action="village.retention",
        obj=village,
        by_id=by_id,
        village_id=village.id,
        before=before,
        after={"retention_days": days},
    )


def due_at(resident: Resident, village: Village) -> datetime | None:
    """When the resident may be anonymised; None while active (or already anonymised)."""
    if resident.status == ResidentStatus.ACTIVE or resident.anonymised_at is not None:
        return None
    if resident.status_changed_at is None:
        return None
    return resident.status_changed_at + timedelta(days=village.retention_days)


def due_residents(session: Session, village: Village) -> list[Resident]:
    """Moved-out and deceased residents whose retention period is over, not yet anonymised."""
    cutoff = now() - timedelta(days=village.retention_days)
    return list(
        session.scalars(
            select(Resident)
            .where(
                Resident.village_id == village.id,
                Resident.status != ResidentStatus.ACTIVE,
                Resident.anonymised_at.is_(None),
                Resident.status_changed_at <= cutoff,
            )
            .order_by(Resident.status_changed_at, Resident.id)
        )
    )


def _replace_in(value: Any, old: dict[str, str | None]) -> Any:
    """``value`` (a JSON value) with every string equal to an old name or phone replaced."""
    if isinstance(value, dict):
        return {k: _replace_in(v, old) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in(v, old) for v in value]
    if isinstance(value, str) and value in old:
        return old[value]
    return value


def _scrub_replies(session: Session, village_id: int, old: dict[str, str | None]) -> int:
    """Stored idempotent replies (a check-in's answer names the resident) of the village's
    users that hold the old name or phone."""
    changed = 0
    rows = session.scalars(
        select(IdempotencyRecord)
        .join(User, User.id == IdempotencyRecord.user_id)
        .where(User.village_id == village_id)
    )
    for row in rows:
        text = json.dumps(row.response, ensure_ascii=False)
        if any(o in text for o in old):
            row.response = _replace_in(row.response, old)
            changed += 1
    return changed


def _scrub(snapshot: dict | None, replacement: dict[str, Any]) -> dict | None:
    if not snapshot:
        return snapshot
    return {k: (replacement.get(k) if k in PERSONAL_KEYS else v) for k, v in snapshot.items()}


def anonymise(
    session: Session,
    resident: Resident,
    village: Village,
    *,
    by_id: int | None,
    uploads_dir: Path | None = None,
) -> int:
    """Replace the resident's name and phone, close their login, remove their evidence
    photos and scrub their name from the audit log's snapshots and the stored idempotent
    replies. Returns the photos removed. Free text typed by staff (notes, reasons) is kept
    as typed: a ledger entry's note is in its hash. The roster's birth year, sex, relation
    and id number's last four go too."""
    resident = lock_resident(session, resident)
    if resident.anonymised_at is not None:
        raise AlreadyAnonymised()
    due = due_at(resident, village)
    if due is None or now() < due:
        raise NotDueForAnonymisation(due=due.isoformat() if due else None)
    old = {resident.name: f"{ANONYMOUS}{resident.id}"}
    if resident.phone:
        old[resident.phone] = None
    resident.name = f"{ANONYMOUS}{resident.id}"
    resident.name_initials = ""
    resident.name_pinyin = ""
    resident.phone = None
    resident.birth_year, resident.id_last4, resident.sex, resident.relation = None, "", "", ""
    resident.card_version += 1  # a printed card stops working
    resident.anonymised_at = now()
    replacement = {"name": resident.name, "phone": None, "full_name": "", "username": ""}
    users = list(session.scalars(select(User).where(User.resident_id == resident.id)))
    for user in users:
        user.username = f"anonymised-{user.id}"
        user.full_name = ""
        user.password_hash = "!"  # matches no password
        user.active = False
        user.session_version += 1  # signs out every browser
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now())
        )
    removed = 0
    for award in session.scalars(
        select(Award).where(Award.resident_id == resident.id, Award.evidence_path.is_not(None))
    ):
        if uploads_dir is not None:
            photo = (uploads_dir / award.evidence_path).resolve()
            if photo.is_relative_to(uploads_dir.resolve()) and photo.exists():
                photo.unlink()
                removed += 1
        award.evidence_path = None
    targets = [("resident", resident.id)] + [("user", u.id) for u in users]
    for object_type, object_id in targets:
        for row in session.scalars(
            select(AuditLog).where(
                AuditLog.object_type == object_type, AuditLog.object_id == object_id
            )
        ):
            row.before = _scrub(row.before, replacement)
            row.after = _scrub(row.after, replacement)
    replies = _scrub_replies(session, resident.village_id, old)
    session.flush()
    audit.record(
        session,
        action=ANONYMISE_ACTION,
        obj=resident,
        by_id=by_id,
        village_id=resident.village_id,
        after={"photos_removed": removed, "logins_closed": len(users), "replies": replies},
    )
    return removed


def record_export(
    session: Session, *, kind: str, by_id: int | None, village_id: int | None, **what: Any
) -> None:
    """The record of who exported what (never the exported data itself)."""
    audit.record(
        session,
        action=EXPORT_ACTION,
        object_type=kind[:32],
        object_id=what.pop("object_id", None),
        by_id=by_id,
        village_id=village_id,
        after=what or None,
    )


def exports(session: Session, village_id: int, *, limit: int = 50) -> list[AuditLog]:
    """The village's latest exports and anonymisations, newest first."""
    return list(
        session.scalars(
            select(AuditLog)
            .where(
                AuditLog.village_id == village_id,
                AuditLog.action.in_((EXPORT_ACTION, ANONYMISE_ACTION)),
            )
            .order_by(AuditLog.id.desc())
            .limit(limit)
        )
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def personal_data(session: Session, resident: Resident) -> dict[str, Any]:
    """Everything Cunyue keeps about one resident, as plain values."""
    household = resident.household
    login = session.scalars(select(User).where(User.resident_id == resident.id)).first()
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.resident_id == resident.id)
        .order_by(LedgerEntry.household_id, LedgerEntry.seq)
    )
    awards = session.execute(
        select(Award, RuleVersion.title)
        .join(RuleVersion, RuleVersion.id == Award.rule_version_id)
        .where(Award.resident_id == resident.id)
        .order_by(Award.id)
    )
    attendances = session.execute(
        select(Attendance, Event.title)
        .join(Event, Event.id == Attendance.event_id)
        .where(Attendance.resident_id == resident.id)
        .order_by(Attendance.id)
    )
    return {
        "exported_at": _iso(now()),
        "resident": {
            "id": resident.id,
            "name": resident.name,
            "phone": resident.phone,
            "status": resident.status.value,
            "is_head": resident.is_head,
            "registered_at": _iso(resident.created_at),
            "login": login.username if login else None,
        },
        "household": {
            "number": household.number,
            "balance": household.balance,
            "pending": household.pending,
            "honour_score": household.honour_score,
        },
        "ledger": [
            {
                "at": _iso(e.created_at),
                "amount": e.amount,
                "kind": e.kind.value,
                "note": e.note,
                "household_balance_after": e.balance_after,
            }
            for e in entries
        ],
        "awards": [
            {
                "at": _iso(a.created_at),
                "rule": title,
                "amount": a.amount,
                "status": a.status.value,
                "note": a.note,
                "has_photo": a.evidence_path is not None,
            }
            for a, title in awards
        ],
        "attendance": [
            {
                "event": title,
                "checked_in_at": _iso(a.checked_in_at),
                "checked_out_at": _iso(a.checked_out_at),
                "points": a.points_awarded,
                "undone": a.undone_at is not None,
            }
            for a, title in attendances
        ],
    }


def personal_data_xlsx(data: dict[str, Any], titles: dict[str, str]) -> bytes:
    """The data as a workbook, a sheet a section; every text is a text cell, never a
    formula (a note typed as "=HYPERLINK(...)" stays that text)."""
    from openpyxl import Workbook  # noqa: PLC0415  (only when someone downloads)

    book = Workbook(write_only=True)

    for section in ("resident", "household"):
        sheet = book.create_sheet(titles.get(section, section)[:31])
        for key, value in data[section].items():
            sheet.append(xlsx_row(sheet, [titles.get(key, key), value]))
    for section in ("ledger", "awards", "attendance"):
        sheet = book.create_sheet(titles.get(section, section)[:31])
        items = data[section]
        if items:
            keys = list(items[0])
            sheet.append(xlsx_row(sheet, [titles.get(k, k) for k in keys]))
            for item in items:
                sheet.append(xlsx_row(sheet, [item[k] for k in keys]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
