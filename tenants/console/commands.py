"""`flask tenants purge-audit`: the journal's retention, applied by cron."""

from __future__ import annotations

import click

from plateforme import jobs, registry
from plateforme.cli import bound, tenants_group
from plateforme.database import db
from tenants.audit import journal
from tenants.collectivite import settings


@tenants_group.command("purge-audit")
@click.argument("slugs", nargs=-1)
def purge_audit_command(slugs):
    """Delete audit events older than each collectivité's retention (run daily from cron)."""
    names = slugs or [c.slug for c in registry.all_collectivites(db.session)
                      if c.status in ("active", "suspended")]
    db.session.commit()
    for slug in names:
        with bound(slug):
            months = settings.get(db.session).audit_retention_months
            purged = journal.purge(db.session, months)
            db.session.commit()
        click.echo(f"{slug} : {purged} évènement(s) de plus de {months} mois supprimé(s).")


@jobs.daily("audit.purge", "Purge du journal (durée de conservation)")
def purge_audit_daily(tenant) -> None:
    journal.purge(db.session, settings.get(db.session).audit_retention_months)
