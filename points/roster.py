"""Import the village's roster (村民花名册) from an .xlsx sheet: template, column mapping,
preview with row-level errors, all or nothing.

The roster is the whole village: a row names a person and the household (户号) they live
in. Importing it again changes nothing; a changed roster moves people between households,
marks those no longer listed as moved out (through :func:`points.residents.set_status`,
never deleted) and adds the new ones. Of a 身份证号 only the last four characters are kept.

A row is matched to a resident already known by name, and, where both sides have them, by
birth year and the id number's last four; a match in the same household comes first. Two
residents of the same name that nothing tells apart are an error of that row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import audit, residents, tallies, xlsx
from points.clock import now
from points.errors import DomainError
from points.models import Group, Household, Resident, ResidentStatus
from points.sheets import xlsx_row
from points.villages import get_or_create_group

MAX_ROWS = 10000

# The template's columns, in order, with their field names.
COLUMNS = (
    ("number", "户号"),
    ("name", "姓名"),
    ("sex", "性别"),
    ("birth_year", "出生年份"),
    ("phone", "电话"),
    ("group", "村民小组"),
    ("relation", "与户主关系"),
    ("id_number", "身份证号"),
)
LABELS = dict(COLUMNS)
FIELDS = tuple(f for f, _ in COLUMNS)
REQUIRED = ("number", "name")
# Header text (as found in rosters people keep) → field name.
ALIASES = {
    **{label: f for f, label in COLUMNS},
    **{f: f for f in FIELDS},
    "household_number": "number",
    "户编号": "number",
    "户主户号": "number",
    "名字": "name",
    "手机": "phone",
    "手机号": "phone",
    "联系电话": "phone",
    "小组": "group",
    "组别": "group",
    "关系": "relation",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "出生年": "birth_year",
}
SEXES = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
HEAD_RELATIONS = frozenset({"户主", "本人"})
ID_RE = re.compile(r"^(\d{17}[\dX]|\d{15})$")


class RosterInvalid(DomainError):
    """Some row is wrong: nothing is written."""

    code = "invalid_rows"
    status = 422


@dataclass
class RowError:
    row: int  # the sheet's row number (the header is row 1)
    column: str  # the template's header (户号, 姓名...), "" for the sheet as a whole
    message: str  # an untranslated message id

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Person:
    row: int
    number: str = ""
    name: str = ""
    sex: str = ""
    birth_year: int | None = None
    phone: str | None = None
    group: str = ""
    relation: str = ""
    id_last4: str = ""
    given: frozenset = frozenset()  # the fields the sheet has a column for

    @property
    def is_head(self) -> bool | None:
        """户主 by 与户主关系; None (leave as it is) when the sheet has no such column."""
        return self.relation in HEAD_RELATIONS if "relation" in self.given else None


@dataclass
class Change:
    person: Person
    kind: str  # "create", "update", "move", "unchanged"
    resident: Resident | None = None
    from_number: str = ""


@dataclass
class Preview:
    headers: list[str]
    mapping: dict[str, int]  # field → the sheet's column index
    changes: list[Change] = field(default_factory=list)
    leavers: list[Resident] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # The rows were matched with the village's residents, so the changes are known. A bad
    # column or cell stops the reading before that: nothing is counted then.
    counted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def column_errors(self) -> bool:
        """A column is missing or chosen wrong (the header row's errors): the mapping of
        columns is what needs the admin's attention."""
        return any(e.row == 1 and e.column for e in self.errors)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def summary(self) -> dict:
        return {
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "moved": self.count("move"),
            "left": len(self.leavers),
            "errors": [e.as_dict() for e in self.errors],
        }


def template() -> bytes:
    """The empty roster to download: the header row only."""
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(xlsx_row(sheet, [label for _, label in COLUMNS]))
    import io  # noqa: PLC0415

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _mapping(headers: list[str], chosen: dict[str, str] | None) -> tuple[dict[str, int], list]:
    """Which column holds which field: the admin's choice first, else a known header."""
    errors: list[RowError] = []
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        f = ALIASES.get(header) or ALIASES.get(header.lower())
        if f is not None and f not in found:
            found[f] = index
    for f, header in (chosen or {}).items():
        if f not in LABELS:
            continue
        if not header:
            found.pop(f, None)
        elif header in headers:
            found[f] = headers.index(header)
        else:
            errors.append(RowError(1, LABELS[f], "no such column in the sheet"))
    for f in REQUIRED:
        if f not in found:
            errors.append(RowError(1, LABELS[f], "column missing"))
    return found, errors


def _parse(row_number: int, values: tuple, mapping: dict[str, int], this_year: int, errors):
    def get(f: str):
        i = mapping.get(f)
        return values[i] if i is not None and i < len(values) else None

    p = Person(row=row_number, given=frozenset(mapping))

    def bad(f: str, message: str) -> None:
        errors.append(RowError(row_number, LABELS[f], message))

    p.number = xlsx.text(get("number"))
    if not residents.HOUSEHOLD_NUMBER_RE.match(p.number):
        bad("number", "1-32 letters, digits or -")
    p.name = xlsx.text(get("name"))
    if not p.name:
        bad("name", "required")
    elif len(p.name) > 50:
        bad("name", "at most 50 characters")
    sex = xlsx.text(get("sex"))
    if sex:
        p.sex = SEXES.get(sex.lower(), "")
        if not p.sex:
            bad("sex", "男 or 女")
    year = get("birth_year")
    if year not in (None, ""):
        text = xlsx.text(year)
        if text.isdigit() and 1900 <= int(text) <= this_year:
            p.birth_year = int(text)
        else:
            bad("birth_year", "a year such as 1968")
    phone = xlsx.text(get("phone")).replace(" ", "")
    if phone:
        if residents.PHONE_RE.match(phone):
            p.phone = phone
        else:
            bad("phone", "not a phone number")
    p.group = xlsx.text(get("group"))
    if len(p.group) > 50:
        bad("group", "at most 50 characters")
    p.relation = xlsx.text(get("relation"))
    if len(p.relation) > 20:
        bad("relation", "at most 20 characters")
    raw_id = get("id_number")
    if isinstance(raw_id, float | int) and not isinstance(raw_id, bool) and raw_id > 1e14:
        bad("id_number", "write the id number as text")  # a float has lost its last digits
    else:
        id_text = xlsx.text(raw_id).upper()
        if id_text:
            if ID_RE.match(id_text):
                p.id_last4 = id_text[-4:]
            else:
                bad("id_number", "not an id number")
    return p


def _fits(r: Resident, p: Person) -> bool:
    if r.birth_year and p.birth_year and r.birth_year != p.birth_year:
        return False
    return not (r.id_last4 and p.id_last4 and r.id_last4 != p.id_last4)


def read(
    session: Session, village_id: int, data: bytes, mapping: dict[str, str] | None = None
) -> Preview:
    """Parse and check the sheet against the village's residents; writes nothing."""
    raw = xlsx.read_rows(data, max_rows=MAX_ROWS + 1)
    if not raw:
        return Preview([], {}, errors=[RowError(1, "", "the sheet is empty")])
    headers = [xlsx.text(h) for h in raw[0]]
    columns, errors = _mapping(headers, mapping)
    preview = Preview(headers, columns, errors=errors)
    if errors:
        return preview
    if len(raw) > MAX_ROWS + 1:
        preview.errors.append(RowError(MAX_ROWS + 2, "", "at most 10000 rows"))
        return preview
    this_year = now().year
    people: list[Person] = []
    for number, values in enumerate(raw[1:], start=2):
        if all(v in (None, "") for v in values):
            continue
        people.append(_parse(number, values, columns, this_year, preview.errors))
    if not people:
        preview.errors.append(RowError(2, "", "the sheet is empty"))
        return preview
    _check_sheet(people, preview.errors)
    if preview.errors:
        preview.errors.sort(key=lambda e: e.row)
        return preview
    _match(session, village_id, people, preview)
    preview.counted = True
    preview.errors.sort(key=lambda e: e.row)
    return preview


def _check_sheet(people: list[Person], errors: list[RowError]) -> None:
    """What the sheet must agree with itself on: one group per household, a phone once,
    a person once."""
    groups: dict[str, str] = {}
    phones: dict[str, int] = {}
    seen: dict[tuple, int] = {}
    for p in people:
        if p.number in groups and p.group and groups[p.number] and groups[p.number] != p.group:
            errors.append(
                RowError(p.row, LABELS["group"], "another row puts this household in another group")
            )
        elif p.group:
            groups.setdefault(p.number, p.group)
        if p.phone:
            if p.phone in phones:
                errors.append(RowError(p.row, LABELS["phone"], "appears twice in the sheet"))
            phones.setdefault(p.phone, p.row)
        key = (p.number, p.name, p.birth_year, p.id_last4)
        if key in seen:
            errors.append(RowError(p.row, LABELS["name"], "appears twice in the sheet"))
        seen.setdefault(key, p.row)


def _match(session: Session, village_id: int, people: list[Person], preview: Preview) -> None:
    known = list(
        session.scalars(
            select(Resident)
            .where(
                Resident.village_id == village_id,
                Resident.anonymised_at.is_(None),
                Resident.status.in_([ResidentStatus.ACTIVE, ResidentStatus.MOVED_OUT]),
            )
            .order_by(Resident.id)
        )
    )
    numbers = dict(
        session.execute(
            select(Household.id, Household.number).where(Household.village_id == village_id)
        ).all()
    )
    by_name: dict[str, list[Resident]] = defaultdict(list)
    for r in known:
        by_name[r.name].append(r)
    claimed: dict[int, Person] = {}
    matched: dict[int, Resident | None] = {}
    # Two passes: a person found in the household the row names comes first.
    for same_household in (True, False):
        for p in people:
            if p.row in matched:
                continue
            fits = [
                r
                for r in by_name.get(p.name, [])
                if r.id not in claimed
                and _fits(r, p)
                and (numbers.get(r.household_id) == p.number) == same_household
            ]
            if len(fits) > 1 and p.phone:
                fits = [r for r in fits if r.phone == p.phone] or fits
            if len(fits) == 1:
                matched[p.row] = fits[0]
                claimed[fits[0].id] = p
            elif len(fits) > 1:
                preview.errors.append(
                    RowError(
                        p.row,
                        LABELS["name"],
                        "two residents of this name: add 出生年份 or 身份证号",
                    )
                )
                matched[p.row] = None
    phone_owner = {r.phone: r for r in known if r.phone}
    taken = set(
        session.scalars(
            select(Resident.phone).where(
                Resident.village_id == village_id, Resident.phone.is_not(None)
            )
        )
    )
    for p in people:
        r = matched.get(p.row)
        if p.phone and (r is None or r.phone != p.phone):
            owner = phone_owner.get(p.phone)
            if (owner is not None and owner is not r) or (owner is None and p.phone in taken):
                preview.errors.append(
                    RowError(p.row, LABELS["phone"], "belongs to another resident")
                )
        if r is None:
            if p.row not in matched:
                preview.changes.append(Change(p, "create"))
            continue
        was = numbers.get(r.household_id, "")
        if was != p.number:
            kind = "move"
        elif _differs(r, p):
            kind = "update"
        else:
            kind = "unchanged"
        preview.changes.append(Change(p, kind, r, from_number=was))
    preview.leavers = [
        r for r in known if r.id not in claimed and r.status == ResidentStatus.ACTIVE
    ]


def _differs(r: Resident, p: Person) -> bool:
    return (
        r.status != ResidentStatus.ACTIVE
        or (p.sex and r.sex != p.sex)
        or (p.birth_year is not None and r.birth_year != p.birth_year)
        or ("phone" in p.given and (r.phone or None) != p.phone)
        or (p.relation and r.relation != p.relation)
        or (p.id_last4 and r.id_last4 != p.id_last4)
        or (p.is_head is not None and r.is_head != p.is_head)
    )


def apply(
    session: Session,
    village_id: int,
    data: bytes,
    *,
    mapping: dict[str, str] | None = None,
    by_id: int | None,
) -> Preview:
    """Import the roster; raises :class:`RosterInvalid` (nothing written) on any bad row."""
    preview = read(session, village_id, data, mapping)
    if not preview.ok:
        raise RosterInvalid(errors=[e.as_dict() for e in preview.errors])
    households = {
        h.number: h
        for h in session.scalars(select(Household).where(Household.village_id == village_id))
    }
    groups = {
        g.name: g for g in session.scalars(select(Group).where(Group.village_id == village_id))
    }
    group_of: dict[str, str] = {}
    for c in preview.changes:
        group_of.setdefault(c.person.number, "")
        if c.person.group and not group_of[c.person.number]:
            group_of[c.person.number] = c.person.group
    for name in set(group_of.values()) - set(groups) - {""}:
        groups[name] = get_or_create_group(session, village_id, name)
    new_households = []
    for number, name in group_of.items():
        household = households.get(number)
        group = groups.get(name)
        if household is None:
            # Added together and flushed once: a roster brings a thousand households.
            household = Household(
                village_id=village_id, number=number, group_id=group.id if group else None
            )
            households[number] = household
            new_households.append(household)
        elif group is not None and household.group_id != group.id:
            residents.update_household(
                session,
                household,
                number=number,
                group=name,
                address=household.address,
                by_id=by_id,
            )
    session.add_all(new_households)
    session.flush()
    for household in new_households:
        tallies.record_household(session, household)
        audit.record(
            session,
            action="household.create",
            obj=household,
            by_id=by_id,
            village_id=village_id,
            after=audit.snapshot(household, residents.HOUSEHOLD_FIELDS),
        )
    created: list[Resident] = []
    for c in preview.changes:
        p = c.person
        household = households[p.number]
        if c.kind == "create":
            r = Resident(
                village_id=village_id,
                household_id=household.id,
                name=p.name,
                name_initials=residents.name_initials(p.name),
                name_pinyin=residents.name_pinyin(p.name),
                phone=p.phone,
                is_head=bool(p.is_head),
                sex=p.sex,
                birth_year=p.birth_year,
                relation=p.relation,
                id_last4=p.id_last4,
            )
            session.add(r)
            created.append(r)
        elif c.kind in ("update", "move"):
            _update(session, c.resident, p, household, by_id)
    session.flush()
    for r in created:
        tallies.record_resident(session, r, 1)
    for r in preview.leavers:
        residents.set_status(session, r, status=ResidentStatus.MOVED_OUT, by_id=by_id)
    audit.record(
        session,
        action="roster.import",
        object_type="village",
        object_id=village_id,
        by_id=by_id,
        village_id=village_id,
        after={k: v for k, v in preview.summary().items() if k != "errors"},
    )
    return preview


def _update(session: Session, r: Resident, p: Person, household: Household, by_id) -> None:
    if r.status != ResidentStatus.ACTIVE:
        residents.set_status(session, r, status=ResidentStatus.ACTIVE, by_id=by_id)
    if r.household_id != household.id:
        residents.move_resident(session, r, household_number=household.number, by_id=by_id)
    if p.sex:
        r.sex = p.sex
    if p.birth_year is not None:
        r.birth_year = p.birth_year
    if p.relation:
        r.relation = p.relation
    if p.id_last4:
        r.id_last4 = p.id_last4
    phone = p.phone if "phone" in p.given else r.phone
    is_head = r.is_head if p.is_head is None else p.is_head
    if (r.phone or None) != phone or r.is_head != is_head:
        residents.update_resident(
            session, r, name=r.name, phone=phone, is_head=is_head, by_id=by_id
        )
