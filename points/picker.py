"""Choosing residents without a 200-item dropdown: by search (name, pinyin initials,
household number, phone), by 村民小组, or by attendance at an event. Each result carries
what tells two people of the same name apart: household number, group and birth year."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from points import events, residents
from points.errors import ValidationFailed
from points.inputs import MAX_ID
from points.models import Group, Household, Resident, ResidentStatus

MAX_RESULTS = 300


@dataclass
class Pick:
    id: int
    name: str
    household: str
    group: str
    birth_year: int | None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "household": self.household,
            "group": self.group,
            "birth_year": self.birth_year,
        }


def _picks(people) -> list[Pick]:
    return [
        Pick(
            id=r.id,
            name=r.name,
            household=r.household.number,
            group=r.household.group.name if r.household.group else "",
            birth_year=r.birth_year,
        )
        for r in people
    ]


def _active(village_id: int):
    return (
        select(Resident)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.village_id == village_id, Resident.status == ResidentStatus.ACTIVE)
        .options(selectinload(Resident.household))
    )


def search(session: Session, village_id: int, q: str | None, *, limit: int = 30) -> list[Pick]:
    found = residents.search_residents(session, village_id, q or "", limit=limit)
    return _picks(found)


def in_group(session: Session, village_id: int, group_id: int) -> list[Pick]:
    group = session.get(Group, group_id)
    if group is None or group.village_id != village_id:
        return []
    stmt = (
        _active(village_id)
        .where(Household.group_id == group.id)
        .order_by(Household.number, Resident.id)
        .limit(MAX_RESULTS)
    )
    return _picks(session.scalars(stmt))


def at_event(session: Session, village_id: int, event_id: int) -> list[Pick]:
    """Who checked in at the event (and was not undone), in the order they came."""
    event = events.get_event(session, village_id, event_id)
    ids = [a.resident_id for a in events.attendances(session, event) if a.undone_at is None]
    if not ids:
        return []
    by_id = {r.id: r for r in session.scalars(_active(village_id).where(Resident.id.in_(ids)))}
    return _picks([by_id[i] for i in dict.fromkeys(ids) if i in by_id])


def clean_ids(values) -> list[int]:
    """Ids sent by a form: whole numbers the database can hold, each once, in order."""
    ids = []
    for value in values or []:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_ID:
            raise ValidationFailed({"resident_ids": "not a resident"})
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def chosen(session: Session, village_id: int, ids) -> list[Pick]:
    """The residents of these ids (active, of the village), to show a choice again."""
    try:
        clean = clean_ids(ids)[:MAX_RESULTS]
    except ValidationFailed:
        return []
    if not clean:
        return []
    stmt = _active(village_id).where(Resident.id.in_(clean)).order_by(Resident.id)
    return _picks(session.scalars(stmt))
