"""one active attendance per (event, resident): a resident can be checked in again after an undo

The unique constraint on (event_id, resident_id) becomes a unique index over the rows not
undone. An undone attendance stays (with its reason and reversed award) beside the new one.

Revision ID: g8a000000001
Revises: e6a000000001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "g8a000000001"
down_revision = "e6a000000001"
branch_labels = None
depends_on = None

INDEX = "uq_attendances_event_id_resident_id_active"
CONSTRAINT = "uq_attendances_event_id_resident_id"
ACTIVE = sa.text("undone_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("attendances") as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_="unique")
    op.create_index(
        INDEX,
        "attendances",
        ["event_id", "resident_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    # The old constraint cannot hold a resident checked in again after an undo; attendance
    # rows are never deleted (the ledger names them), so such a database stays at this revision.
    repeated = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM (SELECT event_id, resident_id FROM attendances "
            "GROUP BY event_id, resident_id HAVING count(*) > 1) AS repeated"
        )
    )
    if repeated:
        raise RuntimeError(
            f"cannot downgrade: {repeated} residents were checked in again after an undo, "
            "which the unique (event_id, resident_id) constraint of the earlier schema forbids"
        )
    op.drop_index(INDEX, table_name="attendances")
    with op.batch_alter_table("attendances") as batch_op:
        batch_op.create_unique_constraint(CONSTRAINT, ["event_id", "resident_id"])
