"""`flask tenants add-admin`: a collectivité's first console administrator."""

from __future__ import annotations

import click

from plateforme import mail
from plateforme.cli import bound, tenants_group
from plateforme.database import db
from tenants.access.rules import Role
from tenants.agents import accounts
from tenants.audit import journal
from tenants.core.keys import current_keys

BY = journal.Actor(label="flask tenants add-admin")


@tenants_group.command("add-admin")
@click.argument("slug")
@click.argument("email")
@click.option("--name", default=None, help="Nom et prénom (par défaut : le courriel).")
def add_admin_command(slug, email, name):
    """Create an administrator of the collectivité's console and send the invitation."""
    with bound(slug):
        agent = accounts.create(db.session, email, name or email, Role.ADMINISTRATEUR)
        journal.record(db.session, "agent.invited", BY, target=agent.email,
                       role=Role.ADMINISTRATEUR.value)
        message = accounts.invitation_email(db.session, current_keys(), agent,
                                            "L'équipe de la plateforme")
        link = accounts.invitation_link(current_keys(), agent)
        email_address = agent.email
        db.session.commit()
        try:
            mail.send(message)
            sent = "envoyée par courriel"
        except mail.MailError as error:
            sent = f"non envoyée ({error})"
    click.echo(f"Administrateur {email_address} créé ; invitation {sent}.")
    click.echo(f"Lien d'invitation ({accounts.INVITATION_DAYS} jours, usage unique) : {link}")
