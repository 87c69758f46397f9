"""postings (户积分公示) with their verification codes, and each village's board settings

Revision ID: p17b00000001
Revises: p17a00000001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p17b00000001"
down_revision = "p17a00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("posted_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_postings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_postings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
        sa.UniqueConstraint("village_id", "month", name=op.f("uq_postings_village_id_month")),
    )
    op.create_index(op.f("ix_postings_code"), "postings", ["code"], unique=False)
    op.create_index(op.f("ix_postings_village_id"), "postings", ["village_id"], unique=False)
    op.create_table(
        "board_settings",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column(
            "deductions",
            sa.Enum(
                "name",
                "number",
                "totals",
                name="deduction_display",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("star_thresholds", sa.JSON(), nullable=False),
        sa.Column("idle_months", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_board_settings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", name=op.f("pk_board_settings")),
    )


def downgrade() -> None:
    op.drop_table("board_settings")
    op.drop_index(op.f("ix_postings_village_id"), table_name="postings")
    op.drop_index(op.f("ix_postings_code"), table_name="postings")
    op.drop_table("postings")
