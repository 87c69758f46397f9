"""A change of households over time (分户, 合户, 迁移): one row per split, merge or move.

The points that move with it are a pair of ledger entries (out of one household, into the
other) whose source is this row, so both chains say why and who.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from points.clock import now
from points.db import Base, UTCDateTime
from points.models import _enum


class ChangeKind(enum.StrEnum):
    SPLIT = "split"  # 分户: members leave for a new household
    MERGE = "merge"  # 合户: every member and the balance go to another household
    MOVE = "move"  # 迁移: members move to an existing household


class HouseholdChange(Base):
    __tablename__ = "household_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(_enum(ChangeKind, "household_change_kind"))
    from_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    to_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    resident_ids: Mapped[str] = mapped_column(Text, default="")  # "12,13": who moved
    points: Mapped[int] = mapped_column(Integer, default=0)  # balance moved, >= 0
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<HouseholdChange {self.id} {self.kind} {self.from_household_id}->{self.to_household_id}>"
