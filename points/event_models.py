"""Tables of events (议事会 / 志愿服务) and their attendance (签到 / 签退)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.clock import now
from points.db import Base, UTCDateTime
from points.models import Household, Resident, Rule, _enum


class EventKind(enum.StrEnum):
    MEETING = "meeting"
    VOLUNTEER = "volunteer"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class InviteScope(enum.StrEnum):
    VILLAGE = "village"
    GROUPS = "groups"
    HOUSEHOLDS = "households"


class CheckinMethod(enum.StrEnum):
    CARD = "card"  # the host scanned the resident's card (or typed its short code)
    EVENT_QR = "event_qr"  # the resident scanned the event's rotating code
    MANUAL = "manual"  # the host picked the resident from a search
    OFFLINE = "offline"  # a card scan queued on the host's phone and sent later


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The rule attendance earns: per time for a meeting, per hour for volunteer work.
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))
    topic_id: Mapped[int | None] = mapped_column(Integer)  # the 议题 discussed, when topics exist
    invite_scope: Mapped[InviteScope] = mapped_column(
        _enum(InviteScope, "invite_scope"), default=InviteScope.VILLAGE
    )
    # Ids of the invited groups or households (by invite_scope); empty for the whole village.
    invited_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Household-representative meetings: only the first attendee of a household earns.
    one_per_household: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[EventStatus] = mapped_column(
        _enum(EventStatus, "event_status"), default=EventStatus.SCHEDULED
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    rule: Mapped[Rule] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A village's events by start: the month's events on the dashboard and county table.
        Index("ix_events_village_starts", "village_id", "starts_at"),
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.status}>"


class Attendance(Base):
    """One resident at one event. One active row per (event, resident): a repeat scan finds
    it. An undone row stays as the record of the mistake; a scan after the undo checks the
    resident in again with a new row (the partial unique index allows one not undone)."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    method: Mapped[CheckinMethod] = mapped_column(_enum(CheckinMethod, "checkin_method"))
    # When the resident was scanned (the device's time for queued offline scans).
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the server recorded it.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The scanning device's id for its queued scans (random, kept in the phone's storage).
    client_id: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(200), default="")
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    half_hours: Mapped[int | None] = mapped_column(Integer)  # volunteer time, in half hours
    points_awarded: Mapped[int] = mapped_column(Integer, default=0)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undo_reason: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship()
    resident: Mapped[Resident] = relationship(lazy="joined")
    household: Mapped[Household] = relationship()

    __table_args__ = (
        Index(
            "uq_attendances_event_id_resident_id_active",
            "event_id",
            "resident_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Attendance {self.event_id}:{self.resident_id}>"
