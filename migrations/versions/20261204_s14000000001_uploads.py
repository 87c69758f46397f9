"""uploads: one row per stored file, for per-user and per-village upload quotas; a village's
own quota; when a rejected claim's photo was removed

Revision ID: s14000000001
Revises: f7a000000001
Create Date: 2026-12-04

Photos stored before this revision are counted from ``awards.evidence_path`` and
``store_items.photo``, with the size of the file found under ``instance/uploads`` (0 when the file
is not there, e.g. when UPLOAD_FOLDER points elsewhere: such photos then count nothing).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "s14000000001"
down_revision = "f7a000000001"
branch_labels = None
depends_on = None


def _size(folder: str, relative: str) -> int:
    try:
        return os.path.getsize(os.path.join(folder, relative))
    except OSError:
        return 0


def _backfill() -> None:
    from app.config import instance_path  # noqa: PLC0415

    op.execute(
        "INSERT INTO uploads (village_id, user_id, kind, path, size, created_at)"
        " SELECT village_id, created_by_id, 'evidence', evidence_path, 0, created_at"
        " FROM awards WHERE evidence_path IS NOT NULL"
    )
    op.execute(
        "INSERT INTO uploads (village_id, user_id, kind, path, size, created_at)"
        " SELECT village_id, NULL, 'item_photo', photo, 0, CURRENT_TIMESTAMP"
        " FROM store_items WHERE photo IS NOT NULL"
    )
    folder = str(instance_path() / "uploads")
    bind = op.get_bind()
    for upload_id, path in list(bind.execute(sa.text("SELECT id, path FROM uploads"))):
        size = _size(folder, path)
        if size:
            bind.execute(
                sa.text("UPDATE uploads SET size = :size WHERE id = :id"),
                {"size": size, "id": upload_id},
            )


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_uploads_user_id_users")),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_uploads_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index("ix_uploads_user_created", "uploads", ["user_id", "created_at"])
    op.create_index("ix_uploads_village_removed", "uploads", ["village_id", "removed_at"])
    op.create_index("ix_uploads_path", "uploads", ["path"])
    # Plain ADD COLUMN (nullable, no constraint) on both databases: a batch copy of
    # villages or awards would trip the foreign keys of the tables that refer to them.
    op.execute("ALTER TABLE villages ADD COLUMN upload_quota_mb INTEGER")
    op.execute(
        "ALTER TABLE awards ADD COLUMN evidence_removed_at "
        + ("DATETIME" if op.get_bind().dialect.name == "sqlite" else "TIMESTAMP WITH TIME ZONE")
    )
    _backfill()


def downgrade() -> None:
    op.execute("ALTER TABLE awards DROP COLUMN evidence_removed_at")
    op.execute("ALTER TABLE villages DROP COLUMN upload_quota_mb")
    op.drop_index("ix_uploads_path", table_name="uploads")
    op.drop_index("ix_uploads_village_removed", table_name="uploads")
    op.drop_index("ix_uploads_user_created", table_name="uploads")
    op.drop_table("uploads")
