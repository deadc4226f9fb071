"""operators.shift: the hours an operator works, known to the wait estimate

Weekly ranges in the office's local time, as in the office file
(`shift: {"mon-fri": "10:00-18:00"}`): an operator not signed in yet whose shift starts later
today is expected then. Existing operators have none (NULL).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 22:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shift', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('shift')
