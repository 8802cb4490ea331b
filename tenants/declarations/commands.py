"""`flask declarations import | export | remind`: a paper register or another platform's history
entered and validated, a period's states for the collectivité's own tools, and the reminders
(for cron). The same functions as the pages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from plateforme import jobs, registry
from plateforme.cli import CommandGroup, bound
from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit.journal import Actor
from tenants.core.dates import paris_today
from tenants.core.files import french_csv
from tenants.declarations import desk, filing, follow, reminders
from tenants.declarations.filing import Status

declarations_group = CommandGroup("declarations", help="Déclarations : import, export, relances.")


@declarations_group.command("import")
@click.argument("slug")
@click.argument("reference")
@click.argument("periode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(slug, reference, periode, file):
    """Import a register (CSV) for one hébergement and period, and validate it as "import"."""
    with bound(slug) as tenant:
        cal = filing.calendar_of(db.session)
        ctx = desk.Context(db.session, tenant.schema, cal,
                           Actor(label="flask declarations import"), "import", paris_today(),
                           reason=f"Import du fichier {file.name} (flask declarations import)",
                           on_behalf=True)
        done = db.attempt(_import, ctx, reference, cal.period(periode), file.read_bytes())
        if done.error:
            raise UserError(done.error)
        declaration = done.value
        said = (f"Déclaration {declaration.reference} validée ({declaration.period}) : "
                f"{declaration.taxable_nights} nuitée(s) taxable(s), montant dû "
                f"{declaration.amount:.2f} €.")
    click.echo(said)


def _import(ctx: desk.Context, reference: str, period, data: bytes):
    hebergement = filing.by_reference(ctx.session, reference)
    if hebergement is None:
        raise UserError(f"Aucun hébergement de référence « {reference} » dans la collectivité.")
    current = filing.current(ctx.session, hebergement.id, period.key)
    if current is not None and (current.status != Status.BROUILLON or current.stays):
        raise UserError(f"La période {period.key} de « {hebergement.name} » est déjà "
                        + ("déclarée : rectifiez-la depuis la console."
                           if current.status != Status.BROUILLON
                           else "en cours de saisie (brouillon) : terminez-la depuis la "
                                "console."))
    outcome = desk.import_file(ctx, hebergement, period, data, None, {})
    if outcome.elsewhere:
        raise UserError("Séjours arrivés hors de la période " + period.key + " : "
                        + " ; ".join(outcome.elsewhere) + ". Rien n'a été importé.")
    return desk.validate(replace(ctx, reason=""), hebergement, period)  # said once, above


@declarations_group.command("export")
@click.argument("slug")
@click.argument("periode")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier CSV à écrire.")
def export_command(slug, periode, output):
    """Every hébergement's state for the period, as CSV."""
    with bound(slug):
        cal = filing.calendar_of(db.session)
        period = cal.period(periode)
        rows = follow.period_rows(db.session, period, cal, paris_today())
        output.write_bytes(french_csv(follow.EXPORT_COLUMNS, follow.export_rows(rows, period)))
        db.session.rollback()
    click.echo(f"{len(rows)} hébergement(s) écrit(s) dans {output}.")


@declarations_group.command("remind")
@click.argument("slugs", nargs=-1)
def remind_command(slugs):
    """Send the reminders due today (every active collectivité when none is named)."""
    if not slugs:
        slugs = [c.slug for c in registry.all_collectivites(db.session) if c.status == "active"]
        db.session.commit()
    by = Actor(label="flask declarations remind")
    for slug in slugs:
        with bound(slug):
            sent, failed = reminders.send(db.session, filing.calendar_of(db.session),
                                          paris_today(), by)
            db.session.commit()
        click.echo(f"{slug} : {sent} relance(s) envoyée(s)"
                   + (f", {failed} échec(s) d'envoi (réessayées au prochain passage)."
                      if failed else "."))


@jobs.daily("declarations.remind", "Relances des déclarations")
def remind_daily(tenant) -> None:
    reminders.send(db.session, filing.calendar_of(db.session), paris_today(),
                   Actor(label="relances quotidiennes"))
