"""Commands for the collectivité's work until its console exists (the console will call the
same functions): import hosts, produce letters, set the support phone, publish the CGU."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup  # noqa: F401  (documentation: groups are AppGroups)

from plateforme import registry
from plateforme.cli import CommandGroup, tenants_group
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.provisioning import Platform, tenant_info
from tenants import accounts, hosts, importing, legal, letters, settings

hosts_group = CommandGroup("hosts", help="A collectivité's hosts: import, letters.")


@contextmanager
def bound(slug: str):
    """Run the block with the collectivité `slug` bound; it must be provisioned."""
    collectivite = registry.require(db.session, slug)
    if collectivite.status in ("provisioning", "archived"):
        raise UserError(f"« {slug} » est {collectivite.status} : action impossible.")
    tenant = tenant_info(collectivite)
    db.session.commit()
    with db.tenant_context(tenant):
        yield tenant


def _keys(tenant) -> accounts.Keys:
    return accounts.Keys(current_app.secret_key, tenant.schema)


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
    platform = Platform.from_config(current_app.config)
    with bound(slug) as tenant:
        content, issued = letters.produce(
            db.session, _keys(tenant), letters.recipients(db.session, reissue), fmt, platform,
            tenant, current_app.config["ACTIVATION_CODE_DAYS"])
        output.write_bytes(content)  # written before the codes are committed: no lost letter
        db.session.commit()
    click.echo(f"{len(issued)} courrier(s) écrit(s) dans {output}.")


@tenants_group.command("set")
@click.argument("slug")
@click.option("--support-phone", default=None,
              help="Numéro du service technique, affiché aux hébergeurs ("
                   "chaîne vide pour l'effacer).")
@click.option("--display-name", default=None, help="Nom affiché aux hébergeurs.")
def set_command(slug, support_phone, display_name):
    """Change a collectivité's settings."""
    if support_phone is None and display_name is None:
        raise UserError("Rien à changer : précisez --support-phone ou --display-name.")
    with bound(slug):
        values = settings.get(db.session)
        if support_phone is not None:
            values.support_phone = hosts.parse_phone(support_phone) or ""
        if display_name is not None:
            values.display_name = hosts.required(display_name, "Nom affiché", 200)
        db.session.commit()
        phone = hosts.format_phone(values.support_phone) or "(aucun)"
    click.echo(f"« {slug} » : nom affiché « {values.display_name} », service technique {phone}.")


def _publish(slug: str, kind: str, file: Path) -> None:
    try:
        body = file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise UserError(f"{file.name} n'est pas encodé en UTF-8.") from None
    if len(body) < 20:
        raise UserError(f"{file.name} est vide ou presque : rien n'a été publié.")
    with bound(slug):
        current = legal.current(db.session, kind)
        if current is not None and current.sha256 == legal.text_hash(body):
            raise UserError(f"Ce texte est déjà la version {current.version} en vigueur.")
        document = legal.publish(db.session, kind, body)
        db.session.commit()
        click.echo(f"{legal.KINDS[kind]} : version {document.version} publiée ; chaque "
                   "hébergeur l'acceptera à sa prochaine visite.")


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


@tenants_group.command("add-admin")
@click.argument("slug")
@click.argument("email")
@click.option("--name", default=None, help="Nom et prénom (par défaut : le courriel).")
def add_admin_command(slug, email, name):
    """Create an administrator of the collectivité's console and send the invitation."""
    from plateforme import mail
    from tenants import agents, audit
    from tenants.console.auth import invitation_email

    with bound(slug):
        agent = agents.create(db.session, email, name or email, "administrateur")
        audit.record(db.session, "agent.invited", actor_kind="system", target=agent.email,
                     role="administrateur", by="flask tenants add-admin")
        message = invitation_email(agent, "L'équipe de la plateforme")
        link = next(line for line in message.text.splitlines() if "://" in line)
        email_address = agent.email
        db.session.commit()
        try:
            mail.send(message)
            sent = "envoyée par courriel"
        except mail.MailError as error:
            sent = f"non envoyée ({error})"
    click.echo(f"Administrateur {email_address} créé ; invitation {sent}.")
    click.echo(f"Lien d'invitation ({agents.INVITATION_DAYS} jours, usage unique) : {link}")


def init_app(app) -> None:
    app.cli.add_command(hosts_group)


@tenants_group.command("purge-audit")
@click.argument("slugs", nargs=-1)
def purge_audit_command(slugs):
    """Delete audit events older than each collectivité's retention (run daily from cron)."""
    from tenants import audit

    names = slugs or [c.slug for c in registry.all_collectivites(db.session)
                      if c.status in ("active", "suspended")]
    db.session.commit()
    for slug in names:
        with bound(slug):
            months = settings.get(db.session).audit_retention_months
            purged = audit.purge(db.session, months)
            db.session.commit()
        click.echo(f"{slug} : {purged} évènement(s) de plus de {months} mois supprimé(s).")
