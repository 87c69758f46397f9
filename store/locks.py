"""Locks on the shop's rows, below both the catalogue and the stock (each of which takes
them): :func:`lock_items` for a stock change, a redemption or a donation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from points.db import begin_write
from store.models import Item


def lock_items(session: Session, village_id: int, item_ids: Iterable[int]) -> dict[int, Item]:
    """Load items for a stock change, locked in id order (PostgreSQL ``FOR UPDATE``).

    On SQLite the write transaction begins here (the database's one write lock).
    The fixed order keeps two transactions that lock several items from deadlocking.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    stmt = select(Item).where(Item.id.in_(ids), Item.village_id == village_id).order_by(Item.id)
    begin_write(session)
    if session.connection().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Item)
    return {i.id: i for i in session.scalars(stmt.execution_options(populate_existing=True))}
