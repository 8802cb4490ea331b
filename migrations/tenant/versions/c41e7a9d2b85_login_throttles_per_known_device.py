"""login throttles per known device: the account a budget belongs to

Tenant tree: unqualified names, applied inside one collectivité's schema or file.

Revision ID: c41e7a9d2b85
Revises: 98dae1ca34af
Create Date: 2026-12-10 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'c41e7a9d2b85'
down_revision = '98dae1ca34af'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_throttles_account_key'), ['account_key'], unique=False)


def downgrade():
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_account_key'))
        batch_op.drop_column('account_key')
