"""roster columns of a resident (sex, birth year, relation, last four of the id number) and
household changes (split, merge, move)

Revision ID: o18a00000001
Revises: d16a00000001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = "o18a00000001"
down_revision = "d16a00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), as e19000000001 does.
    op.add_column("residents", sa.Column("sex", sa.String(2), nullable=False, server_default=""))
    op.add_column("residents", sa.Column("birth_year", sa.Integer(), nullable=True))
    op.add_column(
        "residents", sa.Column("relation", sa.String(20), nullable=False, server_default="")
    )
    op.add_column(
        "residents", sa.Column("id_last4", sa.String(4), nullable=False, server_default="")
    )
    op.create_table(
        "household_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "split",
                "merge",
                "move",
                name="household_change_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("from_household_id", sa.Integer(), nullable=False),
        sa.Column("to_household_id", sa.Integer(), nullable=False),
        sa.Column("resident_ids", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_household_changes_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["from_household_id"],
            ["households.id"],
            name=op.f("fk_household_changes_from_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["to_household_id"],
            ["households.id"],
            name=op.f("fk_household_changes_to_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_household_changes_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_changes")),
    )
    for col in ("village_id", "from_household_id", "to_household_id"):
        op.create_index(
            op.f(f"ix_household_changes_{col}"), "household_changes", [col], unique=False
        )


def downgrade() -> None:
    for col in ("village_id", "from_household_id", "to_household_id"):
        op.drop_index(op.f(f"ix_household_changes_{col}"), table_name="household_changes")
    op.drop_table("household_changes")
    for col in ("id_last4", "relation", "birth_year", "sex"):
        op.drop_column("residents", col)
