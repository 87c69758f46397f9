"""personal data: a village's retention period, when a resident's status changed, and when
the resident was anonymised

Revision ID: e19000000001
Revises: c14000000002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = "e19000000001"
down_revision = "c14000000002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, no table rebuild: a rebuilt villages table would turn the inline
    # county_id reference into a table constraint that f7a000000001's downgrade cannot drop.
    # The domain checks the range (points.privacy.set_retention).
    op.add_column(
        "villages",
        sa.Column("retention_days", sa.Integer(), nullable=False, server_default="365"),
    )
    op.add_column(
        "residents",
        sa.Column("status_changed_at", points.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "residents",
        sa.Column("anonymised_at", points.db.UTCDateTime(timezone=True), nullable=True),
    )
    # Residents who left before this revision: their retention period counts from now.
    op.execute(
        "UPDATE residents SET status_changed_at = CURRENT_TIMESTAMP WHERE status <> 'active'"
    )


def downgrade() -> None:
    # Anonymised residents stay anonymised: only the record of when is dropped.
    op.drop_column("residents", "anonymised_at")
    op.drop_column("residents", "status_changed_at")
    op.drop_column("villages", "retention_days")
