"""deliberation: topics through the six steps, their proposers, history, agenda, objections,
progress, ratings, the visit log and the village's deliberation settings

Revision ID: d15a00000001
Revises: e19000000001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d15a00000001"
down_revision = "e19000000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliberation_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("publication_days", sa.Integer(), nullable=False),
        sa.Column("satisfaction_threshold", sa.Integer(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("decline_reasons", sa.JSON(), nullable=False),
        sa.Column("proposal_rule_id", sa.Integer(), nullable=True),
        sa.Column("rating_rule_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "publication_days >= 0 AND publication_days <= 30",
            name=op.f("ck_deliberation_settings_pub_days"),
        ),
        sa.CheckConstraint(
            "satisfaction_threshold >= 0 AND satisfaction_threshold <= 100",
            name=op.f("ck_deliberation_settings_threshold"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_rule_id"],
            ["rules.id"],
            name=op.f("fk_deliberation_settings_proposal_rule_id_rules"),
        ),
        sa.ForeignKeyConstraint(
            ["rating_rule_id"],
            ["rules.id"],
            name=op.f("fk_deliberation_settings_rating_rule_id_rules"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_deliberation_settings_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliberation_settings")),
        sa.UniqueConstraint("village_id", name=op.f("uq_deliberation_settings_village_id")),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("photo_path", sa.String(length=200), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "resident",
                "visit",
                "box",
                "wechat",
                "talk_room",
                "meeting",
                "assigned",
                name="topic_source",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "size",
            sa.Enum(
                "small",
                "normal",
                "hard",
                name="topic_size",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "collected",
                "accepted",
                "declined",
                "researched",
                "deliberated",
                "published",
                "implementing",
                "done",
                "merged",
                name="topic_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column(
            "form",
            sa.Enum(
                "forum",
                "hearing",
                "face_to_face",
                "online",
                "written",
                name="topic_form",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("research_notes", sa.Text(), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("objection_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("rating_round", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_topics_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["topics.id"], name=op.f("fk_topics_merged_into_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"], ["users.id"], name=op.f("fk_topics_signed_off_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_topics_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_topics_village_created", ["village_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_topics_village_status",
            ["village_id", "status", "urgent", "created_at"],
            unique=False,
        )

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_agenda_items_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_agenda_items_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint("event_id", "topic_id", name=op.f("uq_agenda_items_event_id_topic_id")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_items_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agenda_items_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "topic_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "upheld",
                "dismissed",
                name="topic_objection_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_topic_objections_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_topic_objections_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_objections_topic_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_topic_objections_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_objections")),
        sa.UniqueConstraint(
            "topic_id", "user_id", name=op.f("uq_topic_objections_topic_id_user_id")
        ),
    )
    with op.batch_alter_table("topic_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_objections_topic_id"), ["topic_id"], unique=False
        )

    op.create_table(
        "topic_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_path", sa.String(length=200), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_topic_progress_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_progress_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_progress")),
    )
    with op.batch_alter_table("topic_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_progress_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "topic_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("cosigner_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_topic_transitions_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cosigner_id"], ["users.id"], name=op.f("fk_topic_transitions_cosigner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_transitions_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_transitions")),
    )
    with op.batch_alter_table("topic_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_transitions_topic_id"), ["topic_id"], unique=False
        )

    op.create_table(
        "visit_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("raised", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_visit_logs_by_id_users")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_visit_logs_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_visit_logs_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_visit_logs_topic_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_visit_logs_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_logs")),
    )
    with op.batch_alter_table("visit_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_logs_village_visited", ["village_id", "visited_on"], unique=False
        )

    op.create_table(
        "topic_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "score",
            sa.Enum(
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                name="rating_score",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("proxy_reason", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("points_awarded", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_topic_ratings_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_topic_ratings_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_topic_ratings_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_ratings_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_ratings")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_topic_ratings_entry_id")),
        sa.UniqueConstraint(
            "topic_id",
            "round",
            "resident_id",
            name=op.f("uq_topic_ratings_topic_id_round_resident_id"),
        ),
    )
    with op.batch_alter_table("topic_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_ratings_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "topic_proposers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "resident",
                "visit",
                "box",
                "wechat",
                "talk_room",
                "meeting",
                "assigned",
                name="topic_source",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_topic_proposers_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_topic_proposers_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_topic_proposers_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_proposers_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_proposers")),
        sa.UniqueConstraint("award_id", name=op.f("uq_topic_proposers_award_id")),
        sa.UniqueConstraint(
            "topic_id", "resident_id", name=op.f("uq_topic_proposers_topic_id_resident_id")
        ),
    )
    with op.batch_alter_table("topic_proposers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_proposers_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_topic_proposers_topic_id"), ["topic_id"], unique=False)


def downgrade() -> None:
    for table in (
        "topic_proposers",
        "topic_ratings",
        "visit_logs",
        "topic_transitions",
        "topic_progress",
        "topic_objections",
        "agenda_items",
        "topics",
        "deliberation_settings",
    ):
        op.drop_table(table)
