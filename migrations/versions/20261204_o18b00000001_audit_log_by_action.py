"""audit log: an index by village and action, for the audit page's filters and the lazy
expiry's check of whether the day's run has happened

Revision ID: o18b00000001
Revises: o18a00000001
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "o18b00000001"
down_revision = "o18a00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_log_village_action", "audit_log", ["village_id", "action", "object_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_village_action", table_name="audit_log")
