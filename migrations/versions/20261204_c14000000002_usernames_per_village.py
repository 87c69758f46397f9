"""usernames unique per village (county officers among themselves), not across villages

Revision ID: c14000000002
Revises: c14000000001
Create Date: 2026-12-04

With one username namespace for the whole installation, an admin of one village learned
from ``duplicate_username`` which names another village's users have. Now a username is
unique within its village (``uq_users_village_id_username``), and county officers, who have
no village, among themselves (a partial unique index). Login tries a bare name against its
few namesakes (``points.users.authenticate``).

On SQLite the old inline UNIQUE constraint goes only with a copy of the table (SQLite's
documented twelve steps), and dropping the old ``users`` table with foreign keys on would be
refused (other tables refer to it). ``PRAGMA foreign_keys`` changes only outside a
transaction, so the migrations before this one are committed first, the copy is made with
foreign keys off and checked with ``PRAGMA foreign_key_check``, then they are on again.

The downgrade restores one namespace and refuses while two users share a name.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "c14000000002"
down_revision = "c14000000001"
branch_labels = None
depends_on = None

OLD = "uq_users_username"
NEW = "uq_users_village_id_username"
OFFICERS = "uq_users_username_no_village"


def _swap_unique(old: tuple[str, list[str]], new: tuple[str, list[str]]) -> None:
    """Replace the unique constraint ``old`` of users by ``new`` (name, columns)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(old[0], "users", type_="unique")
        op.create_unique_constraint(new[0], "users", new[1])
        return
    # SQLite's way for a change ALTER TABLE cannot make: a new table from the old one's own
    # definition (so every other column, constraint and foreign key stays as it was), the
    # rows copied, the old table dropped, the new one renamed, the indexes made again; with
    # foreign keys off, which SQLite allows only outside a transaction.
    clause = "CONSTRAINT {} UNIQUE ({})"
    dbapi = bind.connection.dbapi_connection
    dbapi.commit()
    dbapi.execute("PRAGMA foreign_keys=OFF")
    try:
        ddl = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
        ).scalar_one()
        indexes = (
            bind.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' "
                "AND sql IS NOT NULL"
            )
            .scalars()
            .all()
        )
        old_clause = clause.format(old[0], ", ".join(old[1]))
        if old_clause not in ddl:
            raise RuntimeError(f"users has no {old_clause}: {ddl}")
        ddl = ddl.replace(old_clause, clause.format(new[0], ", ".join(new[1])))
        ddl = re.sub(r'^CREATE TABLE "?users"?', "CREATE TABLE _users_new", ddl)
        op.execute(ddl)
        op.execute("INSERT INTO _users_new SELECT * FROM users")
        op.execute("DROP TABLE users")
        op.execute("ALTER TABLE _users_new RENAME TO users")
        for index in indexes:
            op.execute(index)
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the copy of users: {problems[:5]}")
        dbapi.commit()
    finally:
        dbapi.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    _swap_unique((OLD, ["username"]), (NEW, ["village_id", "username"]))
    op.create_index(
        OFFICERS,
        "users",
        ["username"],
        unique=True,
        sqlite_where=sa.text("village_id IS NULL"),
        postgresql_where=sa.text("village_id IS NULL"),
    )


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text("SELECT username FROM users GROUP BY username HAVING count(*) > 1 LIMIT 5")
    )
    names = [row[0] for row in shared]
    if names:
        raise RuntimeError(
            "cannot go back to one username namespace: users of different villages share "
            f"the names {names}; rename them first"
        )
    op.drop_index(OFFICERS, table_name="users")
    _swap_unique((NEW, ["village_id", "username"]), (OLD, ["username"]))
