"""Tables of the public board: legacy chain anchors, postings (户积分公示) and board settings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from points.clock import now
from points.db import Base, UTCDateTime
from points.models import _enum


class LedgerAnchor(Base):
    """Where a household's chain stops being plain SHA-256: entries up to ``seq`` were
    written before the ledger key existed; ``mac`` (under the key) binds seq and head, so
    that part cannot be rewritten nor later entries passed off as plain ones."""

    __tablename__ = "ledger_anchors"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<LedgerAnchor household={self.household_id} seq={self.seq}>"


class Posting(Base):
    """A month's 户积分公示, frozen when the committee posts it."""

    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("village_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    # The ledger the code covers: the village's entries with id <= last_entry_id.
    last_entry_id: Mapped[int] = mapped_column(Integer, default=0)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    # The frozen sheet: [{"number", "name", "earned", "spent", "balance"}], by household number.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(16), index=True)  # 16 characters, no dashes
    posted_from: Mapped[datetime] = mapped_column(UTCDateTime)  # 公示期
    posted_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<Posting {self.id} village={self.village_id} {self.month}>"


class DeductionDisplay(enum.StrEnum):
    """How the public board shows deductions (扣分)."""

    NAME = "name"  # masked name
    NUMBER = "number"  # household number only
    TOTALS = "totals"  # the month's count and points only


DEFAULT_STAR_THRESHOLDS = [100, 150, 200, 250, 300]  # 一星 … 五星, honour score at least


class BoardSettings(Base):
    """A village's choices for its public board; a village without a row has the defaults."""

    __tablename__ = "board_settings"

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    deductions: Mapped[DeductionDisplay] = mapped_column(
        _enum(DeductionDisplay, "deduction_display"), default=DeductionDisplay.TOTALS
    )
    # Honour score needed for one to five stars, ascending.
    star_thresholds: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_STAR_THRESHOLDS)
    )
    # Months without points after which the fair-access report lists a resident.
    idle_months: Mapped[int] = mapped_column(Integer, default=3)

    def __repr__(self) -> str:
        return f"<BoardSettings village={self.village_id} {self.deductions}>"
