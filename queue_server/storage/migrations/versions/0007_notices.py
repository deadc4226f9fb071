"""notices: the outbox of e-mail, SMS and webhook notices

Written in the same transaction as the change a notice tells of and sent afterwards by the
notifier with retries and backoff, so a notice queued before a crash is sent after the restart.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 02:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('office', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('booking', sa.Integer(), nullable=True),
        sa.Column('ticket', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['office'], ['offices.id'], name=op.f('fk_notices_office_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    )
    op.create_index('ix_notices_status_next', 'notices', ['status', 'next_attempt_at'])
    op.create_index('ix_notices_booking_kind', 'notices', ['booking', 'kind'])
    # The few waiting tickets checked in for a booking: the turn-near check reads only these.
    booked_waiting = sa.text("status = 'waiting' AND booking IS NOT NULL")
    op.create_index(
        'ix_tickets_booked_waiting',
        'tickets',
        ['office'],
        sqlite_where=booked_waiting,
        postgresql_where=booked_waiting,
    )


def downgrade() -> None:
    op.drop_index('ix_tickets_booked_waiting', table_name='tickets')
    op.drop_index('ix_notices_booking_kind', table_name='notices')
    op.drop_index('ix_notices_status_next', table_name='notices')
    op.drop_table('notices')
