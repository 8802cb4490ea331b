"""Alembic environment of the shared schema (the registry).

Given a connection in `config.attributes["connection"]` (by `flask tenants migrate` and the
tests), it migrates through it; otherwise (`flask db ...`) it uses the application's engine.
"""

from alembic import context

import plateforme.models  # noqa: F401  (every shared model, so autogenerate sees them all)
from plateforme.database import SharedModel

config = context.config
target_metadata = SharedModel.metadata


def run_with(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    from flask import current_app

    with current_app.extensions["taxesejour.db"].shared_engine.connect() as connection:
        run_with(connection)


if context.is_offline_mode():
    from flask import current_app

    context.configure(url=current_app.config["DATABASE_URL"], target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
