"""void requests: a clerk asks an admin or a supervisor to void an order, and they see the
requests waiting

Revision ID: o18c00000001
Revises: o18b00000001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = "o18c00000001"
down_revision = "o18b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_void_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'voided', 'declined')",
            name=op.f("ck_store_void_requests_void_request_status"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_store_void_requests_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_void_requests_order_id_store_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_store_void_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_store_void_requests_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_void_requests")),
    )
    op.create_index(
        op.f("ix_store_void_requests_village_id"), "store_void_requests", ["village_id"]
    )
    op.create_index(op.f("ix_store_void_requests_order_id"), "store_void_requests", ["order_id"])
    op.create_index(
        "ix_store_void_requests_village_status", "store_void_requests", ["village_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_store_void_requests_village_status", table_name="store_void_requests")
    op.drop_index(op.f("ix_store_void_requests_order_id"), table_name="store_void_requests")
    op.drop_index(op.f("ix_store_void_requests_village_id"), table_name="store_void_requests")
    op.drop_table("store_void_requests")
