"""events (meetings, volunteer work) and attendance, one row per event and resident

Revision ID: c4a000000001
Revises: b3a000000001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import points.db

revision = 'c4a000000001'
down_revision = 'b3a000000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('meeting', 'volunteer', name='event_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('starts_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('invite_scope', sa.Enum('village', 'groups', 'households', name='invite_scope', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('invited_ids', sa.JSON(), nullable=False),
    sa.Column('one_per_household', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'open', 'closed', name='event_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('opened_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['rule_id'], ['rules.id'], name=op.f('fk_events_rule_id_rules')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_events_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_village_id'), ['village_id'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('card', 'event_qr', 'manual', 'offline', name='checkin_method', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('checked_in_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', points.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('device', sa.String(length=200), nullable=False),
    sa.Column('checked_out_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('half_hours', sa.Integer(), nullable=True),
    sa.Column('points_awarded', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', points.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('undo_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_attendances_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_attendances_event_id_events')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_attendances_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendances_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_attendances_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('event_id', 'resident_id', name=op.f('uq_attendances_event_id_resident_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_resident_id'), ['resident_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_resident_id'))
        batch_op.drop_index(batch_op.f('ix_attendances_household_id'))
        batch_op.drop_index(batch_op.f('ix_attendances_event_id'))

    op.drop_table('attendances')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_village_id'))

    op.drop_table('events')
