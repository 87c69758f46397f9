"""keyed ledger chains: seal the plain SHA-256 chains written before the ledger key

Revision ID: p17a00000001
Revises: b14000000001
Create Date: 2026-12-04

From this revision on every new entry's hash is an HMAC under the ledger key (LEDGER_KEY, or
instance/ledger_key), which is never stored in the database. The entries already written
keep their plain SHA-256 hashes; each household's chain gets a ``ledger_anchors`` row whose
``mac`` (under the key) fixes the seq and head where the plain part ends, so verify-ledger
checks those entries as plain and every later one as keyed, and an edit of either kind
recomputed without the key is caught. The migration needs the key that the application
will run with (the same environment or instance folder).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p17a00000001"
down_revision = "b14000000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_anchors",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_ledger_anchors_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_ledger_anchors")),
    )
    from app.config import ledger_key
    from points import ledger

    ledger.set_key(ledger_key())
    ledger.anchor_legacy_chains(op.get_bind())


def downgrade() -> None:
    # Entries written since are keyed: a database taken below this revision no longer
    # verifies with the plain SHA-256 of older code, except for chains with no new entry.
    op.drop_table("ledger_anchors")
