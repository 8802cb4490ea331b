"""What each host owes and what each payment paid: the validated declarations (their current
version's amount, from the tax engine), the payments allocated to them, the credits.

The due of a period is its current validated version's amount; what was paid on it is every
allocation of a paid payment to any version of that period, so a rectification's difference is
owed (or credited) without anyone computing it by hand. Allocation goes to the oldest
declaration first unless the payer chose; what is left is a credit.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.declarations.models import Declaration
from tenants.hosts.models import Hebergement
from tenants.payments.models import Allocation, Payment

ZERO = Decimal("0.00")


class Means(enum.StrEnum):
    PAYFIP = "payfip"
    VIREMENT = "virement"
    CHEQUE = "cheque"

    @property
    def label(self) -> str:
        return {"payfip": "Carte bancaire (PayFiP)", "virement": "Virement",
                "cheque": "Chèque"}[self.value]


class PaymentStatus(enum.StrEnum):
    EN_COURS = "en_cours"
    PAYEE = "payee"
    REFUSEE = "refusee"
    ABANDONNEE = "abandonnee"
    EXPIREE = "expiree"
    ERREUR = "erreur"

    @property
    def label(self) -> str:
        return {"en_cours": "En cours", "payee": "Payé", "refusee": "Refusé",
                "abandonnee": "Abandonné", "expiree": "Expiré",
                "erreur": "À vérifier"}[self.value]


class DueState(enum.StrEnum):
    A_PAYER = "a_payer"
    EN_RETARD = "en_retard"
    PARTIEL = "partiel"
    EN_COURS = "en_cours"
    PAYE = "paye"

    @property
    def label(self) -> str:
        return {"a_payer": "À payer", "en_retard": "En retard", "partiel": "Payé en partie",
                "en_cours": "Paiement en cours", "paye": "Payé"}[self.value]


@dataclass(frozen=True)
class Due:
    """One period of one hébergement as the accounts see it."""

    declaration_id: int          # the current validated version
    declaration_reference: str
    version: int
    hebergement_id: int
    hebergement_name: str
    hebergement_reference: str | None
    host_id: int
    period: str
    period_start: date
    deadline: date
    amount: Decimal              # due, from the engine
    paid: Decimal                # by paid payments, every version of the period
    pending: Decimal             # held by a card payment still open

    @property
    def outstanding(self) -> Decimal:
        return max(ZERO, self.amount - self.paid)

    @property
    def surplus(self) -> Decimal:
        return max(ZERO, self.paid - self.amount)

    @property
    def payable(self) -> bool:
        """Payable by card now: something left, and no card payment open on it."""
        return self.outstanding > ZERO and self.pending == ZERO

    def state(self, today: date) -> DueState:
        if self.outstanding == ZERO:
            return DueState.PAYE
        if self.pending > ZERO:
            return DueState.EN_COURS
        if self.paid > ZERO:
            return DueState.PARTIEL
        return DueState.EN_RETARD if today > self.deadline else DueState.A_PAYER


def summed(total) -> Decimal:
    """A SUM over a `Hundredths` column comes back as euros (its type's result processor)."""
    return ZERO if total is None else Decimal(total).quantize(ZERO)


def _paid_by_period(session: Session, host_id: int | None, hold_since: datetime | None):
    """(hebergement_id, period) → (paid, pending)."""
    statuses = [PaymentStatus.PAYEE.value]
    query = (sa.select(Allocation.hebergement_id, Allocation.period, Payment.status,
                       sa.func.sum(Allocation.amount))
             .join(Payment, Payment.id == Allocation.payment_id)
             .group_by(Allocation.hebergement_id, Allocation.period, Payment.status))
    held = Payment.status == PaymentStatus.EN_COURS.value
    if hold_since is not None:
        held = sa.and_(held, Payment.started_at >= hold_since)
    query = query.where(sa.or_(Payment.status.in_(statuses), held))
    if host_id is not None:
        query = query.where(Payment.host_id == host_id)
    found: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for hebergement_id, period, status, total in session.execute(query):
        amount = summed(total)
        found[(hebergement_id, period)][0 if status == PaymentStatus.PAYEE else 1] += amount
    return found


def dues(session: Session, *, host_id: int | None = None, hold_since: datetime | None = None,
         periods: list[str] | None = None, hebergement_id: int | None = None) -> list[Due]:
    """Every period with something due or paid, oldest first. `hold_since`: card payments
    started before it have expired and hold nothing."""
    query = (sa.select(Declaration.id, Declaration.reference, Declaration.version,
                       Declaration.hebergement_id, Hebergement.name, Hebergement.reference,
                       Hebergement.host_id, Declaration.period, Declaration.period_start,
                       Declaration.deadline, Declaration.amount)
             .join(Hebergement, Hebergement.id == Declaration.hebergement_id)
             .where(Declaration.status == "validee")
             .order_by(Declaration.period_start, Declaration.deadline, Hebergement.name,
                       Declaration.hebergement_id))
    if host_id is not None:
        query = query.where(Hebergement.host_id == host_id)
    if hebergement_id is not None:
        query = query.where(Declaration.hebergement_id == hebergement_id)
    if periods is not None:
        query = query.where(Declaration.period.in_(periods))
    paid = _paid_by_period(session, host_id, hold_since)
    found = []
    for row in session.execute(query):
        paid_amount, pending = paid.get((row[3], row[7]), (ZERO, ZERO))
        if row[10] == ZERO and paid_amount == ZERO:
            continue
        found.append(Due(*row, paid=paid_amount, pending=pending))
    return found


@dataclass
class PeriodSums:
    due: Decimal = ZERO
    outstanding: Decimal = ZERO
    surplus: Decimal = ZERO
    declarations: int = 0
    unpaid: int = 0


def period_sums(session: Session, year: int | None = None) -> dict[str, PeriodSums]:
    """`dues()` summed per period by the database, for the collectivité's accounts: thousands
    of declarations in one query, the same arithmetic (in hundredths)."""
    paid = (sa.select(Allocation.hebergement_id, Allocation.period,
                      sa.func.sum(Allocation.amount).label("paid"))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Payment.status == PaymentStatus.PAYEE.value)
            .group_by(Allocation.hebergement_id, Allocation.period).subquery())
    received = sa.func.coalesce(paid.c.paid, 0)
    left = sa.case((Declaration.amount > received, Declaration.amount - received), else_=0)
    over = sa.case((received > Declaration.amount, received - Declaration.amount), else_=0)
    counted = sa.or_(Declaration.amount > 0, received != 0)
    query = (sa.select(Declaration.period, sa.func.sum(Declaration.amount),
                       sa.func.sum(left), sa.func.sum(over), sa.func.count(),
                       sa.func.sum(sa.case((Declaration.amount > received, 1), else_=0)))
             .outerjoin(paid, sa.and_(paid.c.hebergement_id == Declaration.hebergement_id,
                                      paid.c.period == Declaration.period))
             .where(Declaration.status == "validee", counted)
             .group_by(Declaration.period))
    if year is not None:
        query = query.where(Declaration.period.like(f"{int(year)}%"))
    return {period: PeriodSums(summed(due), summed(outstanding), summed(surplus), count,
                               int(unpaid or 0))
            for period, due, outstanding, surplus, count, unpaid in session.execute(query)}


def unallocated(session: Session, host_id: int) -> list[tuple[Payment, Decimal]]:
    """Paid payments with money not given to any period, oldest first."""
    # Summed per payment of the host (its index), not over the collectivité's every
    # allocation: this runs on each host's dashboard.
    allocated = (sa.select(sa.func.sum(Allocation.amount))
                 .where(Allocation.payment_id == Payment.id).scalar_subquery())
    rows = session.execute(
        sa.select(Payment, allocated)
        .where(Payment.host_id == host_id, Payment.status == PaymentStatus.PAYEE.value)
        .order_by(Payment.received_on, Payment.id))
    left = []
    for payment, total in rows:
        given = summed(total)
        if payment.amount > given:
            left.append((payment, payment.amount - given))
    return left


def credit(session: Session, host_id: int, found: list[Due] | None = None) -> Decimal:
    """What the host paid beyond what they owe: money not allocated, and periods paid beyond
    their due (a rectification downwards)."""
    found = dues(session, host_id=host_id) if found is None else found
    return (sum((left for _p, left in unallocated(session, host_id)), ZERO)
            + sum((d.surplus for d in found), ZERO))


def allocate(session: Session, payment: Payment, targets: list[Due], amount: Decimal) -> Decimal:
    """Give up to `amount` of the payment to `targets` in their order (each up to what is left
    on it); returns what could not be given."""
    left = amount
    for due in targets:
        if left <= ZERO:
            break
        part = min(left, due.outstanding)
        if part <= ZERO:
            continue
        session.add(Allocation(payment=payment, declaration_id=due.declaration_id,
                               hebergement_id=due.hebergement_id, period=due.period,
                               amount=part))
        left -= part
    session.flush()
    return left


def apply_credit(session: Session, host_id: int) -> Decimal:
    """Move money from periods paid beyond their due to the payment's free part, then give every
    payment's free part to what is still owed, oldest first. Returns the amount given."""
    for due in dues(session, host_id=host_id):
        surplus = due.surplus
        if surplus <= ZERO:
            continue
        given = session.execute(
            sa.select(Allocation.payment_id, sa.func.sum(Allocation.amount))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Allocation.hebergement_id == due.hebergement_id,
                   Allocation.period == due.period,
                   Payment.status == PaymentStatus.PAYEE.value)
            .group_by(Allocation.payment_id).order_by(Allocation.payment_id.desc())).all()
        for payment_id, total in given:
            net = summed(total)
            part = min(surplus, net)
            if part <= ZERO:
                continue
            session.add(Allocation(payment_id=payment_id, declaration_id=due.declaration_id,
                                   hebergement_id=due.hebergement_id, period=due.period,
                                   amount=-part))
            surplus -= part
            if surplus <= ZERO:
                break
    session.flush()
    moved = ZERO
    for payment, left in unallocated(session, host_id):
        owed = [d for d in dues(session, host_id=host_id) if d.outstanding > ZERO]
        if not owed:
            break
        moved += left - allocate(session, payment, owed, left)
    return moved


def select(found: list[Due], declaration_ids: set[int] | None) -> list[Due]:
    """The dues chosen (all when None), in their order."""
    if declaration_ids is None:
        return list(found)
    return [d for d in found if d.declaration_id in declaration_ids]


def allocations_of(session: Session,
                   payment_id: int) -> list[tuple[Allocation, str, str | None, str]]:
    """A payment's allocations with the hébergement's name and reference and the declaration's
    reference, in one query (a quittance lists them all)."""
    return [(allocation, name, reference, declaration or "") for allocation, name, reference,
            declaration in session.execute(
                sa.select(Allocation, Hebergement.name, Hebergement.reference,
                          Declaration.reference)
                .join(Hebergement, Hebergement.id == Allocation.hebergement_id)
                .join(Declaration, Declaration.id == Allocation.declaration_id)
                .where(Allocation.payment_id == payment_id).order_by(Allocation.id))]
