"""Alembic environment of one collectivité's schema (PostgreSQL) or file (SQLite).

Revisions use unqualified names. On PostgreSQL the migration's transaction starts with
`SET LOCAL search_path` to the collectivité's schema alone (no `public`, so nothing falls back to
a shared table) and the version table lives in that schema; on SQLite each collectivité is its
own file. `flask tenants migrate` passes the connection and the schema in `config.attributes`;
`flask db ... -d migrations/tenant -x tenant=SLUG` works on one collectivité by hand.
"""

from alembic import context

import tenants.models  # noqa: F401  (every tenant model, so autogenerate sees them all)
from plateforme.migrate import migration_metadata, prepare_tenant_connection

config = context.config


def run_with(connection, schema) -> None:
    is_postgresql = connection.dialect.name == "postgresql"
    context.configure(
        connection=connection,
        target_metadata=migration_metadata(),
        version_table_schema=schema if is_postgresql else None,
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True,
        # The version table sits among the collectivité's tables: not a model.
        include_name=lambda name, type_, _parent: not (type_ == "table" and name == "alembic_version"),
    )
    with context.begin_transaction():
        prepare_tenant_connection(connection, schema,
                                  lock_timeout=config.attributes.get("lock_timeout"))
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection, config.attributes["schema"])
        return
    from plateforme.migrate import connect_for_cli

    with connect_for_cli(context.get_x_argument(as_dictionary=True).get("tenant")) as (conn, schema):
        run_with(conn, schema)


if context.is_offline_mode():
    raise SystemExit("Le mode hors ligne (--sql) n'est pas pris en charge pour les collectivités.")
run_online()
