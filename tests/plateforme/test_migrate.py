"""Migrations across schemas: parallel, skipping what is at head, going on past a failure."""

import re
import textwrap

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from plateforme import migrate
from plateforme.database import SharedModel, db
from tests.conftest import create_tenant


def add_column_revision(directory, revision="c0ffee000001"):
    (head,) = migrate.tenant_heads(str(directory))
    (directory / "versions" / f"{revision}_add_extra.py").write_text(textwrap.dedent(f'''
        """add news_items.extra (test)"""
        from alembic import op
        import sqlalchemy as sa

        revision = "{revision}"
        down_revision = "{head}"
        branch_labels = None
        depends_on = None


        def upgrade():
            with op.batch_alter_table("news_items") as batch:
                batch.add_column(sa.Column("extra", sa.String(20), nullable=True))


        def downgrade():
            with op.batch_alter_table("news_items") as batch:
                batch.drop_column("extra")
    '''))
    return revision


def columns(tenant, table="news_items") -> set[str]:
    with db.state.tenant_connection(tenant) as conn:
        schema = tenant.schema if db.state.is_postgresql else None
        return {c["name"] for c in sa.inspect(conn).get_columns(table, schema=schema)}


def version(tenant) -> frozenset:
    with db.state.tenant_connection(tenant) as conn:
        return migrate.read_version(conn, migrate.target_of(db.state, tenant.schema))


def upgrade_body(text: str) -> str:
    return text.split("def upgrade():", 1)[1].split("def downgrade():", 1)[0]


def run_migrate(app, *args):
    return app.test_cli_runner().invoke(args=["tenants", "migrate", *args])


def test_models_and_migrations_agree(real_app):
    """create_all (provisioning) and the migrations (upgrades) build the same schema."""
    with migrate.scratch_target(db.state) as target:
        migrate._stamp_base(target)
        status, _before, after, error = migrate.upgrade_tenant(
            target, real_app.config["TENANT_MIGRATIONS_DIR"])
        assert status == "upgraded", error
        assert frozenset(after) == migrate.tenant_heads(real_app.config["TENANT_MIGRATIONS_DIR"])
        with migrate._private_connection(target) as conn, conn.begin():
            migrate.prepare_tenant_connection(conn, target.schema)
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_name": lambda n, t, _p: not (t == "table" and n == "alembic_version")})
            assert compare_metadata(context, migrate.migration_metadata()) == []
    with db.state.shared_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SharedModel.metadata) == []


def test_tenant_autogenerate_compares_with_a_scratch_target(real_app, tenant_migrations_copy):
    real_app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    runner = real_app.test_cli_runner()
    result = runner.invoke(args=["tenants", "revision", "--autogenerate", "-m", "nothing"])
    assert result.exit_code == 0, result.output
    (written,) = [p for p in (tenant_migrations_copy / "versions").glob("*nothing.py")]
    assert "op." not in upgrade_body(written.read_text())
    # Without the existing revisions, autogenerate finds every table to create.
    for path in (tenant_migrations_copy / "versions").glob("*.py"):
        path.unlink()
    result = runner.invoke(args=["tenants", "revision", "--autogenerate", "-m", "everything"])
    assert result.exit_code == 0, result.output
    (written,) = list((tenant_migrations_copy / "versions").glob("*everything.py"))
    text = written.read_text()
    for table in ("settings", "legal_documents", "news_items"):
        assert f"op.create_table('{table}'" in text
    assert "alembic_version" not in text and "schema='tenant" not in text


def test_shared_autogenerate_works_through_flask_db(real_app, tmp_path):
    import shutil

    from tests.conftest import ROOT

    copy = tmp_path / "shared_copy"
    shutil.copytree(ROOT / "migrations" / "shared", copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = real_app.test_cli_runner().invoke(
        args=["db", "migrate", "-d", str(copy), "-m", "nothing"])
    assert result.exit_code == 0, result.output
    (written,) = list((copy / "versions").glob("*nothing.py"))
    assert "op." not in upgrade_body(written.read_text())


@pytest.mark.slow
def test_a_new_column_reaches_twenty_collectivites(real_app, tenant_migrations_copy,
                                                   monkeypatch):
    tenants = [create_tenant(real_app, f"commune-{i:02d}") for i in range(20)]
    real_app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    revision = add_column_revision(tenant_migrations_copy)

    result = run_migrate(real_app, "--workers", "4")
    assert result.exit_code == 0, result.output
    for tenant in tenants:
        assert version(tenant) == {revision}
        assert "extra" in columns(tenant)
        assert re.search(rf"^{tenant.slug}\s+upgraded\s+{revision}", result.output, re.M)
    assert "20 collectivité(s) : 0 à jour, 20 migrée(s), 0 en échec" in result.output

    # Nothing to apply: one batched read, no worker started.
    def no_pool(*_args, **_kwargs):
        raise AssertionError("a worker pool was started with nothing to apply")

    monkeypatch.setattr(migrate, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(migrate, "upgrade_tenant", no_pool)
    again = run_migrate(real_app, "--workers", "4")
    assert again.exit_code == 0, again.output
    assert "20 collectivité(s) : 20 à jour, 0 migrée(s)" in again.output


@pytest.mark.slow
def test_a_broken_collectivite_is_reported_and_the_others_upgraded(real_app,
                                                                   tenant_migrations_copy):
    tenants = [create_tenant(real_app, f"commune-{i}") for i in range(5)]
    broken = tenants[2]
    with db.state.tenant_connection(broken) as conn:
        conn.execute(sa.schema.DropTable(sa.Table("news_items", sa.MetaData(),
                                                  schema="tenant")))
    (before,) = version(broken)
    real_app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    revision = add_column_revision(tenant_migrations_copy)

    result = run_migrate(real_app, "--workers", "3")
    assert result.exit_code == 1, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith(broken.slug + " "))
    assert "failed" in line and "news_items" in line
    for tenant in tenants:
        if tenant is broken:
            assert version(tenant) == {before}  # rolled back where it was
        else:
            assert version(tenant) == {revision}
            assert "extra" in columns(tenant)
    assert "4 migrée(s), 1 en échec" in result.output


def test_only_the_named_collectivites_are_migrated(real_app, tenant_migrations_copy):
    a, b = create_tenant(real_app, "alpha"), create_tenant(real_app, "beta")
    real_app.config["TENANT_MIGRATIONS_DIR"] = str(tenant_migrations_copy)
    revision = add_column_revision(tenant_migrations_copy)
    result = run_migrate(real_app, "alpha")
    assert result.exit_code == 0, result.output
    assert version(a) == {revision} and version(b) != {revision}
    unknown = run_migrate(real_app, "inconnue")
    assert unknown.exit_code == 1
    assert unknown.output.strip().splitlines()[-1] == "Erreur : Collectivité inconnue : inconnue."
