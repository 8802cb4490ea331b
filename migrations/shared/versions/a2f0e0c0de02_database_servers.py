"""database servers

Revision ID: a2f0e0c0de02
Revises: a1f0e0c0de01
Create Date: 2026-11-27 18:15:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = 'a2f0e0c0de02'
down_revision = 'a1f0e0c0de01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('database_servers',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_database_servers'))
    )
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moving_to', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('collectivites', schema=None) as batch_op:
        batch_op.drop_column('moving_to')
    op.drop_table('database_servers')
