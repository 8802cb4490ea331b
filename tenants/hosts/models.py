"""Hosts (hébergeurs), their accommodations (hébergements), and what their accounts hold in
the collectivité's schema: activation codes, sessions, remembered browsers.

A host's account goes through: letter to send → waiting for activation (a live code was
issued) → active (a password was chosen). Hosts imported from before 2019 are `legacy` until they
reset their password. The collectivité can disable an account at any time.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from plateforme.database import TenantModel
from tenants.access.models import Person, RememberRow, SessionRow
from tenants.core import hostdata
from tenants.core.dates import utcnow
from tenants.hosts.natures import CIVILITIES, CLASSEMENTS, NATURES


class Host(Person, TenantModel):
    __tablename__ = "hosts"
    audience = "host"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The collectivité's own identifier, used to attach several hébergements to one host.
    reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    civility: Mapped[str] = mapped_column(sa.String(4))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    city: Mapped[str] = mapped_column(sa.String(100))
    # The login identifier, stored normalised (lower case).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    legacy: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Rotated whenever every session and remembered browser must end (password change or reset,
    # disabling): sessions and remember tokens carry the value they were made with.
    auth_version: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(16))
    activated_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Moves with any change to the host's data (tenants.core.hostdata): the figures their pages
    # keep in memory are good while it has not moved.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")

    hebergements: Mapped[list[Hebergement]] = relationship(
        back_populates="host", order_by="Hebergement.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("uq_hosts_email", "email", unique=True),
        sa.CheckConstraint("civility IN ('M.', 'Mme')", name="civility"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def salutation(self) -> str:
        return CIVILITIES.get(self.civility, "Madame, Monsieur")

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.disabled_at is None


class AccountState(enum.StrEnum):
    """Where a host's account stands, as the console shows and filters it (the values are the
    list's `etat` parameter)."""

    COURRIER = "courrier"
    ATTENTE = "attente"
    ACTIF = "actif"
    ANCIEN = "ancien"
    DESACTIVE = "desactive"

    @property
    def label(self) -> str:
        return {"courrier": "Courrier à envoyer", "attente": "En attente d'activation",
                "actif": "Actif", "ancien": "Compte d'avant 2019",
                "desactive": "Désactivé"}[self.value]

    @classmethod
    def of(cls, host: Host, has_code: bool) -> AccountState:
        if host.disabled_at is not None:
            return cls.DESACTIVE
        if host.password_hash is not None:
            return cls.ACTIF
        if host.legacy:
            return cls.ANCIEN
        return cls.ATTENTE if has_code else cls.COURRIER


class Hebergement(TenantModel):
    __tablename__ = "hebergements"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    city: Mapped[str] = mapped_column(sa.String(100))
    nature: Mapped[str] = mapped_column(sa.String(30))
    classement: Mapped[str] = mapped_column(sa.String(20))
    capacity: Mapped[int]
    # The collectivité's own identifier (typically the numéro d'enregistrement): declarations
    # are imported and exported by it.
    reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The commune's INSEE code, where the collectivité's communes have different deliberations
    # and the name alone does not tell which (an agent sets it).
    insee: Mapped[str | None] = mapped_column(sa.String(5))
    # Declarations are asked from the period holding this day (none is asked before: an agent
    # or an import may still record earlier periods, the history of another platform).
    started_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    host: Mapped[Host] = relationship(back_populates="hebergements")
    closures: Mapped[list[Closure]] = relationship(
        order_by="Closure.starts_on", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity"),)

    @property
    def start_date(self) -> date:
        return self.started_on or self.created_at.date()

    @property
    def nature_label(self) -> str:
        return NATURES.get(self.nature, (self.nature,))[0]

    @property
    def classement_label(self) -> str:
        return CLASSEMENTS.get(self.classement, self.classement)


class Closure(TenantModel):
    """Days an hébergement is closed (both included), kept by its host: a forfait counts only
    the nights it is open, and a period it is closed throughout is declared at 0 nuitée."""

    __tablename__ = "hebergement_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    hebergement_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergements.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates"),)


class CodeState(enum.StrEnum):
    LIVE = "live"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ActivationCode(TenantModel):
    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # The credentials chosen at the last step, kept until the link emailed to that address is
    # opened: the account is activated only by whoever reads that mailbox.
    pending_email: Mapped[str | None] = mapped_column(sa.String(254))
    pending_password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    pending_at: Mapped[datetime | None]

    host: Mapped[Host] = relationship()

    def state(self, now: datetime | None = None) -> CodeState:
        now = now or utcnow()
        if self.used_at:
            return CodeState.USED
        if self.revoked_at:
            return CodeState.REVOKED
        if self.expires_at <= now:
            return CodeState.EXPIRED
        return CodeState.LIVE


class LetterBatch(TenantModel):
    """Letters for a selection of hosts, prepared out of the request (a PDF for thousands of
    hosts takes a while). The file holds live activation codes, which the database otherwise
    keeps only as digests: it is erased once downloaded, and after a day at the latest."""

    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    fmt: Mapped[str] = mapped_column(sa.String(3))
    requested: Mapped[int] = mapped_column(default=0)
    produced: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(20), default="en_preparation")
    # Deferred: the list of batches reads whether a file is there, not the file.
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None]
    downloaded_at: Mapped[datetime | None]

    has_file: Mapped[bool] = column_property(content.is_not(None))


class HostSession(SessionRow, TenantModel):
    __tablename__ = "host_sessions"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    host: Mapped[Host] = relationship()


class RememberToken(RememberRow, TenantModel):
    __tablename__ = "remember_tokens"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)


def hosts_of_hebergements(ids: list[int]) -> sa.Select:
    return sa.select(Hebergement.host_id).where(Hebergement.id.in_(ids))


# A host's pages keep their figures in memory (tenants.core.hostdata) until these rows change.
hostdata.tracks(Host, "id")
hostdata.tracks(Hebergement)
hostdata.tracks(Closure, "hebergement_id", hosts_of_hebergements)
