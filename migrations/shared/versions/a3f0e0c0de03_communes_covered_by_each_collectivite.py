"""communes covered by each collectivite

Revision ID: a3f0e0c0de03
Revises: a2f0e0c0de02
Create Date: 2026-11-27 18:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a3f0e0c0de03'
down_revision = 'a2f0e0c0de02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'covered_communes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collectivite_id', sa.Integer(), nullable=False),
        sa.Column('insee', sa.String(length=5), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('postal_codes', sa.String(length=200), nullable=False),
        # PostgreSQL: byte order, as SQLite's, for the prefix search (plateforme/communes.py).
        sa.Column('search_key', sa.String(length=200).with_variant(
            sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['collectivite_id'], ['collectivites.id'],
                                name=op.f('fk_covered_communes_collectivite_id_collectivites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_covered_communes')),
        sa.UniqueConstraint('collectivite_id', 'insee',
                            name=op.f('uq_covered_communes_collectivite_id')),
    )
    with op.batch_alter_table('covered_communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_covered_communes_collectivite_id'),
                              ['collectivite_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_covered_communes_search_key'), ['search_key'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('covered_communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_covered_communes_search_key'))
        batch_op.drop_index(batch_op.f('ix_covered_communes_collectivite_id'))
    op.drop_table('covered_communes')
