"""awards (with review and publication) and objections to posted awards

Revision ID: b3a000000001
Revises: a1f0c0de0002
Create Date: 2026-11-22 00:09:52.798353
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = 'b3a000000001'
down_revision = 'a1f0c0de0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'published', 'held', 'rejected', 'confirmed', name='award_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('is_claim', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('objection_deadline', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_awards_amount_not_zero')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_awards_quantity_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_awards_created_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_awards_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_awards_household_id_households')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_awards_resident_id_residents')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_awards_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['rule_id'], ['rules.id'], name=op.f('fk_awards_rule_id_rules')),
    sa.ForeignKeyConstraint(['rule_version_id'], ['rule_versions.id'], name=op.f('fk_awards_rule_version_id_rule_versions')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_awards_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_awards_entry_id'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_awards_due', ['village_id', 'status', 'objection_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_objection_deadline'), ['objection_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_village_id'), ['village_id'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'dismissed', name='objection_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_objections_award_id_awards')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_objections_decided_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_objections_resident_id_residents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_objections_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_objections_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections')),
    sa.UniqueConstraint('award_id', 'user_id', name=op.f('uq_objections_award_id_user_id'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_village_id'), ['village_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_village_id'))
        batch_op.drop_index(batch_op.f('ix_objections_status'))
        batch_op.drop_index(batch_op.f('ix_objections_award_id'))

    op.drop_table('objections')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_village_id'))
        batch_op.drop_index(batch_op.f('ix_awards_status'))
        batch_op.drop_index(batch_op.f('ix_awards_rule_id'))
        batch_op.drop_index(batch_op.f('ix_awards_resident_id'))
        batch_op.drop_index(batch_op.f('ix_awards_objection_deadline'))
        batch_op.drop_index(batch_op.f('ix_awards_household_id'))
        batch_op.drop_index('ix_awards_due')
        batch_op.drop_index(batch_op.f('ix_awards_created_at'))

    op.drop_table('awards')
