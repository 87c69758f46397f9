"""deliberation II: bodies and members, the talent pool, representatives (terms, nominations,
signatures), meetings of a kind, votes and ballots, the 四议两公开 chain, escalations

Revision ID: d16a00000001
Revises: d15a00000001
Create Date: 2026-12-04 23:37:12.849775
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import points.db

revision = "d16a00000001"
down_revision = "d15a00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "deliberation_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("honorary_head", sa.String(length=100), nullable=False),
        sa.Column("rules_text", sa.Text(), nullable=False),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_deliberation_bodies_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliberation_bodies")),
        sa.UniqueConstraint(
            "village_id", "kind", name=op.f("uq_deliberation_bodies_village_id_kind")
        ),
    )
    op.create_table(
        "meeting_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("households_per_representative", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.JSON(), nullable=False),
        sa.Column("pass_num", sa.Integer(), nullable=False),
        sa.Column("pass_den", sa.Integer(), nullable=False),
        sa.Column("major_categories", sa.JSON(), nullable=False),
        sa.Column("duty_rules", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_meeting_settings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_settings")),
        sa.UniqueConstraint("village_id", name=op.f("uq_meeting_settings_village_id")),
    )
    op.create_table(
        "representative_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("ended_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_representative_terms_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative_terms")),
    )
    with op.batch_alter_table("representative_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_representative_terms_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "talents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("skills", sa.String(length=500), nullable=False),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_talents_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_talents_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talents")),
    )
    with op.batch_alter_table("talents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talents_village_id"), ["village_id"], unique=False)

    op.create_table(
        "body_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("x_kind", sa.String(length=24), nullable=False),
        sa.Column("duty", sa.String(length=100), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("talent_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("by_election", sa.Boolean(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["deliberation_bodies.id"],
            name=op.f("fk_body_members_body_id_deliberation_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_body_members_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"], ["talents.id"], name=op.f("fk_body_members_talent_id_talents")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_body_members_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_members")),
    )
    with op.batch_alter_table("body_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_body_members_body_id"), ["body_id"], unique=False)

    op.create_table(
        "decision_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_decision_chains_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_decision_chains_topic_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_decision_chains_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_chains")),
        sa.UniqueConstraint("topic_id", name=op.f("uq_decision_chains_topic_id")),
    )
    with op.batch_alter_table("decision_chains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_chains_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("term_id", sa.Integer(), nullable=True),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("noticed_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duty_settled_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["deliberation_bodies.id"],
            name=op.f("fk_meetings_body_id_deliberation_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_meetings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["representative_terms.id"],
            name=op.f("fk_meetings_term_id_representative_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_meetings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("event_id", name=op.f("uq_meetings_event_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index("ix_meetings_village_kind", ["village_id", "kind"], unique=False)

    op.create_table(
        "representative_nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_representative_nominations_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_representative_nominations_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_representative_nominations_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_representative_nominations_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["representative_terms.id"],
            name=op.f("fk_representative_nominations_term_id_representative_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_representative_nominations_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative_nominations")),
        sa.UniqueConstraint(
            "term_id", "resident_id", name=op.f("uq_representative_nominations_term_id_resident_id")
        ),
    )
    with op.batch_alter_table("representative_nominations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_representative_nominations_term_id"), ["term_id"], unique=False
        )

    op.create_table(
        "topic_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_topic_escalations_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_topic_escalations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_escalations_topic_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_topic_escalations_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_escalations")),
    )
    with op.batch_alter_table("topic_escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_escalations_topic_id"), ["topic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_topic_escalations_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "agenda_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("called", sa.Integer(), nullable=False),
        sa.Column("for_count", sa.Integer(), nullable=False),
        sa.Column("against_count", sa.Integer(), nullable=False),
        sa.Column("abstain_count", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", points.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_votes_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_agenda_votes_by_id_users")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_votes_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_votes")),
        sa.UniqueConstraint("agenda_item_id", name=op.f("uq_agenda_votes_agenda_item_id")),
    )
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_votes_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "nomination_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_nomination_signatures_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["representative_nominations.id"],
            name=op.f("fk_nomination_signatures_nomination_id_representative_nominations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_nomination_signatures_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["representative_terms.id"],
            name=op.f("fk_nomination_signatures_term_id_representative_terms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_signatures")),
        sa.UniqueConstraint(
            "term_id", "household_id", name=op.f("uq_nomination_signatures_term_id_household_id")
        ),
    )
    with op.batch_alter_table("nomination_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_signatures_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "agenda_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=24), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_agenda_ballots_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_agenda_ballots_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["agenda_votes.id"], name=op.f("fk_agenda_ballots_vote_id_agenda_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_ballots")),
        sa.UniqueConstraint(
            "vote_id", "resident_id", name=op.f("uq_agenda_ballots_vote_id_resident_id")
        ),
    )
    with op.batch_alter_table("agenda_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_ballots_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "decision_chain_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("vote_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", points.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_decision_chain_stages_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["decision_chains.id"],
            name=op.f("fk_decision_chain_stages_chain_id_decision_chains"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_decision_chain_stages_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["agenda_votes.id"],
            name=op.f("fk_decision_chain_stages_vote_id_agenda_votes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_chain_stages")),
        sa.UniqueConstraint(
            "chain_id", "stage", name=op.f("uq_decision_chain_stages_chain_id_stage")
        ),
    )
    with op.batch_alter_table("decision_chain_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_chain_stages_chain_id"), ["chain_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("decision_chain_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_chain_stages_chain_id"))

    op.drop_table("decision_chain_stages")
    with op.batch_alter_table("agenda_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_ballots_vote_id"))

    op.drop_table("agenda_ballots")
    with op.batch_alter_table("nomination_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_signatures_nomination_id"))

    op.drop_table("nomination_signatures")
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_votes_meeting_id"))

    op.drop_table("agenda_votes")
    with op.batch_alter_table("topic_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_escalations_village_id"))
        batch_op.drop_index(batch_op.f("ix_topic_escalations_topic_id"))

    op.drop_table("topic_escalations")
    with op.batch_alter_table("representative_nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_representative_nominations_term_id"))

    op.drop_table("representative_nominations")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_village_kind")

    op.drop_table("meetings")
    with op.batch_alter_table("decision_chains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_chains_village_id"))

    op.drop_table("decision_chains")
    with op.batch_alter_table("body_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_body_members_body_id"))

    op.drop_table("body_members")
    with op.batch_alter_table("talents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talents_village_id"))

    op.drop_table("talents")
    with op.batch_alter_table("representative_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_representative_terms_village_id"))

    op.drop_table("representative_terms")
    op.drop_table("meeting_settings")
    op.drop_table("deliberation_bodies")
