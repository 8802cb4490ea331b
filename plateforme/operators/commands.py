"""`flask operators add | list | disable`: the first operator is created here, the others too
until the console has a page for it."""

from __future__ import annotations

import click
from flask import current_app

from plateforme import mail
from plateforme.cli import CommandGroup
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.operators import accounts, journal, security
from plateforme.operators.models import ROLES

operators_group = CommandGroup("operators", help="Opérateurs de la plateforme : comptes.")


@operators_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(sorted(ROLES)), default="operateur", show_default=True,
              help="operateur : tout ; support : lecture seule.")
@click.option("--name", default=None, help="Nom et prénom (par défaut : le courriel).")
def add_command(email, role, name):
    """Create an operator and send the invitation (the link is printed too)."""
    keys = security.Keys(current_app.secret_key)
    operator = accounts.create(db.session, email, name, role)
    journal.record(db.session, "operator.invited", detail={
        "account": operator.email, "role": role, "by": "flask operators add"})
    message = accounts.invitation_email(keys, operator)
    link = accounts.invitation_link(keys, operator)
    address = operator.email
    db.session.commit()
    try:
        mail.send(message)
        sent = "envoyée par courriel"
    except mail.MailError as error:
        sent = f"non envoyée ({error})"
    click.echo(f"Opérateur {address} ({ROLES[role]}) créé ; invitation {sent}.")
    click.echo(f"Lien d'invitation ({accounts.INVITATION_DAYS} jours, usage unique) : {link}")


@operators_group.command("list")
def list_command():
    """Every operator, with role and state."""
    operators = accounts.all_operators(db.session)
    if not operators:
        click.echo("Aucun opérateur. Créez le premier : flask operators add COURRIEL")
    for operator in operators:
        click.echo(f"{operator.email}\t{operator.name}\t{operator.role}\t{operator.state_label}")


@operators_group.command("disable")
@click.argument("email")
def disable_command(email):
    """Disable an operator: every session ends now."""
    operator = accounts.by_email(db.session, email)
    if operator is None:
        raise UserError(f"Aucun opérateur n'a l'adresse {email}.")
    accounts.disable(db.session, operator)
    db.session.commit()
    click.echo(f"Opérateur {operator.email} désactivé ; ses sessions sont fermées.")
