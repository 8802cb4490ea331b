"""The collectivité's deliberations on the taxe de séjour, per year and versioned, and the legal
grid of each year they are checked against.

A deliberation is never edited in place: a correction (typed in the console) or a new DELTA entry
with other values adds a version; every version stays, as the history. Which deliberation is in
force for a commune and a year is computed (`tenants.tax.deliberations.in_force`): the latest
version of each, and among those covering the commune, the one adopted last.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateforme import content
from plateforme.database import TenantModel
from tenants.core.dates import utcnow
from tenants.core.money import Hundredths


class LegalGridLine(TenantModel):
    """The year's floor and ceiling for one category (the DELTA file's `categories`)."""

    __tablename__ = "tax_legal_grid"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    floor: Mapped[Decimal] = mapped_column(Hundredths)
    ceiling: Mapped[Decimal] = mapped_column(Hundredths)
    unit: Mapped[str] = mapped_column(sa.String(2))       # "€" or "%"
    label: Mapped[str] = mapped_column(sa.String(400))


class Deliberation(TenantModel):
    __tablename__ = "tax_deliberations"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    # The same deliberation across its versions: "<SIREN>:<adoption date>" for DELTA's, or the
    # key of the one it corrects.
    key: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(10))    # Source
    siren: Mapped[str | None] = mapped_column(sa.String(9))
    name: Mapped[str] = mapped_column(sa.String(200))
    insee: Mapped[str | None] = mapped_column(sa.String(5))
    adopted_on: Mapped[date]
    entered_on: Mapped[date | None]
    low_rent_night: Mapped[Decimal | None] = mapped_column(Hundredths)
    low_rent_week: Mapped[Decimal | None] = mapped_column(Hundredths)
    low_rent_month: Mapped[Decimal | None] = mapped_column(Hundredths)
    departementale: Mapped[bool] = mapped_column(default=False)
    regionale: Mapped[bool] = mapped_column(default=False)
    idfm: Mapped[bool] = mapped_column(default=False)
    lgv: Mapped[bool] = mapped_column(default=False)
    # SHA-256 of what applies (communes, regimes, periods, tariffs, thresholds, taxes, bands):
    # importing the same deliberation again changes nothing.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(sa.String(254), default="")

    communes: Mapped[list[DeliberationCommune]] = relationship(
        order_by="DeliberationCommune.id", cascade="all, delete-orphan")
    regimes: Mapped[list[Regime]] = relationship(
        order_by="Regime.nature", cascade="all, delete-orphan")
    periods: Mapped[list[Period]] = relationship(
        order_by="Period.position", cascade="all, delete-orphan")
    bands: Mapped[list[Band]] = relationship(
        order_by="Band.nights_min", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("key", "version", name="uq_tax_deliberations_key_version"),
        sa.CheckConstraint("source IN ('delta', 'console')", name="source"),
    )

    @property
    def additional(self) -> tuple[str, ...]:
        return tuple(code for code in ("departementale", "idfm", "lgv", "regionale")
                     if getattr(self, code))


class DeliberationCommune(TenantModel):
    __tablename__ = "tax_deliberation_communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(sa.ForeignKey("tax_deliberations.id"),
                                                 index=True)
    insee: Mapped[str] = mapped_column(sa.String(5), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class Regime(TenantModel):
    """Réel or forfait, per DELTA nature of accommodation."""

    __tablename__ = "tax_regimes"

    deliberation_id: Mapped[int] = mapped_column(sa.ForeignKey("tax_deliberations.id"),
                                                 primary_key=True)
    nature: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    regime: Mapped[str] = mapped_column(sa.String(10))

    __table_args__ = (sa.CheckConstraint("regime IN ('reel', 'forfait')", name="regime"),)


class Period(TenantModel):
    """A perception period (day and month, both included) with its tariffs."""

    __tablename__ = "tax_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(sa.ForeignKey("tax_deliberations.id"),
                                                 index=True)
    position: Mapped[int]
    start_month: Mapped[int]
    start_day: Mapped[int]
    end_month: Mapped[int]
    end_day: Mapped[int]

    tariffs: Mapped[list[Tariff]] = relationship(
        order_by="Tariff.category", cascade="all, delete-orphan")


class Tariff(TenantModel):
    """€ per person (or unit) per night for categories 1–8; the rate in % for category 9."""

    __tablename__ = "tax_tariffs"

    period_id: Mapped[int] = mapped_column(sa.ForeignKey("tax_periods.id"), primary_key=True)
    category: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[Decimal] = mapped_column(Hundredths)


class Band(TenantModel):
    """Forfait: the abattement (%) for a number of nights open."""

    __tablename__ = "tax_abattements"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(sa.ForeignKey("tax_deliberations.id"),
                                                 index=True)
    rate: Mapped[Decimal] = mapped_column(Hundredths)
    nights_min: Mapped[int]
    nights_max: Mapped[int | None]


class DeltaImport(TenantModel):
    """A DELTA file sent from the console, loaded by a task (the national file takes seconds
    to read): what it loaded, or why it was refused."""

    __tablename__ = "tax_delta_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    state: Mapped[str] = mapped_column(sa.String(20), default="en_cours")
    year: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    refused: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


# The calculator serves the deliberations in force from memory (tenants/tax/deliberations.py).
content.tracks(LegalGridLine, Deliberation, DeliberationCommune, Regime, Period, Tariff, Band)
