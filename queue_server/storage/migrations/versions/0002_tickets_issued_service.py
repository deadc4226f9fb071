"""tickets.issued_service: the service a ticket was issued for, kept through transfers

The daily limit counts tickets by the service they were issued for. Existing tickets get the
service of their first step (what they were issued for), or their present service.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_service', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE tickets SET issued_service = COALESCE("
        "(SELECT steps.service FROM steps WHERE steps.ticket = tickets.id"
        " ORDER BY steps.id LIMIT 1), service)"
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('issued_service', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('issued_service')
