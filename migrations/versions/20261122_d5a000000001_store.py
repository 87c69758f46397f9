"""the shop (积分超市): items, stock movements, orders and their lines, donations

Item stock is a cached figure that never goes below zero (CHECK); an order's counter_token
is unique so a double tap at the counter redeems once.

Revision ID: d5a000000001
Revises: c4a000000001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = "d5a000000001"
down_revision = "c4a000000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("monthly_limit", sa.Integer(), nullable=True),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "low_stock_threshold >= 0", name=op.f("ck_store_items_threshold_not_negative")
        ),
        sa.CheckConstraint(
            "monthly_limit IS NULL OR monthly_limit > 0", name=op.f("ck_store_items_limit_positive")
        ),
        sa.CheckConstraint("price > 0", name=op.f("ck_store_items_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_store_items_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_store_items_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_items")),
        sa.UniqueConstraint("village_id", "name", name=op.f("uq_store_items_village_id_name")),
    )
    with op.batch_alter_table("store_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_store_items_village_id"), ["village_id"], unique=False)

    op.create_table(
        "store_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "completed",
                "voided",
                name="order_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("counter_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("refund_balance_after", sa.Integer(), nullable=True),
        sa.CheckConstraint("total > 0", name=op.f("ck_store_orders_total_positive")),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_store_orders_clerk_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_store_orders_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_store_orders_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_store_orders_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["users.id"], name=op.f("fk_store_orders_voided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_orders")),
        sa.UniqueConstraint("counter_token", name=op.f("uq_store_orders_counter_token")),
        sa.UniqueConstraint("village_id", "number", name=op.f("uq_store_orders_village_id_number")),
    )
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_orders_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_orders_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_orders_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "store_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_store_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["store_items.id"], name=op.f("fk_store_order_lines_item_id_store_items")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_order_lines_order_id_store_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_order_lines")),
        sa.UniqueConstraint(
            "order_id", "item_id", name=op.f("uq_store_order_lines_order_id_item_id")
        ),
    )
    with op.batch_alter_table("store_order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_store_order_lines_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_store_order_lines_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "store_donations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("donor_name", sa.String(length=100), nullable=False),
        sa.Column("donor_resident_id", sa.Integer(), nullable=True),
        sa.Column("estimated_value", sa.Integer(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("points_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "estimated_value IS NULL OR estimated_value >= 0",
            name=op.f("ck_store_donations_value_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_store_donations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["donor_resident_id"],
            ["residents.id"],
            name=op.f("fk_store_donations_donor_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["points_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_store_donations_points_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_store_donations_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_donations")),
    )
    with op.batch_alter_table("store_donations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_donations_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "store_stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "purchase",
                "donation",
                "count",
                "damage",
                "redemption",
                "void",
                name="movement_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "funding",
            sa.Enum(
                "budget",
                "donation",
                "collective",
                "other",
                name="funding",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("donation_id", sa.Integer(), nullable=True),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_store_stock_movements_delta_not_zero")),
        sa.CheckConstraint(
            "stock_after >= 0", name=op.f("ck_store_stock_movements_stock_after_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_store_stock_movements_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["donation_id"],
            ["store_donations.id"],
            name=op.f("fk_store_stock_movements_donation_id_store_donations"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["store_items.id"],
            name=op.f("fk_store_stock_movements_item_id_store_items"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_stock_movements_order_id_store_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_store_stock_movements_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_stock_movements")),
    )
    with op.batch_alter_table("store_stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_stock_movements_donation_id"), ["donation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_stock_movements_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_stock_movements_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            "ix_store_stock_movements_village_created", ["village_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_stock_movements_village_id"), ["village_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("store_stock_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_stock_movements_village_id"))
        batch_op.drop_index("ix_store_stock_movements_village_created")
        batch_op.drop_index(batch_op.f("ix_store_stock_movements_order_id"))
        batch_op.drop_index(batch_op.f("ix_store_stock_movements_item_id"))
        batch_op.drop_index(batch_op.f("ix_store_stock_movements_donation_id"))

    op.drop_table("store_stock_movements")
    with op.batch_alter_table("store_donations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_donations_village_id"))

    op.drop_table("store_donations")
    with op.batch_alter_table("store_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_order_lines_order_id"))
        batch_op.drop_index(batch_op.f("ix_store_order_lines_item_id"))

    op.drop_table("store_order_lines")
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_orders_village_id"))
        batch_op.drop_index(batch_op.f("ix_store_orders_household_id"))
        batch_op.drop_index(batch_op.f("ix_store_orders_created_at"))

    op.drop_table("store_orders")
    with op.batch_alter_table("store_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_items_village_id"))

    op.drop_table("store_items")
