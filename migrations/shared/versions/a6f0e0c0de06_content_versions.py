"""content versions: what each process's per-collectivité content cache checks

Revision ID: a6f0e0c0de06
Revises: a5f0e0c0de05
Create Date: 2026-11-27 20:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a6f0e0c0de06'
down_revision = 'a5f0e0c0de05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.BigInteger(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.BigInteger(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.drop_column('content_version')
    with op.batch_alter_table('registry_state', schema=None) as batch_op:
        batch_op.drop_column('content_version')
