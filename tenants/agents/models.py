"""The collectivité's agents: who works in its console, with which role, how they prove it.

Agents live in the collectivité's schema, apart from hosts.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateforme.database import TenantModel
from tenants.access.models import Person, SessionRow
from tenants.access.rules import Role
from tenants.core.dates import utcnow


class Agent(Person, TenantModel):
    __tablename__ = "agents"
    audience = "agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))  # Role
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last TOTP step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    auth_version: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(16))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("role IN ('administrateur', 'agent')", name="role"),)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMINISTRATEUR

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.disabled_at is None

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def role_noun(self) -> str:
        """The role mid-sentence, a common noun: "en tant qu'administrateur" is written
        `{{ "en tant que"|elide(agent.role_noun) }}`."""
        return self.role_label.lower()

    @property
    def state_label(self) -> str:
        if self.disabled_at:
            return "Désactivé"
        if self.password_hash is None:
            return "Invitation envoyée"
        if self.totp_enabled_at is None:
            return "Double authentification à configurer"
        return "Actif"


class RecoveryCode(TenantModel):
    __tablename__ = "agent_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None]


class AgentSession(SessionRow, TenantModel):
    __tablename__ = "agent_sessions"

    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    agent: Mapped[Agent] = relationship()
