"""Declarations of nights, in the collectivité's schema: one per hébergement and period and
version, with its registre du logeur (the stays), and the reminders sent.

A draft may change freely; validated, a declaration never changes again: a rectification is
the next version, which supersedes it once validated (both stay, as the history). What the
engine was given and what it answered is kept with the validated version, as it was.
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
from tenants.hosts.models import Hebergement, hosts_of_hebergements


class Declaration(TenantModel):
    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    hebergement_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergements.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8), index=True)   # "2026-07", "2026-T3"…
    period_start: Mapped[date]
    period_end: Mapped[date]
    deadline: Mapped[date]
    version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12))     # Status
    regime: Mapped[str] = mapped_column(sa.String(10))     # "reel" or "forfait"
    zero_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # What the engine said, kept up to date on a draft (the console lists thousands of them)
    # and frozen on a validated version.
    taxable_nights: Mapped[int] = mapped_column(default=0)
    exempt_nights: Mapped[int] = mapped_column(default=0)
    platform_nights: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal("0.00"))
    computation: Mapped[str] = mapped_column(sa.Text, default="")   # JSON, validated only
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    reference: Mapped[str | None] = mapped_column(sa.String(24))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("declarations.id"))
    validated_at: Mapped[datetime | None]
    validated_by: Mapped[str] = mapped_column(sa.String(254), default="")
    # Why an agent entered or corrected it on the host's behalf.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    recap_pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    hebergement: Mapped[Hebergement] = relationship()
    stays: Mapped[list[Stay]] = relationship(
        order_by="(Stay.arrival, Stay.id)", cascade="all, delete-orphan",
        back_populates="declaration")

    __table_args__ = (
        sa.UniqueConstraint("hebergement_id", "period", "version",
                            name="uq_declarations_hebergement_period_version"),
        sa.CheckConstraint("status IN ('brouillon', 'validee', 'remplacee')", name="status"),
    )


class Stay(TenantModel):
    """A line of the registre du logeur (R2333-50/51): no civil-status data about guests."""

    __tablename__ = "declaration_stays"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("declarations.id"), index=True)
    arrival: Mapped[date]
    departure: Mapped[date]
    persons: Mapped[int]
    exempt_minors: Mapped[int] = mapped_column(default=0)
    exempt_seasonal: Mapped[int] = mapped_column(default=0)
    exempt_emergency: Mapped[int] = mapped_column(default=0)
    price_per_night: Mapped[Decimal | None] = mapped_column(Hundredths)
    approximate_price: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(sa.String(10))        # "direct" or "plateforme"
    platform: Mapped[str | None] = mapped_column(sa.String(60))
    external_id: Mapped[str | None] = mapped_column(sa.String(80))
    source: Mapped[str] = mapped_column(sa.String(20), default="saisie")

    declaration: Mapped[Declaration] = relationship(back_populates="stays")

    __table_args__ = (
        sa.CheckConstraint("departure > arrival", name="dates"),
        sa.CheckConstraint("persons > 0", name="persons"),
        sa.CheckConstraint("channel IN ('direct', 'plateforme')", name="channel"),
    )

    @property
    def exempt(self) -> int:
        return self.exempt_minors + self.exempt_seasonal + self.exempt_emergency

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


class ReminderSettings(TenantModel):
    """When and what the reminders say (one row): days before and after the deadline."""

    __tablename__ = "declaration_reminder_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    days_before: Mapped[int] = mapped_column(default=5)
    days_after: Mapped[int] = mapped_column(default=7)
    text_before: Mapped[str] = mapped_column(sa.Text, default="")
    text_after: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class Reminder(TenantModel):
    """A reminder sent: a host is reminded at most once per period and kind."""

    __tablename__ = "declaration_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(6))   # "avant" or "apres"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("host_id", "period", "kind",
                                          name="uq_declaration_reminders_host_period_kind"),)


def hosts_of_declarations(ids: list[int]) -> sa.Select:
    return (sa.select(Hebergement.host_id)
            .join(Declaration, Declaration.hebergement_id == Hebergement.id)
            .where(Declaration.id.in_(ids)))


hostdata.tracks(Declaration, "hebergement_id", hosts_of_hebergements)
hostdata.tracks(Stay, "declaration_id", hosts_of_declarations)
hostdata.tracks_all(ReminderSettings)
