"""insurance offer: answers, consents, covers, events

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:25:26.104420

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: columns added to existing tables get a server default so that rows already
    # there (carts, orders) stay valid.
    op.create_table('covers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('insured_total_minor', sa.Integer(), nullable=False),
    sa.Column('premium_minor', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f('ck_covers_status_known')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_covers_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_covers')),
    sa.UniqueConstraint('order_id', name=op.f('uq_covers_order_id'))
    )
    op.create_table('insurance_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Boolean(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('insured_total_minor', sa.Integer(), nullable=False),
    sa.Column('premium_minor', sa.Integer(), nullable=False),
    sa.Column('tier', sa.JSON(), nullable=False),
    sa.Column('config_version', sa.Integer(), nullable=False),
    sa.Column('terms_url', sa.String(length=500), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('display_mode', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('popup_shown', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_insurance_consents_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_consents')),
    sa.UniqueConstraint('order_id', name=op.f('uq_insurance_consents_order_id'))
    )
    op.create_table('insurance_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('config_version', sa.Integer(), nullable=False),
    sa.Column('display_mode', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('insured_total_minor', sa.Integer(), nullable=False),
    sa.Column('premium_minor', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_insurance_events_cart_id_carts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_insurance_events_order_id_orders'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_events'))
    )
    with op.batch_alter_table('insurance_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_insurance_events_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insurance_events_kind'), ['kind'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insurance_choice', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('insurance_channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('popup_shown', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('offer_seen_version', sa.Integer(), nullable=True))

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insured', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insurance_minor', sa.Integer(), nullable=False, server_default='0'))

    # ### end Alembic commands ###


def downgrade():
    # Drops what upgrade() added, newest first.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('insurance_minor')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('insured')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_column('offer_seen_version')
        batch_op.drop_column('popup_shown')
        batch_op.drop_column('insurance_channel')
        batch_op.drop_column('insurance_choice')

    with op.batch_alter_table('insurance_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insurance_events_kind'))
        batch_op.drop_index(batch_op.f('ix_insurance_events_cart_id'))
        batch_op.drop_index(batch_op.f('ix_insurance_events_at'))

    op.drop_table('insurance_events')
    op.drop_table('insurance_consents')
    op.drop_table('covers')
    # ### end Alembic commands ###
