"""The shop's tables. Items are deactivated, never deleted; orders are voided, never deleted."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.clock import now
from points.db import Base, UTCDateTime
from points.models import Household, Resident, User, _enum


class Item(Base):
    """商品: a catalogue entry priced in points. ``stock`` is a cache of its movements."""

    __tablename__ = "store_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), default="")
    unit: Mapped[str] = mapped_column(String(16), default="件")  # 桶, 袋, 块...
    price: Mapped[int] = mapped_column(Integer)  # points
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Units one household may take per village-local calendar month; None: no limit.
    monthly_limit: Mapped[int | None] = mapped_column(Integer)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=0)
    # Changed only together with a StockMovement row, in the same transaction.
    stock: Mapped[int] = mapped_column(Integer, default=0)
    photo: Mapped[str | None] = mapped_column(String(200))  # file name under instance/uploads
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        UniqueConstraint("village_id", "name"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("monthly_limit IS NULL OR monthly_limit > 0", name="limit_positive"),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
    )

    @property
    def low(self) -> bool:
        return self.active and self.stock <= self.low_stock_threshold

    def __repr__(self) -> str:
        return f"<Item {self.name} stock={self.stock}>"


class MovementKind(enum.StrEnum):
    PURCHASE = "purchase"
    DONATION = "donation"
    COUNT = "count"  # 盘点 correction
    DAMAGE = "damage"  # damage or expiry
    REDEMPTION = "redemption"
    VOID = "void"


class Funding(enum.StrEnum):
    BUDGET = "budget"  # 财政
    DONATION = "donation"  # 捐赠
    COLLECTIVE = "collective"  # 村集体
    OTHER = "other"


class StockMovement(Base):
    """One change of an item's stock: who, when, why, and the stock after it."""

    __tablename__ = "store_stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_items.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind, "movement_kind"))
    funding: Mapped[Funding | None] = mapped_column(_enum(Funding, "funding"))  # purchases
    note: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("store_orders.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("store_donations.id"), index=True)
    stock_after: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    item: Mapped[Item] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("stock_after >= 0", name="stock_after_not_negative"),
        Index("ix_store_stock_movements_village_created", "village_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<StockMovement {self.item_id} {self.kind} {self.delta:+d}>"


class OrderStatus(enum.StrEnum):
    COMPLETED = "completed"
    VOIDED = "voided"


class Order(Base):
    """兑换单: one redemption at the counter, paid by one ledger entry."""

    __tablename__ = "store_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))  # shown on the receipt
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # card holder
    total: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    status: Mapped[OrderStatus] = mapped_column(
        _enum(OrderStatus, "order_status"), default=OrderStatus.COMPLETED
    )
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The counter page's one-time form token: a double tap finds the first order.
    counter_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")
    refund_balance_after: Mapped[int | None] = mapped_column(Integer)

    household: Mapped[Household] = relationship(lazy="joined")
    resident: Mapped[Resident | None] = relationship(lazy="joined")
    clerk: Mapped[User | None] = relationship(foreign_keys=[clerk_id], lazy="joined")
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id], lazy="joined")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("village_id", "number"),
        CheckConstraint("total > 0", name="total_positive"),
    )

    @property
    def voided(self) -> bool:
        return self.status == OrderStatus.VOIDED

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status} {self.total}>"


class OrderLine(Base):
    __tablename__ = "store_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("store_orders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_items.id"), index=True)
    item_name: Mapped[str] = mapped_column(String(100))  # as sold
    unit: Mapped[str] = mapped_column(String(16), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Integer)  # points per unit when sold
    amount: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (
        UniqueConstraint("order_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    def __repr__(self) -> str:
        return f"<OrderLine {self.item_name} x{self.quantity}>"


class Donation(Base):
    """捐赠登记: goods given to the shop by a resident or an outside donor."""

    __tablename__ = "store_donations"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    donor_name: Mapped[str] = mapped_column(String(100))
    donor_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    estimated_value: Mapped[int | None] = mapped_column(Integer)  # yuan, optional
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # donor consents to thanks list
    note: Mapped[str] = mapped_column(Text, default="")
    points_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    movements: Mapped[list[StockMovement]] = relationship(
        order_by="StockMovement.id", lazy="selectin"
    )
    donor_resident: Mapped[Resident | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "estimated_value IS NULL OR estimated_value >= 0", name="value_not_negative"
        ),
    )

    def __repr__(self) -> str:
        return f"<Donation {self.id} {self.donor_name}>"


class VoidRequest(Base):
    """作废申请: a clerk's request that an admin (or, for an earlier day's order, a supervisor)
    void an order. Closed when the order is voided, or declined with a note; never deleted."""

    __tablename__ = "store_void_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("store_orders.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # open, voided (the order was voided) or declined
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'voided', 'declined')", name="void_request_status"),
        Index("ix_store_void_requests_village_status", "village_id", "status"),
    )

    def __repr__(self) -> str:
        return f"<VoidRequest {self.id} order {self.order_id} {self.status}>"
