"""Payments, in the collectivité's schema: what a host paid (by card through PayFiP, by transfer
or cheque recorded by an agent) and to which declarations each euro went.

A payment counts once it is `payee`. Its allocations say which periods it paid; an allocation
may be negative, when money moves from a period overpaid after a rectification to another one
(the payment's total never changes: the money was received once). What a payment has not
allocated, and what a period received beyond its due, is the host's credit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from plateforme.database import TenantModel
from tenants.core import hostdata
from tenants.core.dates import utcnow
from tenants.core.money import Hundredths
from tenants.hosts.models import hosts_of_hebergements


class PaymentSettings(TenantModel):
    """How hosts pay this collectivité (one row): its PayFiP régie, its account for transfers,
    the order cheques are written to."""

    __tablename__ = "payment_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # The régie's client number from the DGFiP (6 digits); empty: no payment by card.
    payfip_numcli: Mapped[str] = mapped_column(sa.String(6), default="")
    # "T" test, "X" activation, "W" production (PayFiP's `saisie`).
    payfip_mode: Mapped[str] = mapped_column(sa.String(1), default="T")
    iban: Mapped[str] = mapped_column(sa.String(34), default="")
    bic: Mapped[str] = mapped_column(sa.String(11), default="")
    account_holder: Mapped[str] = mapped_column(sa.String(200), default="")
    cheque_payee: Mapped[str] = mapped_column(sa.String(200), default="")
    cheque_address: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("payfip_mode IN ('T', 'X', 'W')", name="payfip_mode"),
    )


class Payment(TenantModel):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the host and the comptable public read on the quittance, e.g. "P-2026-000042".
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    means: Mapped[str] = mapped_column(sa.String(10))      # payfip, virement, cheque
    status: Mapped[str] = mapped_column(sa.String(12))     # en_cours, payee, refusee, ...
    amount: Mapped[Decimal] = mapped_column(Hundredths)
    received_on: Mapped[date | None]                        # the day the money was received
    bank_reference: Mapped[str] = mapped_column(sa.String(80), default="")
    # PayFiP: our reference (refdet), their operation (idOp) and what they answered.
    refdet: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    id_op: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    exer: Mapped[str] = mapped_column(sa.String(4), default="")
    numcli: Mapped[str] = mapped_column(sa.String(6), default="")
    saisie: Mapped[str] = mapped_column(sa.String(1), default="")
    resultrans: Mapped[str] = mapped_column(sa.String(2), default="")
    numauto: Mapped[str] = mapped_column(sa.String(20), default="")
    detail: Mapped[str] = mapped_column(sa.Text, default="")   # JSON of the last answer
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(sa.String(254), default="")
    receipt_pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    allocations: Mapped[list[Allocation]] = relationship(
        order_by="Allocation.id", back_populates="payment", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("means IN ('payfip', 'virement', 'cheque')", name="means"),
        sa.CheckConstraint("status IN ('en_cours', 'payee', 'refusee', 'abandonnee', "
                           "'expiree', 'erreur')", name="status"),
        sa.CheckConstraint("amount > 0", name="amount"),
    )


class Allocation(TenantModel):
    """Part of a payment given to one period of one hébergement (through the validated
    version it was due on)."""

    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("declarations.id"), index=True)
    hebergement_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergements.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8))
    amount: Mapped[Decimal] = mapped_column(Hundredths)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="allocations")

    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount"),)


hostdata.tracks(Payment)
hostdata.tracks(Allocation, "hebergement_id", hosts_of_hebergements)
hostdata.tracks_all(PaymentSettings)
