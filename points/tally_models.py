"""Running figures per village and month, kept by :mod:`points.tallies` in the same
transaction as the ledger entries, check-ins and residents they count."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from points.db import Base


class VillageMonthTally(Base):
    """One village's figures for one month (its own time zone), split over a few shards by
    household id so that concurrent writers in one village rarely wait on the same row.
    A figure is the sum over the shards; the stock figures (points held, households,
    residents) are also summed over the months up to the one asked for."""

    __tablename__ = "village_month_tallies"

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # Flows of the month, defined as on the village dashboard:
    awarded: Mapped[int] = mapped_column(Integer, default=0)  # honour points posted, net
    redeemed: Mapped[int] = mapped_column(Integer, default=0)  # spent at the shop, net of voids
    checkins: Mapped[int] = mapped_column(Integer, default=0)  # at the month's events, not undone
    participants: Mapped[int] = mapped_column(Integer, default=0)  # residents with an act
    # Changes of stocks in the month:
    net: Mapped[int] = mapped_column(Integer, default=0)  # every entry's amount: points held
    households: Mapped[int] = mapped_column(Integer, default=0)  # households created
    residents: Mapped[int] = mapped_column(Integer, default=0)  # active residents, net

    def __repr__(self) -> str:
        return f"<VillageMonthTally {self.village_id} {self.month} #{self.shard}>"


class ResidentMonth(Base):
    """How many acts (check-ins, awards) a resident has in a month: the month's
    participants are the residents whose count is above zero."""

    __tablename__ = "resident_months"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    acts: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<ResidentMonth {self.resident_id} {self.month} {self.acts}>"
