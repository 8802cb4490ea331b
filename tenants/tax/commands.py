"""`flask tax import-delta FILE.xml`: the DGFiP's deliberations file, loaded into every
registered collectivité it concerns."""

from __future__ import annotations

from pathlib import Path

import click

from plateforme.cli import CommandGroup
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.tax import importing
from tenants.tax.deliberations import Outcome
from tenants.tax.delta import DeltaError

tax_group = CommandGroup("tax", help="La taxe de séjour : délibérations (DELTA).")
BY = journal.Actor(label="flask tax import-delta")


@tax_group.command("import-delta")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_delta_command(file):
    """Load the DGFiP's DELTA file (XML) into the registered collectivités it concerns."""
    try:
        report = importing.import_file(file, importing.targets_all(), BY)
    except DeltaError as error:
        raise UserError(str(error)) from None
    click.echo(f"Fichier DELTA {report.year} (version {report.version}) : "
               f"{report.total} délibération(s).")
    for tenant in report.tenants:
        click.echo(f"{tenant.tenant.slug} : {tenant.summary()}.")
        for outcome, names in tenant.outcomes.items():
            if outcome is not Outcome.UNCHANGED:
                for name in names:
                    click.echo(f"  {outcome.value} : {name}")
        for refused in tenant.refused:
            click.echo(f"  refusée : {refused}")
    click.echo(f"{report.unmatched} délibération(s) ne concernent aucune collectivité inscrite.")
