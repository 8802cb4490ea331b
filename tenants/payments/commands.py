"""`flask payments record | export`: an agent working from the bank statement records a
transfer or a cheque, and the comptable public's CSV. The same functions as the console."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from plateforme.cli import CommandGroup, bound
from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit.journal import Actor
from tenants.core.files import french_csv
from tenants.core.money import parse_amount
from tenants.payments import accounts, ledger, paying

payments_group = CommandGroup("payments", help="Paiements : encaissements, export comptable.")


@payments_group.command("record")
@click.argument("slug")
@click.argument("reference")
@click.argument("montant")
@click.option("--moyen", required=True, type=click.Choice(["virement", "cheque"]),
              help="virement ou cheque.")
@click.option("--date", "day", required=True, help="Date de réception, JJ/MM/AAAA.")
@click.option("--reference", "bank_reference", default="",
              help="Référence bancaire (libellé du virement, numéro du chèque).")
def record_command(slug, reference, montant, moyen, day, bank_reference):
    """Record a receipt for the hébergement REFERENCE, allocated to its declarations, oldest
    first; what is left is the host's credit."""
    try:
        received_on = datetime.strptime(day, "%d/%m/%Y").date()
    except ValueError:
        raise UserError(f"Date « {day} » invalide : écrivez-la JJ/MM/AAAA.") from None
    with bound(slug):
        done = db.attempt(_record, reference, parse_amount(montant, "Montant"), moyen,
                          received_on, bank_reference)
        if done.error:
            raise UserError(done.error)
        payment, lines = done.value
        said = [f"Paiement {payment.number} : {payment.amount:.2f} € ({moyen}) du "
                f"{received_on:%d/%m/%Y}."]
        said += [f"  {period} (déclaration {declaration}) : {amount:.2f} €"
                 for period, declaration, amount in lines]
        left = payment.amount - sum((amount for *_x, amount in lines), ledger.ZERO)
        if left:
            said.append(f"  crédit de l'hébergeur : {left:.2f} €")
    click.echo("\n".join(said))


def _record(reference, amount, means, received_on, bank_reference):
    hebergement = paying.hebergement_by_reference(db.session, reference)
    if hebergement is None:
        raise UserError(f"Aucun hébergement de référence « {reference} » dans la collectivité.")
    targets = ledger.dues(db.session, hebergement_id=hebergement.id)
    payment = paying.record(db.session, hebergement.host, amount, means, received_on,
                            bank_reference, Actor(label="flask payments record"), targets)
    lines = [(a.period, declaration, a.amount)
             for a, _name, _ref, declaration in ledger.allocations_of(db.session, payment.id)]
    return payment, lines


@payments_group.command("export")
@click.argument("slug")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier CSV à écrire.")
def export_command(slug, output):
    """Every allocation of every payment received, for the comptable public."""
    with bound(slug):
        rows = accounts.export_rows(db.session)
        db.session.rollback()
    output.write_bytes(french_csv(accounts.EXPORT_COLUMNS, rows))
    click.echo(f"{len(rows)} ligne(s) écrite(s) dans {output}.")
