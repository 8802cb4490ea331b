"""hosts data version: moves with any change to a host's data, so that their pages can keep
their figures in memory until it does (tenants.core.hostdata)

Tenant tree: unqualified names, applied inside one collectivité's schema or file.

Revision ID: afd71cd68cf2
Revises: e5b65a1a3c08
Create Date: 2026-11-27 23:08:36.014598
"""
from alembic import op
import sqlalchemy as sa


revision = 'afd71cd68cf2'
down_revision = 'e5b65a1a3c08'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hosts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('hosts', schema=None) as batch_op:
        batch_op.drop_column('data_version')
