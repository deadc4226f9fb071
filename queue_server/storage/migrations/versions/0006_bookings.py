"""bookings and api_clients; tickets.booking

Online pre-booking: one row per booked slot with its code, the hash of its private manage link,
its status and the visitor's optional contact (personal data, purged after the visit). API
clients are outside systems (a regional portal) calling the booking API with a bearer token.
A ticket checked in for a booking points at it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 02:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bookings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('office', sa.String(length=64), nullable=False),
        sa.Column('service', sa.String(length=64), nullable=False),
        sa.Column('slot_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('manage_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ticket', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['office'], ['offices.id'], name=op.f('fk_bookings_office_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    )
    op.create_index('ix_bookings_office_code', 'bookings', ['office', 'code'], unique=True)
    op.create_index(
        'ix_bookings_office_service_slot', 'bookings', ['office', 'service', 'slot_at']
    )
    op.create_table(
        'api_clients',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('office', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['office'], ['offices.id'], name=op.f('fk_api_clients_office_offices')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_clients_token_hash')),
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking', sa.Integer(), nullable=True))
    # A service's `booking:` section of the office file (null: the service is not bookable).
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('booking')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('booking')
    op.drop_table('api_clients')
    op.drop_index('ix_bookings_office_service_slot', table_name='bookings')
    op.drop_index('ix_bookings_office_code', table_name='bookings')
    op.drop_table('bookings')
