"""operators.breaks: the planned breaks an operator takes, known to the wait estimate

Weekly ranges in the office's local time, as in the office file
(`breaks: {"mon-fri": "13:00-13:45"}`); existing operators have none (NULL).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breaks', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('breaks')
