"""collectivite lifecycle deleted

Revision ID: a4f0e0c0de04
Revises: a3f0e0c0de03
Create Date: 2026-11-27 18:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a4f0e0c0de04'
down_revision = 'a3f0e0c0de03'
branch_labels = None
depends_on = None


OLD_STATUSES = "status IN ('provisioning', 'active', 'suspended', 'archived')"
NEW_STATUSES = "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted')"


def upgrade():
    # A collectivité whose data was deleted keeps its registry row, as « supprimée », dated.
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_collectivites_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_collectivites_status'), NEW_STATUSES)


def downgrade():
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_collectivites_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_collectivites_status'), OLD_STATUSES)
        batch_op.drop_column('deleted_at')
