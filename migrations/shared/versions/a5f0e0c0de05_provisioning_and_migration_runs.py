"""provisioning and migration runs

Revision ID: a5f0e0c0de05
Revises: a4f0e0c0de04
Create Date: 2026-11-27 18:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a5f0e0c0de05'
down_revision = 'a4f0e0c0de04'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('onboardings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collectivite', sa.String(length=40), nullable=False),
    sa.Column('admin_email', sa.String(length=254), nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=True),
    sa.Column('invitation_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboardings')),
    sa.UniqueConstraint('collectivite', name=op.f('uq_onboardings_collectivite'))
    )
    op.create_table('operation_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('collectivite', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('provisioning', 'migration')",
                       name=op.f('ck_operation_failures_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_failures'))
    )
    with op.batch_alter_table('operation_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_operation_failures_collectivite'),
                              ['collectivite'], unique=False)


def downgrade():
    with op.batch_alter_table('operation_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_failures_collectivite'))
        batch_op.drop_index(batch_op.f('ix_operation_failures_at'))
    op.drop_table('operation_failures')
    op.drop_table('onboardings')
