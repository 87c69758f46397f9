"""ledger entries by household and time, for monthly figures (caps, the village dashboard)

Revision ID: e6a000000001
Revises: d5a000000001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "e6a000000001"
down_revision = "d5a000000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entries_household_created", "ledger_entries", ["household_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_household_created", table_name="ledger_entries")
