"""ratings: the visitor's verdict on one service step (CSAT 1-5, optional CES 1-5, reasons)

One row per step (the step is the key), written by the rating terminal of the step's workplace.
No personal data: ticket, step, service, operator, workplace, device, scores, reason tags, time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 21:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ratings',
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('ticket', sa.Integer(), nullable=False),
        sa.Column('office', sa.String(length=64), nullable=False),
        sa.Column('service', sa.String(length=64), nullable=False),
        sa.Column('operator', sa.String(length=64), nullable=True),
        sa.Column('workplace', sa.String(length=64), nullable=True),
        sa.Column('device', sa.String(length=64), nullable=False),
        sa.Column('csat', sa.Integer(), nullable=False),
        sa.Column('ces', sa.Integer(), nullable=True),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['step'], ['steps.id'], name=op.f('fk_ratings_step_steps')),
        sa.ForeignKeyConstraint(['ticket'], ['tickets.id'], name=op.f('fk_ratings_ticket_tickets')),
        sa.PrimaryKeyConstraint('step', name=op.f('pk_ratings')),
    )
    op.create_index(op.f('ix_ratings_office_rated_at'), 'ratings', ['office', 'rated_at'])


def downgrade() -> None:
    op.drop_index('ix_ratings_office_rated_at', table_name='ratings')
    op.drop_table('ratings')
