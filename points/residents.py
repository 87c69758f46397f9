"""Households and residents: create, edit, move, mark moved out, and search."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from points import audit, tallies
from points.clock import now
from points.db import lock_row
from points.errors import DuplicateHouseholdNumber, DuplicatePhone, NotFound, ValidationFailed
from points.models import Household, Resident, ResidentStatus, Role
from points.villages import get_or_create_group

HOUSEHOLD_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{6,19}$")
HOUSEHOLD_FIELDS = ["number", "group_id", "address"]
RESIDENT_FIELDS = ["name", "phone", "household_id", "status", "is_head"]


def name_initials(name: str) -> str:
    """Pinyin initials in lower case: 张建国 -> "zjg"; latin letters are kept."""
    # pypinyin's dictionaries take ~56 MB: loaded by the first worker that needs them only.
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415

    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p.lower() for p in parts).replace(" ", "")


def name_pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    return "".join(lazy_pinyin(name)).lower().replace(" ", "")


def clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": "required"})
    if len(name) > 50:
        raise ValidationFailed({"name": "at most 50 characters"})
    return name


def clean_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip().replace(" ", "")
    if not phone:
        return None
    if not PHONE_RE.match(phone):
        raise ValidationFailed({"phone": "not a phone number"})
    return phone


def clean_household_number(number: str | None) -> str:
    number = (number or "").strip()
    if not HOUSEHOLD_NUMBER_RE.match(number):
        raise ValidationFailed({"household_number": "1-32 letters, digits or -"})
    return number


def get_household(session: Session, village_id: int, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None or household.village_id != village_id:
        raise NotFound("household")
    return household


def find_household_by_number(session: Session, village_id: int, number: str) -> Household | None:
    return session.scalar(
        select(Household).where(Household.village_id == village_id, Household.number == number)
    )


def find_resident(
    session: Session, village_id: int, household_number: str | None, name: str | None
) -> int | None:
    """The id of the resident named ``name`` in household ``household_number``: how the
    committee says which villager a staff login belongs to. None when both are empty."""
    number, name = (household_number or "").strip(), (name or "").strip()
    if not number and not name:
        return None
    household = find_household_by_number(session, village_id, number) if number else None
    match = [r for r in household.members if r.name == name] if household is not None else []
    if len(match) != 1:
        raise ValidationFailed({"resident": "no such resident in that household"})
    return match[0].id


def get_resident(session: Session, village_id: int, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None or resident.village_id != village_id:
        raise NotFound("resident")
    return resident


def create_household(
    session: Session,
    *,
    village_id: int,
    number: str,
    group: str | None = None,
    address: str = "",
    by_id: int | None = None,
) -> Household:
    number = clean_household_number(number)
    if len(address or "") > 200:
        raise ValidationFailed({"address": "at most 200 characters"})
    if find_household_by_number(session, village_id, number) is not None:
        raise DuplicateHouseholdNumber(number=number)
    group_row = get_or_create_group(session, village_id, group) if group else None
    household = Household(
        village_id=village_id,
        number=number,
        group_id=group_row.id if group_row else None,
        address=(address or "").strip(),
    )
    session.add(household)
    session.flush()
    tallies.record_household(session, household)
    audit.record(
        session,
        action="household.create",
        obj=household,
        by_id=by_id,
        village_id=village_id,
        after=audit.snapshot(household, HOUSEHOLD_FIELDS),
    )
    return household


def update_household(
    session: Session,
    household: Household,
    *,
    number: str,
    group: str | None,
    address: str,
    by_id: int | None,
) -> Household:
    number = clean_household_number(number)
    if len(address or "") > 200:
        raise ValidationFailed({"address": "at most 200 characters"})
    other = find_household_by_number(session, household.village_id, number)
    if other is not None and other.id != household.id:
        raise DuplicateHouseholdNumber(number=number)
    before = audit.snapshot(household, HOUSEHOLD_FIELDS)
    group_row = get_or_create_group(session, household.village_id, group) if group else None
    household.number = number
    household.group_id = group_row.id if group_row else None
    household.address = (address or "").strip()
    session.flush()
    audit.record(
        session,
        action="household.update",
        obj=household,
        by_id=by_id,
        village_id=household.village_id,
        before=before,
        after=audit.snapshot(household, HOUSEHOLD_FIELDS),
    )
    return household


def _check_phone_free(
    session: Session, village_id: int, phone: str | None, resident_id: int | None
):
    if phone is None:
        return
    other = session.scalar(
        select(Resident.id).where(Resident.village_id == village_id, Resident.phone == phone)
    )
    if other is not None and other != resident_id:
        raise DuplicatePhone(phone=phone)


def create_resident(
    session: Session,
    *,
    village_id: int,
    household_number: str,
    name: str,
    phone: str | None = None,
    group: str | None = None,
    is_head: bool = False,
    username: str | None = None,
    password: str | None = None,
    by_id: int | None = None,
) -> Resident:
    """A new resident in the household with that number (created when new).

    With a username and password the resident also gets a login with the resident role.
    """
    from points import users  # users imports residents' validators

    errors: dict[str, str] = {}
    for _field_name, check in (
        ("name", lambda: clean_name(name)),
        ("phone", lambda: clean_phone(phone)),
        ("household_number", lambda: clean_household_number(household_number)),
    ):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if bool(username) != bool(password):
        errors["username" if not username else "password"] = "username and password go together"
    if username and password:
        errors.update(users.credential_problems(username, password))
    if errors:
        raise ValidationFailed(errors)
    name, phone = clean_name(name), clean_phone(phone)
    number = clean_household_number(household_number)
    _check_phone_free(session, village_id, phone, None)
    if username:
        users.check_username_free(session, username, village_id)
    household = find_household_by_number(session, village_id, number)
    if household is None:
        household = create_household(
            session, village_id=village_id, number=number, group=group, by_id=by_id
        )
        is_head = True if not is_head else is_head
    resident = Resident(
        village_id=village_id,
        household_id=household.id,
        name=name,
        name_initials=name_initials(name),
        name_pinyin=name_pinyin(name),
        phone=phone,
        is_head=is_head,
    )
    session.add(resident)
    session.flush()
    tallies.record_resident(session, resident, 1)
    audit.record(
        session,
        action="resident.create",
        obj=resident,
        by_id=by_id,
        village_id=village_id,
        after=audit.snapshot(resident, RESIDENT_FIELDS),
    )
    if username and password:
        users.create_user(
            session,
            username=username,
            password=password,
            village_id=village_id,
            roles=[Role.RESIDENT],
            resident_id=resident.id,
            by_id=by_id,
        )
    return resident


def update_resident(
    session: Session,
    resident: Resident,
    *,
    name: str,
    phone: str | None,
    is_head: bool,
    by_id: int | None,
) -> Resident:
    errors: dict[str, str] = {}
    for check in (lambda: clean_name(name), lambda: clean_phone(phone)):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    name, phone = clean_name(name), clean_phone(phone)
    _check_phone_free(session, resident.village_id, phone, resident.id)
    before = audit.snapshot(resident, RESIDENT_FIELDS)
    resident.name = name
    resident.name_initials = name_initials(name)
    resident.name_pinyin = name_pinyin(name)
    resident.phone = phone
    resident.is_head = is_head
    session.flush()
    audit.record(
        session,
        action="resident.update",
        obj=resident,
        by_id=by_id,
        village_id=resident.village_id,
        before=before,
        after=audit.snapshot(resident, RESIDENT_FIELDS),
    )
    return resident


def move_resident(
    session: Session, resident: Resident, *, household_number: str, by_id: int | None
) -> Resident:
    """Move a resident to another household of the village (created when new).

    Points stay with the household that earned them: a household's balance is not split.
    """
    number = clean_household_number(household_number)
    target = find_household_by_number(session, resident.village_id, number)
    if target is None:
        target = create_household(
            session, village_id=resident.village_id, number=number, by_id=by_id
        )
    if target.id == resident.household_id:
        raise ValidationFailed({"household_number": "already in this household"})
    before = audit.snapshot(resident, RESIDENT_FIELDS)
    resident.household_id = target.id
    resident.is_head = False
    session.flush()
    session.expire(resident, ["household"])
    audit.record(
        session,
        action="resident.move",
        obj=resident,
        by_id=by_id,
        village_id=resident.village_id,
        before=before,
        after=audit.snapshot(resident, RESIDENT_FIELDS),
    )
    return resident


def lock_resident(session: Session, resident: Resident) -> Resident:
    """Hold a resident's row for a change of it (PostgreSQL ``FOR UPDATE``; SQLite's write
    lock) and read it again under the lock: two changes at once apply one after the other."""
    return lock_row(session, Resident, resident.id)


def set_status(
    session: Session, resident: Resident, *, status: ResidentStatus | str, by_id: int | None
) -> Resident:
    try:
        status = ResidentStatus(status)
    except ValueError:
        raise ValidationFailed({"status": "unknown status"}) from None
    resident = lock_resident(session, resident)
    before = audit.snapshot(resident, RESIDENT_FIELDS)
    was = resident.status
    resident.status = status
    if status != was:
        resident.status_changed_at = now()
    session.flush()
    tallies.record_status_change(session, resident, was)
    if status != ResidentStatus.ACTIVE:
        from points import users  # noqa: PLC0415  (users imports residents' validators)

        users.end_resident_login(session, resident.id, why=status.value, by_id=by_id)
    audit.record(
        session,
        action="resident.status",
        obj=resident,
        by_id=by_id,
        village_id=resident.village_id,
        before=before,
        after=audit.snapshot(resident, RESIDENT_FIELDS),
    )
    return resident


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(value: int) -> str:
    """An opaque position in a list; today simply the last id or sequence number seen."""
    return str(value)


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 10 or int(cursor) > 2**31 - 1:
        raise ValidationFailed({"cursor": "invalid cursor"})
    return int(cursor)


def clean_limit(limit: int | str | None, default: int = 50, maximum: int = 500) -> int:
    if limit in (None, ""):
        return default
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": "must be a whole number"}) from None
    if not 1 <= value <= maximum:
        raise ValidationFailed({"limit": "out of range"})
    return value


def search_households(
    session: Session,
    village_id: int,
    q: str | None = None,
    *,
    limit: int = 50,
    cursor: str | None = None,
    include_inactive: bool = True,
    group_id: int | None = None,
    by_number: bool = False,
) -> Page:
    """Households matching ``q`` by number, member name or pinyin initials, ordered by id
    (or by number, shorter numbers first: 2 before 10), of one 村民小组 when given."""
    key = (func.length(Household.number), Household.number, Household.id)
    stmt = (
        select(Household)
        .where(Household.village_id == village_id)
        .options(selectinload(Household.members))
        .order_by(*(key if by_number else (Household.id,)))
    )
    if group_id is not None:
        stmt = stmt.where(Household.group_id == group_id)
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        members = select(Resident.household_id).where(
            Resident.village_id == village_id,
            or_(
                Resident.name.like(like),
                Resident.name_initials.like(f"{q.lower()}%"),
                Resident.name_pinyin.like(f"{q.lower()}%"),
                Resident.phone == q,
            ),
        )
        stmt = stmt.where(or_(Household.number.like(like), Household.id.in_(members)))
    after = decode_cursor(cursor)
    if after is not None and by_number:
        last = session.execute(
            select(*key).where(Household.id == after, Household.village_id == village_id)
        ).first()
        if last is not None:
            size, number, hid = last
            length = func.length(Household.number)
            stmt = stmt.where(
                or_(
                    length > size,
                    (length == size) & (Household.number > number),
                    (length == size) & (Household.number == number) & (Household.id > hid),
                )
            )
    elif after is not None:
        stmt = stmt.where(Household.id > after)
    rows = list(session.scalars(stmt.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def search_residents(
    session: Session, village_id: int, q: str, *, limit: int = 20, active_only: bool = True
) -> list[Resident]:
    """Residents matching a name, pinyin initials, household number or phone."""
    q = (q or "").strip()
    if not q:
        return []
    stmt = (
        select(Resident)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.village_id == village_id)
        .where(
            or_(
                Resident.name.like(f"%{q}%"),
                Resident.name_initials.like(f"{q.lower()}%"),
                Resident.name_pinyin.like(f"{q.lower()}%"),
                Household.number == q,
                Resident.phone == q,
            )
        )
        .order_by(func.length(Resident.name_initials), Resident.id)
        .limit(limit)
    )
    if active_only:
        stmt = stmt.where(Resident.status == ResidentStatus.ACTIVE)
    return list(session.scalars(stmt))


def household_numbers(session: Session, village_id: int) -> dict[int, str]:
    """The village's households' numbers (户号) by id: pages show numbers, never ids."""
    stmt = select(Household.id, Household.number).where(Household.village_id == village_id)
    return dict(session.execute(stmt).all())
