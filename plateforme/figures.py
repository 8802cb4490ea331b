"""Per-collectivité figures for the operators' pages (hosts, active accounts, declarations and
money collected this year…): each feature package of `tenants` registers a function reading its
own figures through its own services, and the platform calls them with the collectivité bound.
So the platform shows them without ever naming a tenant table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from plateforme.database import db
from plateforme.tenancy import TenantInfo

log = logging.getLogger(__name__)

KEY = "taxesejour.figures"

Reader = Callable[[Session], int | Decimal]


@dataclass(frozen=True)
class FigureSpec:
    key: str
    label: str
    read: Reader
    order: int


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int | Decimal | None     # None: could not be read (shown as such, logged)

    @property
    def display(self) -> str:
        """French typography: « 12 345 », « 1 234,50 € » (narrow no-break spaces)."""
        if self.value is None:
            return "indisponible"
        if isinstance(self.value, Decimal):
            text = f"{self.value:,.2f}".replace(",", "\u202f").replace(".", ",")
            return f"{text}\u00a0€"
        return f"{self.value:,}".replace(",", "\u202f")


def add_figure(app: Flask, key: str, label: str, read: Reader, order: int = 100) -> None:
    """`read(session)` runs with the collectivité bound; a Decimal is an amount in euros."""
    specs = app.extensions.setdefault(KEY, {})
    if key in specs:
        raise ValueError(f"figure {key!r} registered twice")
    specs[key] = FigureSpec(key, label, read, order)


def specs() -> list[FigureSpec]:
    return sorted(current_app.extensions.get(KEY, {}).values(), key=lambda s: (s.order, s.key))


def figures_of(tenant: TenantInfo) -> list[Figure]:
    """Every registered figure of `tenant`, read in one read-only transaction of its schema.
    A schema that cannot answer (behind the migrations, say) gives figures marked unreadable
    rather than an operators' page in error."""
    found = []
    with db.tenant_context(tenant):
        session = db.session
        try:
            for spec in specs():
                found.append(Figure(spec.key, spec.label, spec.read(session)))
        except sa.exc.SQLAlchemyError:
            log.warning("figures of %s could not be read", tenant.slug, exc_info=True)
            done = {f.key for f in found}
            found.extend(Figure(s.key, s.label, None) for s in specs() if s.key not in done)
        finally:
            session.rollback()
    return found
