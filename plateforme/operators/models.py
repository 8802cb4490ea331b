"""The operators' tables, in the shared schema (never in a collectivité's): their accounts,
second factor, sessions, login throttles, and the platform journal of what they did.

Nothing secret is stored in clear: passwords as Argon2id hashes, recovery codes and session
tokens as keyed digests (`plateforme.operators.security`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateforme.database import SharedModel
from plateforme.registry import utcnow

ROLES = {"operateur": "Opérateur", "support": "Support (lecture seule)"}


class Operator(SharedModel):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20), default="operateur")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last TOTP step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Rotated to end every session at once (password set, disabling) and to spend an invitation.
    auth_version: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(16))
    invited_at: Mapped[datetime | None]
    invitation_accepted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("role IN ('operateur', 'support')", name="role"),)

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.disabled_at is None

    @property
    def can_write(self) -> bool:
        return self.role == "operateur"

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def state_label(self) -> str:
        if self.disabled_at:
            return "Désactivé"
        if self.password_hash is None:
            return "Invitation envoyée"
        if self.totp_enabled_at is None:
            return "Double authentification à configurer"
        return "Actif"


class OperatorRecoveryCode(SharedModel):
    __tablename__ = "operator_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(sa.ForeignKey("operators.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None]


class OperatorSession(SharedModel):
    """A logged-in browser: the cookie holds a random token, the row its digest, so logging
    out (deleting the row) makes a copied cookie worthless."""

    __tablename__ = "operator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(sa.ForeignKey("operators.id"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # absolute limit

    operator: Mapped[Operator] = relationship()


class OperatorLoginThrottle(SharedModel):
    """Failed logins per budget, the hosts' and agents' rule (CNIL 2022-100, case 2): 5 free,
    then 1 minute doubling up to 1 hour, at most 25 per 24 hours; keyed by the digest of what
    was typed (an account or not) or of one known browser for that account."""

    __tablename__ = "operator_login_throttles"

    key_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    consecutive: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    window_failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]


class PlatformEvent(SharedModel):
    """One line of the platform journal. The operator's email is kept as text: the line still
    says who acted once the account is disabled, and no foreign key ties the journal's
    retention to the accounts'."""

    __tablename__ = "platform_journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    operator_id: Mapped[int | None]
    operator_email: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    collectivite: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
