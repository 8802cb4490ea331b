"""`flask hosts import` (and its `import-template`) and `flask hosts letters`: a collectivité's
hosts from its CSV, and their invitation letters (the console does the same through the same
functions)."""

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
    """Create hosts and hébergements from a CSV (all rows or none), in UTF-8 or Windows-1252
    (the encoding read is printed)."""
    with bound(slug):
        try:
            report = importing.import_hosts(db.session, file.read_bytes())
        except importing.ImportRejected as rejected:
            db.session.rollback()
            click.echo(f"{file.name}: fichier lu en {rejected.report.encoding}.", err=True)
            for error in rejected.report.errors:
                click.echo(f"{file.name}: {error}", err=True)
            raise
        db.session.commit()
    click.echo(f"Fichier lu en {report.encoding}.")
    click.echo(f"{report.hosts_created} hébergeur(s) créé(s), {report.hosts_updated} complété(s), "
               f"{report.hebergements_created} hébergement(s) créé(s).")


@hosts_group.command("import-template")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def import_template_command(output):
    """Write the CSV template `flask hosts import` reads: its header and one example row."""
    output.write_bytes(importing.template_csv())
    click.echo(f"Modèle écrit dans {output} (UTF-8, séparateur « ; »).")


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
