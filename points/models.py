"""The points domain's tables. Nothing that the ledger references is ever deleted."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.clock import now
from points.db import Base, UTCDateTime


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored by value as plain strings with a CHECK (portable across SQLite and PG)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    RESIDENT = "resident"
    HOST = "host"
    CLERK = "clerk"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"


# Roles that a role brings with it (admin acts as host and clerk too).
IMPLIED_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.HOST, Role.CLERK}),
}
STAFF_ROLES = frozenset({Role.HOST, Role.CLERK, Role.ADMIN, Role.SUPERVISOR})


def with_implied_roles(roles: Iterable[Role]) -> frozenset[Role]:
    """The roles given and the roles they bring with them."""
    held = set(roles)
    for role in list(held):
        held |= IMPLIED_ROLES.get(role, frozenset())
    return frozenset(held)


class ResidentStatus(enum.StrEnum):
    ACTIVE = "active"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"


class ExpiryMode(enum.StrEnum):
    NONE = "none"
    ANNUAL = "annual"


class County(Base):
    """县 / 镇: a group of villages that its officers read across (and never write to)."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The zone that decides which month is "this month" on the county table.
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<County {self.code}>"


class Village(Base):
    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The county whose officers see this village on the county table (none: no county yet).
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    county_name: Mapped[str] = mapped_column(String(100), default="")
    town_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Days a reviewed award stays posted for objections before it is confirmed.
    objection_days: Mapped[int] = mapped_column(Integer, default=7)
    # 积分清零: "none", or "annual" on expiry_month/expiry_day in the village's zone.
    expiry_mode: Mapped[ExpiryMode] = mapped_column(
        _enum(ExpiryMode, "expiry_mode"), default=ExpiryMode.NONE
    )
    expiry_month: Mapped[int] = mapped_column(Integer, default=12)
    expiry_day: Mapped[int] = mapped_column(Integer, default=31)
    # Total megabytes of uploads the village may keep; None: the deployment's default.
    upload_quota_mb: Mapped[int | None] = mapped_column(Integer)
    # Days a departed resident's name and phone are kept before they may be anonymised (PIPL).
    retention_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint("objection_days >= 0 AND objection_days <= 60", name="objection_days"),
    )

    def __repr__(self) -> str:
        return f"<Village {self.code}>"


class Group(Base):
    """村民小组 / 网格."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    __table_args__ = (UniqueConstraint("village_id", "name"),)

    def __repr__(self) -> str:
        return f"<Group {self.name}>"


class Household(Base):
    """户: the unit that holds the points balance."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Cached figures, changed only by points.ledger in the same transaction as their source.
    balance: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    honour_score: Mapped[int] = mapped_column(Integer, default=0)
    # Head of the household's hash chain: number of entries and the last entry's hash.
    ledger_seq: Mapped[int] = mapped_column(Integer, default=0)
    ledger_head: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    group: Mapped[Group | None] = relationship(lazy="joined")
    members: Mapped[list[Resident]] = relationship(
        back_populates="household", order_by="Resident.id"
    )

    __table_args__ = (
        UniqueConstraint("village_id", "number"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("pending >= 0", name="pending_not_negative"),
    )

    @property
    def active_members(self) -> list[Resident]:
        return [m for m in self.members if m.status == ResidentStatus.ACTIVE]

    @property
    def head(self) -> Resident | None:
        members = self.active_members or self.members
        heads = [m for m in members if m.is_head]
        return (heads or members or [None])[0]

    def __repr__(self) -> str:
        return f"<Household {self.number} balance={self.balance}>"


class Resident(Base):
    """村民 / 居民. Never deleted: people move out or pass away."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    # Pinyin initials ("zjg" for 张建国) and full pinyin, lower case, for search.
    name_initials: Mapped[str] = mapped_column(String(50), default="", index=True)
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ResidentStatus] = mapped_column(
        _enum(ResidentStatus, "resident_status"), default=ResidentStatus.ACTIVE
    )
    # Version of the resident's QR card; reissuing bumps it and old cards stop working.
    card_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When the status last changed (moved out, deceased): the retention period counts from it.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when name and phone were replaced (points.privacy.anonymise).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # From the roster (花名册): 男/女, year of birth, 与户主关系, the 身份证号's last 4 only.
    sex: Mapped[str] = mapped_column(String(2), default="", server_default="")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(20), default="", server_default="")
    id_last4: Mapped[str] = mapped_column(String(4), default="", server_default="")

    household: Mapped[Household] = relationship(back_populates="members")

    __table_args__ = (UniqueConstraint("village_id", "phone"),)

    @property
    def phone_masked(self) -> str | None:
        if not self.phone:
            return None
        p = self.phone
        return p[:3] + "*" * max(len(p) - 7, 0) + p[-4:] if len(p) >= 7 else "*" * len(p)

    def __repr__(self) -> str:
        return f"<Resident {self.id} {self.name}>"


def user_display_name(full_name: str | None, resident_name: str | None, username: str) -> str:
    """How a user is named to others: the full name, else their resident's, else the login."""
    if full_name:
        return full_name
    return resident_name if resident_name is not None else username


class User(Base):
    """A login. Staff and residents alike; roles are per village."""

    __tablename__ = "users"
    # A username is unique within its village; county officers (no village) among themselves.
    __table_args__ = (
        UniqueConstraint("village_id", "username"),
        Index(
            "uq_users_username_no_village",
            "username",
            unique=True,
            sqlite_where=text("village_id IS NULL"),
            postgresql_where=text("village_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(50), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), unique=True)
    # A county officer's county: such a user has no village, no roles and reads only.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    # Bumped on password change; sessions and remember-me cookies carry it.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    village: Mapped[Village | None] = relationship(lazy="joined")
    county: Mapped[County | None] = relationship(lazy="joined")
    resident: Mapped[Resident | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def display_name(self) -> str:
        return user_display_name(
            self.full_name, self.resident.name if self.resident else None, self.username
        )

    def roles_in(self, village_id: int | None) -> frozenset[Role]:
        """Roles held in a village, implied roles included."""
        return with_implied_roles(r.role for r in self.role_rows if r.village_id == village_id)

    @property
    def roles(self) -> frozenset[Role]:
        return self.roles_in(self.village_id)

    def has_role(self, *roles: Role | str) -> bool:
        held = self.roles
        return any(Role(r) in held for r in roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_county_officer(self) -> bool:
        return self.county_id is not None and self.village_id is None

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (UniqueConstraint("user_id", "village_id", "role"),)

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"


class AuditLog(Base):
    """Every staff action: who, what, when, and the object before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)

    __table_args__ = (Index("ix_audit_log_village_action", "village_id", "action", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditLog {self.action} {self.object_type}:{self.object_id}>"


class IdempotencyRecord(Base):
    """The first response to a request carrying an Idempotency-Key, replayed on repeats."""

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    # SHA-256 of method, path and body: a different request under the same key is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (UniqueConstraint("user_id", "key"),)

    def __repr__(self) -> str:
        return f"<IdempotencyRecord {self.user_id}:{self.key}>"


class RuleUnit(enum.StrEnum):
    PER_TIME = "per_time"
    PER_HOUR = "per_hour"


class Rule(Base):
    """积分细则 item. Its terms live in versions; the rule itself is only deactivated."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule", order_by="RuleVersion.version", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("village_id", "code"),)

    def version_on(self, day: date) -> RuleVersion:
        """The version in force on ``day`` (the first version if none had started yet)."""
        return version_in_force(self.versions, day)

    @property
    def latest(self) -> RuleVersion:
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<Rule {self.code}>"


def version_in_force(versions, day: date):
    """Of a rule's versions in version order (:class:`RuleVersion` objects or rows with their
    ``effective_from``), the one in force on ``day``: the first version if none had started."""
    current = versions[0]
    for v in versions:
        if v.effective_from <= day:
            current = v
    return current


class RuleVersion(Base):
    __tablename__ = "rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)  # negative for deductions
    unit: Mapped[RuleUnit] = mapped_column(_enum(RuleUnit, "rule_unit"), default=RuleUnit.PER_TIME)
    monthly_cap: Mapped[int | None] = mapped_column(Integer)  # points per resident per month
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    claimable: Mapped[bool] = mapped_column(Boolean, default=False)  # residents may 申报
    # The shop may award it to a donor (捐赠登记); other rules' points never come from a donation.
    for_donations: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    effective_from: Mapped[date] = mapped_column(Date)
    adopted_ref: Mapped[str] = mapped_column(String(200), default="")  # e.g. 村民代表会议决议
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    rule: Mapped[Rule] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("rule_id", "version"),
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="monthly_cap_positive"),
    )

    def __repr__(self) -> str:
        return f"<RuleVersion {self.rule_id} v{self.version}>"


class EntryKind(enum.StrEnum):
    AWARD = "award"
    DEDUCTION = "deduction"
    REDEMPTION = "redemption"
    REFUND = "refund"
    EXPIRY = "expiry"
    CORRECTION = "correction"


class LedgerEntry(Base):
    """流水: one immutable change of a household's points, linked into its hash chain.

    Written only by :func:`points.ledger.append`; never updated or deleted.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the household's chain
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # signed change of the spendable balance
    # Signed change of the lifetime honour score (awards and deductions only).
    honour_delta: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "entry_kind"))
    rule_version_id: Mapped[int | None] = mapped_column(ForeignKey("rule_versions.id"))
    # What the entry comes from: ("award", id), ("attendance", id), ("order", id), ...
    source_type: Mapped[str | None] = mapped_column(String(24))
    source_id: Mapped[int | None] = mapped_column(Integer)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    balance_after: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    rule_version: Mapped[RuleVersion | None] = relationship(lazy="joined")
    resident: Mapped[Resident | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("household_id", "seq"),
        Index("ix_ledger_entries_source", "source_type", "source_id"),
        # A household's entries by time: monthly figures, caps and the dashboard.
        Index("ix_ledger_entries_household_created", "household_id", "created_at"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.household_id}#{self.seq} {self.kind} {self.amount:+d}>"


class AwardStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for review
    PUBLISHED = "published"  # posted (积分公示), inside or past its objection window
    HELD = "held"  # posted with an open objection
    REJECTED = "rejected"
    CONFIRMED = "confirmed"  # in the ledger


# Statuses whose points are not in the ledger yet but count as pending (and toward caps).
OPEN_AWARD_STATUSES = (AwardStatus.PENDING, AwardStatus.PUBLISHED, AwardStatus.HELD)


class Award(Base):
    """加分 / 扣分 for one resident under one rule version; reaches the ledger when confirmed."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"), index=True)
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # times, or hours (per-hour rules)
    amount: Mapped[int] = mapped_column(Integer)  # points × quantity, signed
    status: Mapped[AwardStatus] = mapped_column(_enum(AwardStatus, "award_status"), index=True)
    # True for a resident's own 申报 / 随手拍 (always reviewed).
    is_claim: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # Photo evidence, relative to the instance folder's uploads directory.
    evidence_path: Mapped[str | None] = mapped_column(String(200))
    # When a rejected claim's photo was deleted (evidence_path is then None).
    evidence_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    objection_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    rule: Mapped[Rule] = relationship(lazy="joined")
    rule_version: Mapped[RuleVersion] = relationship(lazy="joined")
    resident: Mapped[Resident] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    objections: Mapped[list[Objection]] = relationship(
        back_populates="award", order_by="Objection.id"
    )

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_awards_due", "village_id", "status", "objection_deadline"),
    )

    def __repr__(self) -> str:
        return f"<Award {self.id} {self.status} {self.amount:+d}>"


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the award is rejected
    DISMISSED = "dismissed"  # the award continues to confirmation


class Objection(Base):
    """异议: a resident's challenge to a posted award, decided by the supervisor or admin."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(
        _enum(ObjectionStatus, "objection_status"), default=ObjectionStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    award: Mapped[Award] = relationship(back_populates="objections")
    resident: Mapped[Resident] = relationship(lazy="joined")

    # One objection per person per award: a double tap does not file two.
    __table_args__ = (UniqueConstraint("award_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<Objection {self.id} {self.status}>"
