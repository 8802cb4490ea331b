"""markdown rendered at save: news, home text and legal texts keep their sanitised HTML

Existing rows are rendered here, with the renderer pages used until now.

Tenant tree: unqualified names, applied inside one collectivité's schema or file.

Revision ID: e5b65a1a3c08
Revises: aa23ac3c9b9f
Create Date: 2026-11-27 20:19:08.832818
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b65a1a3c08'
down_revision = 'aa23ac3c9b9f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_html', sa.Text(), server_default='', nullable=False))

    from tenants.core.markdown import legal_html, render_markdown

    bind = op.get_bind()
    for table, source, target, render in (("news_items", "body", "body_html", render_markdown),
                                          ("settings", "home_text", "home_html", render_markdown),
                                          ("legal_documents", "body", "body_html", legal_html)):
        t = sa.table(table, sa.column("id"), sa.column(source), sa.column(target))
        for row_id, text in bind.execute(sa.select(t.c.id, t.c[source])).all():
            bind.execute(sa.update(t).where(t.c.id == row_id).values({target: render(text)}))


def downgrade():
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.drop_column('home_html')

    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_column('body_html')

    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.drop_column('body_html')
