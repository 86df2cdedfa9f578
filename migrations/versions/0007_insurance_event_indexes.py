"""insurance events: drop the indexes on kind and cart that no query reads

Every insurance answer writes an event, and each index is one more page written and synced per
answer. The dashboard ranges over ``at`` (kept); it reads kinds within that range (SQLite is
kept off the kind index on purpose) and joins orders and cart lines from the event's cart, not
events from a cart. Carts are never deleted, so the foreign key needs no index either.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('insurance_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insurance_events_kind'))
        batch_op.drop_index(batch_op.f('ix_insurance_events_cart_id'))


def downgrade():
    with op.batch_alter_table('insurance_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_events_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insurance_events_kind'), ['kind'], unique=False)
