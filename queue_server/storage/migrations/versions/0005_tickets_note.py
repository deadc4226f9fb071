"""tickets.note: a supervisor's short note for the specialist (staff views only)

A floor administrator issuing a ticket on a visitor's behalf may add a note of up to 200
characters; existing tickets have none (NULL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 22:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('note')
