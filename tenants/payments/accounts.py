"""The collectivité's accounts: per period, what was due, what was collected by each means, what
is outstanding and what was paid beyond the due; the CSV for the comptable public; the
reconciliation of card payments against PayFiP's own record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.audit.journal import Actor
from tenants.hosts.models import Hebergement, Host
from tenants.payments import ledger, paying
from tenants.payments.ledger import ZERO, Means, PaymentStatus
from tenants.payments.models import Allocation, Payment
from tenants.payments.payfip import Gateway, PayfipError

EXPORT_COLUMNS = ("date", "moyen", "montant", "hebergement_reference", "periode", "reference")


@dataclass
class PeriodAccount:
    period: str
    due: Decimal = ZERO
    collected: dict[str, Decimal] = field(default_factory=lambda: {m.value: ZERO for m in Means})
    outstanding: Decimal = ZERO
    surplus: Decimal = ZERO
    declarations: int = 0
    unpaid: int = 0

    @property
    def total_collected(self) -> Decimal:
        return sum(self.collected.values(), ZERO)


@dataclass
class Accounts:
    periods: list[PeriodAccount]
    unallocated: Decimal            # paid, given to no period yet (credits)

    @property
    def total(self) -> PeriodAccount:
        total = PeriodAccount("Total")
        for row in self.periods:
            total.due += row.due
            total.outstanding += row.outstanding
            total.surplus += row.surplus
            total.declarations += row.declarations
            total.unpaid += row.unpaid
            for means, amount in row.collected.items():
                total.collected[means] += amount
        return total


def by_period(session: Session, year: int | None = None) -> Accounts:
    """Every period (of `year`, when given) with a validated declaration or a payment."""
    rows: dict[str, PeriodAccount] = {}

    def keep(period: str) -> bool:
        return year is None or period.startswith(str(year))

    for period, sums in ledger.period_sums(session, year).items():
        rows[period] = PeriodAccount(period, due=sums.due, outstanding=sums.outstanding,
                                     surplus=sums.surplus, declarations=sums.declarations,
                                     unpaid=sums.unpaid)
    collected = session.execute(
        sa.select(Allocation.period, Payment.means, sa.func.sum(Allocation.amount))
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Payment.status == PaymentStatus.PAYEE.value)
        .group_by(Allocation.period, Payment.means))
    for period, means, total in collected:
        if keep(period):
            row = rows.setdefault(period, PeriodAccount(period))
            row.collected[means] += ledger.summed(total)
    return Accounts(sorted(rows.values(), key=lambda r: r.period), unallocated(session))


def unallocated(session: Session) -> Decimal:
    paid = session.scalar(sa.select(sa.func.sum(Payment.amount))
                          .where(Payment.status == PaymentStatus.PAYEE.value))
    given = session.scalar(sa.select(sa.func.sum(Allocation.amount))
                           .join(Payment, Payment.id == Allocation.payment_id)
                           .where(Payment.status == PaymentStatus.PAYEE.value))
    return ledger.summed(paid) - ledger.summed(given)


def totals(session: Session) -> tuple[Decimal, Decimal]:
    """(collected, outstanding) over every period: the console home's figures."""
    collected = session.scalar(sa.select(sa.func.sum(Payment.amount))
                               .where(Payment.status == PaymentStatus.PAYEE.value))
    outstanding = sum((p.outstanding for p in ledger.period_sums(session).values()), ZERO)
    return ledger.summed(collected), outstanding


def payments(session: Session, *, since: date | None = None, until: date | None = None,
             means: str | None = None, status: str | None = None,
             limit: int = 200) -> list[tuple[Payment, Host]]:
    query = (sa.select(Payment, Host).join(Host, Host.id == Payment.host_id)
             .order_by(Payment.started_at.desc(), Payment.id.desc()).limit(limit))
    if since is not None:
        query = query.where(sa.func.coalesce(Payment.received_on, sa.func.date(
            Payment.started_at)) >= since)
    if until is not None:
        query = query.where(sa.func.coalesce(Payment.received_on, sa.func.date(
            Payment.started_at)) <= until)
    if means:
        query = query.where(Payment.means == means)
    if status:
        query = query.where(Payment.status == status)
    return [(payment, host) for payment, host in session.execute(query)]


def export_rows(session: Session, since: date | None = None,
                until: date | None = None) -> list[tuple]:
    """One row per allocation of a paid payment (amounts with a `.`, the period as in the
    declarations' export); a payment's part given to no period is a row of its own, with no
    hébergement nor period, so that the file adds up to what was collected."""
    query = (sa.select(Payment.id, Payment.received_on, Payment.means, Payment.amount,
                       Payment.refdet, Payment.bank_reference, Payment.number,
                       Allocation.amount, Allocation.period, Hebergement.reference)
             .outerjoin(Allocation, Allocation.payment_id == Payment.id)
             .outerjoin(Hebergement, Hebergement.id == Allocation.hebergement_id)
             .where(Payment.status == PaymentStatus.PAYEE.value)
             .order_by(Payment.received_on, Payment.id, Allocation.id))
    if since is not None:
        query = query.where(Payment.received_on >= since)
    if until is not None:
        query = query.where(Payment.received_on <= until)
    rows, left = [], {}
    for (payment_id, day, means, total, refdet, bank_reference, number, amount, period,
         reference) in session.execute(query):
        ours = refdet if means == Means.PAYFIP else (bank_reference or number)
        if payment_id not in left:
            left[payment_id] = [day, means, total, ours or "", len(rows)]
        if amount is None:
            continue
        left[payment_id][2] -= amount
        rows.append((day, payment_id, means, amount, reference or "", period, ours or ""))
    for payment_id, (day, means, rest, ours, _at) in left.items():
        if rest != ZERO:
            rows.append((day, payment_id, means, rest, "", "", ours))
    rows.sort(key=lambda r: (r[0], r[1], r[5] == ""))
    return [(day.strftime("%d/%m/%Y"), means, f"{amount:.2f}", reference, period, ours)
            for day, _id, means, amount, reference, period, ours in rows]


# --- reconciliation with PayFiP ------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    payment: Payment
    host: Host
    ours: str                # our status after the check
    theirs: str              # what PayFiP says ("P", "R", "A", "en cours", "inconnue", …)
    amount_theirs: Decimal | None
    ok: bool
    note: str


THEIRS = {"P": "payé (carte)", "V": "payé (prélèvement)", "R": "refusé (carte)",
          "Z": "refusé (prélèvement)", "A": "abandonné"}
AGREES = {"P": PaymentStatus.PAYEE, "V": PaymentStatus.PAYEE, "R": PaymentStatus.REFUSEE,
          "Z": PaymentStatus.REFUSEE, "A": PaymentStatus.ABANDONNEE}


def reconcile(session: Session, gateway: Gateway, since: date, now: datetime,
              idop_minutes: int, by: Actor) -> list[Check]:
    """Every card payment started since `since`, our record against PayFiP's detail; a payment
    still open here is confirmed on the way (a notification PayFiP never delivered)."""
    checks = []
    for payment, host in payments(session, since=since, means=Means.PAYFIP, limit=1000):
        if payment.status == PaymentStatus.EN_COURS:
            paying.confirm(session, gateway, payment.id_op, now, idop_minutes, by)
        try:
            detail = gateway.detail(payment.id_op)
        except PayfipError as error:
            theirs = {"P5": "non terminé", "P1": "inconnue (purgée)"}.get(error.code,
                                                                             error.code)
            ok = payment.status in (PaymentStatus.EN_COURS, PaymentStatus.EXPIREE)
            checks.append(Check(payment, host, payment.status, theirs, None, ok,
                                "" if ok else "PayFiP ne connaît pas ce paiement comme "
                                              "abouti : vérifiez."))
            continue
        amount = Decimal(detail.montant or "0") / 100
        notes = []
        if amount != payment.amount:
            notes.append(f"montant PayFiP {amount:.2f} € ≠ {payment.amount:.2f} €")
        if detail.refdet != payment.refdet:
            notes.append("référence différente")
        expected = AGREES.get(detail.resultrans)
        if expected is None or expected != payment.status:
            notes.append("statut différent")
        checks.append(Check(payment, host, payment.status,
                            THEIRS.get(detail.resultrans, detail.resultrans or "?"), amount,
                            not notes, " ; ".join(notes)))
    return checks
