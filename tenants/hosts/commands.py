"""`flask hosts import` and `flask hosts letters`: a collectivité's hosts from its CSV, and their
invitation letters (the console does the same through the same functions)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from plateforme.cli import CommandGroup, bound
from plateforme.database import db
from tenants.core.keys import current_keys
from tenants.hosts import importing, letters

hosts_group = CommandGroup("hosts", help="A collectivité's hosts: import, letters.")


@hosts_group.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(slug, file):
    """Create hosts and hébergements from a CSV (all rows or none)."""
    with bound(slug):
        try:
            report = importing.import_hosts(db.session, file.read_bytes())
        except importing.ImportRejected as rejected:
            db.session.rollback()
            for error in rejected.report.errors:
                click.echo(f"{file.name}: {error}", err=True)
            raise
        db.session.commit()
    click.echo(f"{report.hosts_created} hébergeur(s) créé(s), {report.hosts_updated} complété(s), "
               f"{report.hebergements_created} hébergement(s) créé(s).")


@hosts_group.command("letters")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), required=True,
              help="Publipostage CSV ou courriers PDF (une page par hébergeur).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier à écrire.")
@click.option("--reissue", is_flag=True,
              help="Inclure les hébergeurs qui attendent déjà leur activation : leur ancien "
                   "code cesse de fonctionner.")
def letters_command(slug, fmt, output, reissue):
    """Produce the pending invitation letters, each with a new activation code."""
    with bound(slug):
        content, issued = letters.produce(
            db.session, current_keys(), letters.recipients(db.session, reissue), fmt,
            current_app.config["ACTIVATION_CODE_DAYS"])
        output.write_bytes(content)  # written before the codes are committed: no lost letter
        db.session.commit()
    click.echo(f"{len(issued)} courrier(s) écrit(s) dans {output}.")
