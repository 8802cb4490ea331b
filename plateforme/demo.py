"""`flask demo`: the demo collectivité, created or brought up to date, and the URL to open."""

from __future__ import annotations

import click
from flask import current_app

from plateforme import migrate, provisioning
from plateforme.cli import reports_errors
from plateforme.database import db

DEMO_SLUG = "communautesoragout"
DEMO_NAME = "Communauté Soragout"


def ensure_demo(app) -> str:
    """Create (or refresh) the demo collectivité; returns its URL."""
    config = app.config
    platform = provisioning.Platform.from_config(config)
    migrate.upgrade_shared(db.state, config["SHARED_MIGRATIONS_DIR"])
    collectivite, _created = provisioning.create(
        db.state, db.session, platform, slug=DEMO_SLUG, name=DEMO_NAME,
        kind="communaute_de_communes")
    if collectivite.status == "suspended":
        provisioning.set_status(db.session, DEMO_SLUG, "active")
    report = migrate.migrate(db.state, db.session, shared_dir=config["SHARED_MIGRATIONS_DIR"],
                             tenant_dir=config["TENANT_MIGRATIONS_DIR"], slugs=[DEMO_SLUG],
                             workers=1)
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError(failed[0].error)
    return platform.url(collectivite.primary_domain.host)


@click.command("demo")
@reports_errors
def demo_command():
    """Create or refresh the demo collectivité and print the URL to open."""
    url = ensure_demo(current_app)
    click.echo(f"Collectivité de démonstration « {DEMO_NAME} » prête.")
    click.echo(f"Ouvrez {url}")
