"""counties, county officers, and per-village monthly tallies for the county table

Revision ID: f7a000000001
Revises: g8a000000001
Create Date: 2026-11-23

The tallies of existing data are counted from the ledger, attendance and residents by
``points.tallies.rebuild_on`` (about a minute per 10 million ledger entries on PostgreSQL).
On SQLite the new foreign-key columns are added with a plain ``ALTER TABLE ... ADD COLUMN``:
a batch copy of ``villages`` or ``users`` would trip the foreign keys of every other table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f7a000000001"
down_revision = "g8a000000001"
branch_labels = None
depends_on = None

SCOPED = ("villages", "users")  # tables that get a county_id


def upgrade() -> None:
    op.create_table(
        "counties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counties")),
        sa.UniqueConstraint("code", name=op.f("uq_counties_code")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in SCOPED:
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN county_id INTEGER REFERENCES counties (id)")
        else:
            op.add_column(table, sa.Column("county_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                f"fk_{table}_county_id_counties", table, "counties", ["county_id"], ["id"]
            )
        op.create_index(f"ix_{table}_county_id", table, ["county_id"])
    op.create_index("ix_events_village_starts", "events", ["village_id", "starts_at"])
    op.create_table(
        "village_month_tallies",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "awarded",
                "redeemed",
                "checkins",
                "participants",
                "net",
                "households",
                "residents",
            )
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_village_month_tallies_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint(
            "village_id", "month", "shard", name=op.f("pk_village_month_tallies")
        ),
    )
    op.create_table(
        "resident_months",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("acts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_months_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("resident_id", "month", name=op.f("pk_resident_months")),
    )
    from points.tallies import rebuild_on  # noqa: PLC0415

    rebuild_on(op.get_bind())
    if not sqlite:  # the planner's first look at the new tables, before anyone reads them
        op.execute("ANALYZE village_month_tallies, resident_months")


def downgrade() -> None:
    op.drop_table("resident_months")
    op.drop_table("village_month_tallies")
    op.drop_index("ix_events_village_starts", table_name="events")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in SCOPED:
        op.drop_index(f"ix_{table}_county_id", table_name=table)
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN county_id")
        else:
            op.drop_constraint(f"fk_{table}_county_id_counties", table, type_="foreignkey")
            op.drop_column(table, "county_id")
    op.drop_table("counties")
