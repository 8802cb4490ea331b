"""The recovery procedure, in the collectivité's schema (L2333-38, R2333-48): one case per
hébergement, period and failing (not declared, or declared and not paid), each step dated, and
the documents sent, kept as they were printed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from plateforme.database import TenantModel
from tenants.core import hostdata
from tenants.core.dates import utcnow
from tenants.core.money import Hundredths


class RecoverySettings(TenantModel):
    """The collectivité's delays and estimation data (one row)."""

    __tablename__ = "recovery_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Days between the reminder (the declarations' "after" one) and the mise en demeure.
    days_to_notice: Mapped[int] = mapped_column(default=15)
    # Taxation d'office without last year's figures: capacity × this rate × days.
    occupancy_percent: Mapped[int] = mapped_column(default=30)
    # For unclassified accommodation, the price per night per person assumed.
    price_per_person: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal("40.00"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class RecoveryCase(TenantModel):
    __tablename__ = "recovery_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    hebergement_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergements.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8))
    period_start: Mapped[date]
    period_end: Mapped[date]
    deadline: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(14))     # non_declaree, non_payee
    step: Mapped[str] = mapped_column(sa.String(20))     # rappel, mise_en_demeure, ...
    status: Mapped[str] = mapped_column(sa.String(12), default="ouvert")  # ouvert, regularise
    reminded_on: Mapped[date]
    notice_on: Mapped[date | None]
    notice_document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recovery_documents.id"))
    assessed_on: Mapped[date | None]
    assessment_document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recovery_documents.id"))
    estimated_nights: Mapped[int | None]
    estimation_basis: Mapped[str] = mapped_column(sa.Text, default="")
    tax: Mapped[Decimal | None] = mapped_column(Hundredths)
    interest: Mapped[Decimal | None] = mapped_column(Hundredths)
    observations: Mapped[str] = mapped_column(sa.Text, default="")
    observations_on: Mapped[date | None]
    observations_by: Mapped[str] = mapped_column(sa.String(20), default="")   # hôte, agent
    # After the 30 days to reply: the collectivité's reasoned final position, then recovery.
    final_position: Mapped[str] = mapped_column(sa.Text, default="")
    final_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("hebergement_id", "period", "kind",
                            name="uq_recovery_cases_hebergement_period_kind"),
        sa.CheckConstraint("kind IN ('non_declaree', 'non_payee')", name="kind"),
        sa.CheckConstraint("step IN ('rappel', 'mise_en_demeure', 'taxation_d_office', "
                           "'mise_en_recouvrement')", name="step"),
        sa.CheckConstraint("status IN ('ouvert', 'regularise')", name="status"),
    )


class RecoveryDocument(TenantModel):
    """A letter as it was printed: a mise en demeure or an avis de taxation d'office."""

    __tablename__ = "recovery_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))   # mise_en_demeure, taxation_d_office
    issued_on: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    printed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("kind IN ('mise_en_demeure', 'taxation_d_office')",
                                         name="kind"),)


class PlatformStatement(TenantModel):
    """A platform's half-yearly statement as it was received, with what it totals: kept, so
    that the collectivité can show what a platform declared for a host before chasing them."""

    __tablename__ = "platform_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(60))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    filename: Mapped[str] = mapped_column(sa.String(200))
    lines: Mapped[int]
    person_nights: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Hundredths)
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    imported_by: Mapped[str] = mapped_column(sa.String(254), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlatformPayment(TenantModel):
    """What a platform paid the collectivité (by transfer), set against its statements."""

    __tablename__ = "platform_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(60))
    received_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Hundredths)
    reference: Mapped[str] = mapped_column(sa.String(80), default="")
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform_statements.id"))
    recorded_by: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),)


hostdata.tracks(RecoveryCase)
hostdata.tracks(RecoveryDocument)
hostdata.tracks_all(RecoverySettings)
