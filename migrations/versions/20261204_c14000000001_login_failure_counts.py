"""login_failure_counts: failed logins counted where every application process sees them

Revision ID: c14000000001
Revises: p17b00000001
Create Date: 2026-12-04

Before, each gunicorn worker counted failed logins in its own memory (``memory://``), so
with four workers every limit let four times as many guesses through. Without Redis the
counters now live in this table (``points.throttle``); rows are deleted when their window
is over, so the table stays small. Nothing is carried over: the old counts were in memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c14000000001"
down_revision = "p17b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failure_counts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_login_failure_counts")),
    )
    op.create_index(
        op.f("ix_login_failure_counts_expires_at"), "login_failure_counts", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failure_counts_expires_at"), table_name="login_failure_counts")
    op.drop_table("login_failure_counts")
