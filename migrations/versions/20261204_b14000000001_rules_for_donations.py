"""rule versions marked for donations: the only rules the shop may award to a donor

Revision ID: b14000000001
Revises: s14000000001
Create Date: 2026-12-04

Every existing version starts unmarked, so after the upgrade no donation awards points until
the committee marks a rule for donations (a new version of that rule).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b14000000001"
down_revision = "s14000000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of rule_versions on SQLite would
    # trip the foreign keys of the awards and ledger entries that point at it.
    op.add_column(
        "rule_versions",
        sa.Column("for_donations", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE rule_versions DROP COLUMN for_donations")
    else:
        op.drop_column("rule_versions", "for_donations")
