"""`flask tenants set` and `flask tenants publish-cgu|publish-privacy`: what an operator does for
a collectivité whose console nobody uses yet (the console calls the same functions)."""

from __future__ import annotations

from pathlib import Path

import click

from plateforme.cli import bound, tenants_group
from plateforme.database import db
from plateforme.errors import UserError
from tenants.collectivite import legal, settings
from tenants.core.validation import format_phone


@tenants_group.command("set")
@click.argument("slug")
@click.option("--support-phone", default=None,
              help="Numéro du service technique, affiché aux hébergeurs ("
                   "chaîne vide pour l'effacer).")
@click.option("--display-name", default=None, help="Nom affiché aux hébergeurs.")
@click.option("--declarations", "frequency", default=None,
              type=click.Choice(list(settings.FREQUENCIES)),
              help="Périodicité des déclarations des hébergeurs.")
@click.option("--echeance", "deadline_day", default=None, type=int,
              help="Jour du mois suivant la période avant lequel déclarer et reverser (1 à 28).")
def set_command(slug, support_phone, display_name, frequency, deadline_day):
    """Change a collectivité's settings."""
    if (support_phone, display_name, frequency, deadline_day) == (None,) * 4:
        raise UserError("Rien à changer : précisez --support-phone, --display-name, "
                        "--declarations ou --echeance.")
    with bound(slug):
        values = settings.set_support(db.session, support_phone, display_name, frequency,
                                      deadline_day)
        db.session.commit()
        phone = format_phone(values.support_phone) or "(aucun)"
        name, frequency = values.display_name, values.declaration_frequency
        deadline_day = values.declaration_deadline_day
    click.echo(f"« {slug} » : nom affiché « {name} », service technique {phone}, déclarations "
               f"{settings.FREQUENCIES[frequency]} avant le {deadline_day} du mois suivant.")


def _publish(slug: str, kind: str, file: Path) -> None:
    try:
        body = file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise UserError(f"{file.name} n'est pas encodé en UTF-8.") from None
    if len(body) < 20:
        raise UserError(f"{file.name} est vide ou presque : rien n'a été publié.")
    with bound(slug):
        document = legal.publish_new_version(db.session, kind, body)
        version = document.version
        db.session.commit()
    click.echo(f"{legal.KINDS[kind]} : version {version} publiée ; chaque hébergeur "
               "l'acceptera à sa prochaine visite.")


@tenants_group.command("publish-cgu")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def publish_cgu_command(slug, file):
    """Publish a new version of the CGU (Markdown)."""
    _publish(slug, "cgu", file)


@tenants_group.command("publish-privacy")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def publish_privacy_command(slug, file):
    """Publish a new version of the privacy policy (Markdown)."""
    _publish(slug, "privacy", file)
