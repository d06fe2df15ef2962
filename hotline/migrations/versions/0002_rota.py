"""rota: rotations, overrides, leave, swaps, rota SMS, coverage alerts, iCal tokens, sweep locks

Replaces the `shift` table (materialised hours) with rotations computed on the fly; the
foundation's shifts were test and demo data only, so none are carried over.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 21:00:59.183331
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('coverage_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detected_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_coverage_alert_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_alert')),
    sa.UniqueConstraint('starts_at', name=op.f('uq_coverage_alert_starts_at'))
    )
    with op.batch_alter_table('coverage_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coverage_alert_resolved_at'), ['resolved_at'], unique=False)

    op.create_table('rotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('layer', sa.Integer(), nullable=False),
    sa.Column('shift_hours', sa.Integer(), nullable=False),
    sa.Column('handoff_time', sa.Time(), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=True),
    sa.Column('hours_from', sa.Time(), nullable=True),
    sa.Column('hours_to', sa.Time(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(hours_from IS NULL) = (hours_to IS NULL)', name=op.f('ck_rotation_hours_paired')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_rotation_ends_after_start')),
    sa.CheckConstraint('layer >= 1', name=op.f('ck_rotation_layer_positive')),
    sa.CheckConstraint('shift_hours >= 1', name=op.f('ck_rotation_shift_positive')),
    sa.CheckConstraint('weekdays IS NULL OR (weekdays >= 1 AND weekdays <= 127)', name=op.f('ck_rotation_weekdays')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation'))
    )
    with op.batch_alter_table('rotation', schema=None) as batch_op:
        batch_op.create_index('ix_rotation_window', ['starts_at', 'ends_at'], unique=False)

    op.create_table('sweep_lock',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_lock'))
    )
    op.create_table('calendar_feed',
    sa.Column('volunteer_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_calendar_feed_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('volunteer_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('rota_leave',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_rota_leave_ends_after_start')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_rota_leave_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_leave'))
    )
    with op.batch_alter_table('rota_leave', schema=None) as batch_op:
        batch_op.create_index('ix_rota_leave_volunteer_window', ['volunteer_id', 'starts_at', 'ends_at'], unique=False)
        batch_op.create_index('ix_rota_leave_window', ['starts_at', 'ends_at'], unique=False)

    op.create_table('rota_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'handoff', 'coverage', name='notificationkind', native_enum=False, length=32), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('to_number', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('due_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('sending', 'sent', 'failed', name='notificationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=True),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_rota_notification_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_notification')),
    sa.UniqueConstraint('key', name=op.f('uq_rota_notification_key'))
    )
    with op.batch_alter_table('rota_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_notification_due_at'), ['due_at'], unique=False)

    op.create_table('rotation_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rotation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rotation_id'], ['rotation.id'], name=op.f('fk_rotation_member_rotation_id_rotation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_rotation_member_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_member')),
    sa.UniqueConstraint('rotation_id', 'position', name=op.f('uq_rotation_member_rotation_id'))
    )
    with op.batch_alter_table('rotation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_member_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('rota_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('replaced_volunteer_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_rota_override_ends_after_start')),
    sa.CheckConstraint('layer >= 1', name=op.f('ck_rota_override_layer_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rota_override_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['replaced_volunteer_id'], ['volunteer.id'], name=op.f('fk_rota_override_replaced_volunteer_id_volunteer')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_rota_override_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_override'))
    )
    with op.batch_alter_table('rota_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_override_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('ix_rota_override_window', ['starts_at', 'ends_at'], unique=False)

    op.create_table('swap_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.Integer(), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('offered', 'taken', 'approved', 'rejected', 'cancelled', name='swapstatus', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('override_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=200), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_swap_request_ends_after_start')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_swap_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['offered_by_id'], ['volunteer.id'], name=op.f('fk_swap_request_offered_by_id_volunteer')),
    sa.ForeignKeyConstraint(['override_id'], ['rota_override.id'], name=op.f('fk_swap_request_override_id_rota_override')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['volunteer.id'], name=op.f('fk_swap_request_taken_by_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_swap_request'))
    )
    with op.batch_alter_table('swap_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_swap_request_offered_by_id'), ['offered_by_id'], unique=False)
        batch_op.create_index('ix_swap_request_status_starts_at', ['status', 'starts_at'], unique=False)

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_window')

    op.drop_table('shift')


def downgrade() -> None:
    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('layer', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_shift_ends_after_start')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_shift_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift'))
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_window', ['starts_at', 'ends_at'], unique=False)

    with op.batch_alter_table('swap_request', schema=None) as batch_op:
        batch_op.drop_index('ix_swap_request_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_swap_request_offered_by_id'))

    op.drop_table('swap_request')
    with op.batch_alter_table('rota_override', schema=None) as batch_op:
        batch_op.drop_index('ix_rota_override_window')
        batch_op.drop_index(batch_op.f('ix_rota_override_volunteer_id'))

    op.drop_table('rota_override')
    with op.batch_alter_table('rotation_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_member_volunteer_id'))

    op.drop_table('rotation_member')
    with op.batch_alter_table('rota_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_notification_due_at'))

    op.drop_table('rota_notification')
    with op.batch_alter_table('rota_leave', schema=None) as batch_op:
        batch_op.drop_index('ix_rota_leave_window')
        batch_op.drop_index('ix_rota_leave_volunteer_window')

    op.drop_table('rota_leave')
    op.drop_table('calendar_feed')
    op.drop_table('sweep_lock')
    with op.batch_alter_table('rotation', schema=None) as batch_op:
        batch_op.drop_index('ix_rotation_window')

    op.drop_table('rotation')
    with op.batch_alter_table('coverage_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coverage_alert_resolved_at'))

    op.drop_table('coverage_alert')
