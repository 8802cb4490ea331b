"""Paying: a receipt an agent records (transfer, cheque), a card payment through PayFiP from
its start to its confirmation, the quittance, the collectivité's payment settings. Plain
functions on a session; each journaled with who acted.

A card payment is believed only once PayFiP's detail says so, and is settled once: the move to
`payee` is a conditional UPDATE, so a notification and the browser's return arriving together,
or a notification replayed, find it done and change nothing. Money PayFiP took is never
refused: a payment confirmed after its idOp was given up (or for periods paid meanwhile by
transfer) is recorded, and what it paid twice becomes the host's credit.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import french_date, utcnow
from tenants.core.money import french
from tenants.core.urls import tenant_url
from tenants.declarations import calendar
from tenants.hosts.models import Hebergement, Host
from tenants.payments import ledger, payfip
from tenants.payments.ledger import ZERO, Due, Means, PaymentStatus
from tenants.payments.models import Allocation, Payment, PaymentSettings
from tenants.payments.payfip import Gateway, PayfipError

NUMCLI = re.compile(r"\d{6}")
BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
MODES = {"T": "Test", "X": "Activation", "W": "Production"}
UNAVAILABLE = ("Le service de paiement en ligne (PayFiP) ne répond pas. Réessayez dans quelques "
               "minutes, ou payez par virement ou par chèque.")


# --- the collectivité's settings --------------------------------------------------------


def settings_of(session: Session) -> PaymentSettings:
    """The row, or the defaults (not saved) while the collectivité set nothing."""
    return session.get(PaymentSettings, 1) or PaymentSettings(
        id=1, payfip_numcli="", payfip_mode="T", iban="", bic="", account_holder="",
        cheque_payee="", cheque_address="")


def iban_valid(iban: str) -> bool:
    """ISO 13616: country, check digits, then the mod-97 of the rearranged number is 1."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def configure(session: Session, data: dict, by: Actor) -> PaymentSettings:
    numcli = (data.get("payfip_numcli") or "").strip()
    mode = data.get("payfip_mode") or "T"
    iban = re.sub(r"\s", "", data.get("iban") or "").upper()
    bic = re.sub(r"\s", "", data.get("bic") or "").upper()
    if numcli and not NUMCLI.fullmatch(numcli):
        raise UserError("Le numéro client PayFiP (numcli) compte 6 chiffres.")
    if mode not in MODES:
        raise UserError("Choisissez le mode PayFiP : test, activation ou production.")
    if iban and not iban_valid(iban):
        raise UserError("L'IBAN n'est pas valide : vérifiez-le (clé de contrôle).")
    if bic and not BIC.fullmatch(bic):
        raise UserError("Le BIC compte 8 ou 11 caractères (par exemple TRPUFRP1).")
    values = session.get(PaymentSettings, 1)
    if values is None:
        values = PaymentSettings(id=1)
        session.add(values)
    values.payfip_numcli, values.payfip_mode, values.iban, values.bic = numcli, mode, iban, bic
    values.account_holder = (data.get("account_holder") or "").strip()[:200]
    values.cheque_payee = (data.get("cheque_payee") or "").strip()[:200]
    values.cheque_address = (data.get("cheque_address") or "").strip()[:1000]
    journal.record(session, "payments.settings_changed", by, target="Paiements",
                   numcli=numcli, mode=mode, iban_end=iban[-4:])
    return values


def transfer_reference(host: Host) -> str:
    """What a host writes on a transfer or on the back of a cheque, so that an agent finds
    them from the bank statement."""
    return f"TS-{host.reference}" if host.reference else f"TS-H{host.id:06d}"


def hold_since(now: datetime, idop_minutes: int) -> datetime:
    """Card payments started before this have expired: they hold nothing."""
    return now - timedelta(minutes=idop_minutes)


# --- what a host sees -----------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    dues: list[Due]
    credit: Decimal
    payments: list[Payment]

    @property
    def outstanding(self) -> Decimal:
        return sum((d.outstanding for d in self.dues), ZERO)

    @property
    def owed(self) -> list[Due]:
        return [d for d in self.dues if d.outstanding > ZERO]


def account(session: Session, host: Host, now: datetime, idop_minutes: int) -> Account:
    found = ledger.dues(session, host_id=host.id, hold_since=hold_since(now, idop_minutes))
    payments = list(session.scalars(
        sa.select(Payment).where(Payment.host_id == host.id)
        .order_by(Payment.started_at.desc(), Payment.id.desc())))
    return Account(found, ledger.credit(session, host.id, found), payments)


def own_payment(session: Session, host: Host, payment_id: int) -> Payment | None:
    payment = session.get(Payment, payment_id)
    return payment if payment is not None and payment.host_id == host.id else None


# --- a receipt an agent records -------------------------------------------------------------


def record(session: Session, host: Host, amount: Decimal | None, means: str,
           received_on: date | None, bank_reference: str, by: Actor,
           targets: list[Due] | None = None) -> Payment:
    """A transfer or cheque received: allocated to `targets` in their order (the host's
    declarations, oldest first, when None); what is left is a credit."""
    if means not in (Means.VIREMENT, Means.CHEQUE):
        raise UserError("Moyen de paiement : virement ou chèque.")
    if amount is None or amount <= ZERO:
        raise UserError("Indiquez le montant reçu (plus de 0 €).")
    if received_on is None:
        raise UserError("Indiquez la date de réception du paiement.")
    if received_on > date.today() + timedelta(days=1):
        raise UserError("La date de réception ne peut pas être dans le futur.")
    payment = Payment(host_id=host.id, means=means, status=PaymentStatus.PAYEE.value,
                      amount=amount, received_on=received_on,
                      bank_reference=bank_reference.strip()[:80], started_at=utcnow(),
                      confirmed_at=utcnow(), recorded_by=by.label[:254])
    session.add(payment)
    session.flush()
    chosen = ledger.dues(session, host_id=host.id) if targets is None else targets
    ledger.allocate(session, payment, [d for d in chosen if d.outstanding > ZERO], amount)
    _settle(session, payment, host, by, "payment.recorded")
    return payment


# --- a card payment through PayFiP -----------------------------------------------------------


def start_card(session: Session, gateway: Gateway, host: Host, declaration_ids: set[int],
               now: datetime, idop_minutes: int, urls: tuple[str, str], by: Actor) -> Payment:
    """Open a PayFiP payment for the declarations chosen (what is left on each): the payment
    and its allocations are saved waiting; the caller sends the browser to PayFiP."""
    values = settings_of(session)
    if not values.payfip_numcli:
        raise UserError("Le paiement en ligne n'est pas ouvert par votre collectivité : payez "
                        "par virement ou par chèque.")
    if not host.email:
        raise UserError("Le paiement en ligne demande votre adresse électronique : "
                        "renseignez-la dans vos informations personnelles.")
    # Two tabs paying the same declarations: the second waits here, then finds them held.
    session.execute(sa.select(Host.id).where(Host.id == host.id).with_for_update())
    found = ledger.dues(session, host_id=host.id, hold_since=hold_since(now, idop_minutes))
    chosen = [d for d in found if d.declaration_id in declaration_ids]
    if not chosen:
        raise UserError("Choisissez au moins une déclaration à payer.")
    for due in chosen:
        if not due.payable:
            raise UserError(f"La déclaration {due.declaration_reference} est déjà payée ou "
                            "en cours de paiement.")
    total = sum((d.outstanding for d in chosen), ZERO)
    cents = int(total * 100)
    if not payfip.MIN_CENTS <= cents <= payfip.MAX_CENTS:
        raise UserError("Le paiement en ligne accepte de 1 € à 100 000 € : pour ce montant, "
                        "payez par virement ou par chèque.")
    refdet = f"TS{now:%Y%m%d}{secrets.token_hex(5).upper()}"
    periods = sorted({d.period for d in chosen})
    try:
        id_op = gateway.create(
            numcli=values.payfip_numcli, saisie=values.payfip_mode, exer=str(now.year),
            refdet=refdet, cents=cents, mel=host.email,
            objet=payfip.objet(f"Taxe de sejour {' '.join(periods)}"),
            urlnotif=urls[0], urlredirect=urls[1])
    except PayfipError as error:
        journal.record(session, "payment.payfip_unavailable", by, target=host.full_name,
                       failure=error.code)
        raise UserError(UNAVAILABLE) from None
    payment = Payment(host_id=host.id, means=Means.PAYFIP.value,
                      status=PaymentStatus.EN_COURS.value, amount=total, refdet=refdet,
                      id_op=id_op, exer=str(now.year), numcli=values.payfip_numcli,
                      saisie=values.payfip_mode, started_at=now, recorded_by=by.label[:254])
    session.add(payment)
    session.flush()
    ledger.allocate(session, payment, chosen, total)
    journal.record(session, "payment.started", by, target=host.full_name,
                   payment_id=payment.id, refdet=refdet, amount=str(total))
    return payment


def by_id_op(session: Session, id_op: str) -> Payment | None:
    if not id_op or len(id_op) > 64:
        return None
    return session.scalar(sa.select(Payment).where(Payment.id_op == id_op))


def confirm(session: Session, gateway: Gateway, id_op: str, now: datetime, idop_minutes: int,
            by: Actor) -> Payment | None:
    """What PayFiP says of the payment, applied once: from a notification (unsigned: only
    the detail is believed), the browser's return, or the reconciliation. None for an idOp
    that is not ours. PayFiP unreachable: UserError, nothing changed."""
    payment = by_id_op(session, id_op)
    if payment is None:
        return None
    try:
        detail = gateway.detail(id_op)
    except PayfipError as error:
        if error.code == payfip.UNKNOWN or (
                error.code == payfip.NOT_FINISHED
                and now - payment.started_at > timedelta(minutes=idop_minutes)):
            _move(session, payment, PaymentStatus.EXPIREE, (PaymentStatus.EN_COURS,), by)
        elif error.code != payfip.NOT_FINISHED:
            raise UserError(UNAVAILABLE) from None
        session.refresh(payment)
        return payment
    if (detail.refdet, detail.montant, detail.numcli) != (
            payment.refdet, str(int(payment.amount * 100)), payment.numcli):
        journal.record(session, "payment.payfip_mismatch", by, target=payment.refdet or "",
                       payment_id=payment.id, theirs=detail.as_dict())
        _move(session, payment, PaymentStatus.ERREUR, (PaymentStatus.EN_COURS,), by)
        session.refresh(payment)
        return payment
    if detail.resultrans in payfip.PAID:
        others = tuple(s for s in PaymentStatus if s != PaymentStatus.PAYEE)
        paid_at = detail.paid_at or now
        if _move(session, payment, PaymentStatus.PAYEE, others, by, detail=detail,
                 received_on=paid_at.date(), confirmed_at=now):
            _settle(session, payment, session.get(Host, payment.host_id), by, "payment.paid")
    elif detail.resultrans in payfip.REFUSED:
        _move(session, payment, PaymentStatus.REFUSEE, (PaymentStatus.EN_COURS,), by,
              detail=detail)
    elif detail.resultrans in payfip.ABANDONED:
        _move(session, payment, PaymentStatus.ABANDONNEE, (PaymentStatus.EN_COURS,), by,
              detail=detail)
    else:
        _move(session, payment, PaymentStatus.ERREUR, (PaymentStatus.EN_COURS,), by,
              detail=detail)
    session.refresh(payment)
    return payment


def _move(session: Session, payment: Payment, to: PaymentStatus, allowed: tuple, by: Actor,
          detail: payfip.Detail | None = None, **values) -> bool:
    """The payment's new status, if it still is in one of `allowed`: one conditional UPDATE,
    so that of two confirmations racing, one wins and the other changes nothing."""
    changes = dict(values, status=to.value)
    if detail is not None:
        changes.update(resultrans=detail.resultrans[:2], numauto=detail.numauto[:20],
                       detail=json.dumps(detail.as_dict(), sort_keys=True))
    moved = session.execute(
        sa.update(Payment).where(Payment.id == payment.id,
                                 Payment.status.in_([s.value for s in allowed]))
        .values(**changes).execution_options(synchronize_session=False)).rowcount == 1
    if moved:
        session.refresh(payment)
        journal.record(session, f"payment.{to.value}", by, target=payment.refdet or "",
                       payment_id=payment.id, amount=str(payment.amount))
    return moved


# --- settled: the number, the credit, the quittance, the email ------------------------------


def _settle(session: Session, payment: Payment, host: Host, by: Actor, action: str) -> None:
    payment.number = f"P-{payment.received_on.year}-{payment.id:06d}"
    ledger.apply_credit(session, host.id)
    payment.receipt_pdf = build_quittance(session, payment, host)
    session.flush()
    journal.record(session, action, by, target=host.full_name, payment_id=payment.id,
                   number=payment.number, means=payment.means, amount=str(payment.amount))
    if host.email:
        brand = settings.brand(session)
        mail.send_after_commit(session, emails.render(
            "payments/paid", to=host.email, brand=brand, host=host, payment=payment,
            means=Means(payment.means).label, amount=french(payment.amount),
            received_on=french_date(payment.received_on),
            documents_url=tenant_url("dashboard.documents_page"),
            subject=f"{brand.name} : paiement de {french(payment.amount)} reçu",
            attachments=((f"quittance-{payment.number}.pdf", payment.receipt_pdf),)))


def build_quittance(session: Session, payment: Payment, host: Host) -> bytes:
    from tenants.payments.quittance import Quittance, QuittanceLine, quittance_pdf

    lines, given = [], ZERO
    for allocation, name, reference, declaration in ledger.allocations_of(session, payment.id):
        lines.append(QuittanceLine(
            hebergement=f"{name} ({reference})" if reference else name,
            period=_period_label(allocation), declaration=declaration,
            amount=allocation.amount))
        given += allocation.amount
    references = [("Quittance", payment.number or "")]
    if payment.means == Means.PAYFIP:
        references += [("Référence PayFiP (refdet)", payment.refdet or ""),
                       ("Opération PayFiP (idOp)", payment.id_op or "")]
        if payment.numauto:
            references.append(("Numéro d'autorisation", payment.numauto))
    elif payment.bank_reference:
        references.append(("Référence bancaire", payment.bank_reference))
    return quittance_pdf(Quittance(
        sender=settings.sender(session), number=payment.number or "",
        host_name=host.full_name, host_address=(host.address, f"{host.postal_code} {host.city}"),
        means=Means(payment.means).label, amount=payment.amount,
        received_on=payment.received_on, references=tuple(references), lines=tuple(lines),
        credit=payment.amount - given, issued_at=payment.confirmed_at or utcnow()))


def _period_label(allocation: Allocation) -> str:
    try:
        return calendar.from_key(allocation.period).label
    except ValueError:
        return allocation.period


# --- an agent's actions --------------------------------------------------------------------


def apply_credit(session: Session, host: Host, by: Actor) -> Decimal:
    moved = ledger.apply_credit(session, host.id)
    if moved <= ZERO:
        raise UserError("Aucun crédit à imputer : rien n'est dû, ou aucun crédit disponible.")
    journal.record(session, "payment.credit_applied", by, target=host.full_name,
                   amount=str(moved))
    return moved


def hebergement_by_reference(session: Session, reference: str) -> Hebergement | None:
    return session.scalar(sa.select(Hebergement).where(Hebergement.reference == reference))
