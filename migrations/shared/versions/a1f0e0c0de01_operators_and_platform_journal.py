"""operators and platform journal

Revision ID: a1f0e0c0de01
Revises: 0d64a9bea168
Create Date: 2026-11-27 18:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1f0e0c0de01'
down_revision = '0d64a9bea168'
branch_labels = None
depends_on = None


def upgrade():
    # The operators' accounts, second factor, sessions and login throttles; the platform journal.
    op.create_table('operator_login_throttles',
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=True),
    sa.Column('consecutive', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('window_failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key_digest', name=op.f('pk_operator_login_throttles'))
    )
    with op.batch_alter_table('operator_login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_login_throttles_account_key'), ['account_key'], unique=False)

    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled_at', sa.DateTime(), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
    sa.Column('auth_version', sa.String(length=32), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=True),
    sa.Column('invitation_accepted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('operateur', 'support')", name=op.f('ck_operators_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('email', name=op.f('uq_operators_email'))
    )
    op.create_table('platform_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('operator_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('collectivite', sa.String(length=40), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_journal'))
    )
    with op.batch_alter_table('platform_journal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_journal_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_journal_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_journal_collectivite'), ['collectivite'], unique=False)

    op.create_table('operator_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_operator_recovery_codes_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_recovery_codes')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_operator_recovery_codes_code_digest'))
    )
    with op.batch_alter_table('operator_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_recovery_codes_operator_id'), ['operator_id'], unique=False)

    op.create_table('operator_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('auth_version', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_operator_sessions_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_sessions')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_operator_sessions_token_digest'))
    )
    with op.batch_alter_table('operator_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_sessions_operator_id'), ['operator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('operator_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_sessions_operator_id'))

    op.drop_table('operator_sessions')
    with op.batch_alter_table('operator_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_recovery_codes_operator_id'))

    op.drop_table('operator_recovery_codes')
    with op.batch_alter_table('platform_journal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_journal_collectivite'))
        batch_op.drop_index(batch_op.f('ix_platform_journal_at'))
        batch_op.drop_index(batch_op.f('ix_platform_journal_action'))

    op.drop_table('platform_journal')
    op.drop_table('operators')
    with op.batch_alter_table('operator_login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_login_throttles_account_key'))

    op.drop_table('operator_login_throttles')
