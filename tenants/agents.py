"""The collectivité's agents: who works in its console, with which role, and how they prove it.

Agents live in the collectivité's schema, apart from hosts. Two roles: `administrateur`
(everything) and `agent` (follow hosts and letters; no settings, no agent management). Every
agent logs in with a password and a TOTP code (RFC 6238, 30 s, 6 digits; one step of drift
accepted, each code usable once); ten single-use recovery codes, kept as digests, stand in for a
lost phone. An administrator invites agents by email: the link sets the password, is valid
7 days, and works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from plateforme.database import TenantModel
from plateforme.errors import UserError
from plateforme.registry import utcnow
from tenants import hosts, passwords
from tenants.accounts import Keys, live_session, new_session

ROLES = {"administrateur": "Administrateur", "agent": "Agent"}
RECOVERY_CODES = 10
INVITATION_DAYS = 7


class Agent(TenantModel):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
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
        return self.role == "administrateur"

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.disabled_at is None

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


class RecoveryCode(TenantModel):
    __tablename__ = "agent_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None]


class AgentSession(TenantModel):
    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    agent: Mapped[Agent] = relationship()


# --- agents -------------------------------------------------------------------------------


def by_email(session: Session, email: str) -> Agent | None:
    try:
        normalised = hosts.parse_email(email)
    except UserError:
        return None
    if normalised is None:
        return None
    return session.scalar(sa.select(Agent).where(Agent.email == normalised))


def create(session: Session, email: str, name: str, role: str,
           invited_by: Agent | None = None) -> Agent:
    email = hosts.parse_email(email)
    if email is None:
        raise UserError("L'adresse électronique est obligatoire.")
    if role not in ROLES:
        raise UserError(f"Rôle « {role} » inconnu.")
    if by_email(session, email) is not None:
        raise UserError(f"Un agent utilise déjà l'adresse {email}.")
    agent = Agent(email=email, name=hosts.required(name, "Nom", 200), role=role,
                  invited_by_id=invited_by.id if invited_by else None)
    session.add(agent)
    session.flush()
    return agent


def all_agents(session: Session) -> list[Agent]:
    return list(session.scalars(sa.select(Agent).order_by(Agent.name, Agent.id)))


def set_role(session: Session, agent: Agent, role: str, by: Agent) -> None:
    if role not in ROLES:
        raise UserError(f"Rôle « {role} » inconnu.")
    if agent.id == by.id and role != "administrateur":
        raise UserError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    if agent.is_admin and role != "administrateur" and _active_admins(session) <= 1:
        raise UserError("La collectivité doit garder au moins un administrateur actif.")
    agent.role = role


def disable(session: Session, agent: Agent, by: Agent) -> None:
    if agent.id == by.id:
        raise UserError("Vous ne pouvez pas désactiver votre propre compte.")
    if agent.is_admin and agent.disabled_at is None and _active_admins(session) <= 1:
        raise UserError("La collectivité doit garder au moins un administrateur actif.")
    agent.disabled_at = utcnow()
    end_sessions(session, agent)


def enable(agent: Agent) -> None:
    agent.disabled_at = None


def _active_admins(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Agent).where(
        Agent.role == "administrateur", Agent.disabled_at.is_(None)))


# --- invitations --------------------------------------------------------------------------


def _invitation_serializer(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret_key, salt=f"agent-invitation|{keys.schema}")


def _fingerprint(agent: Agent) -> str:
    material = f"{agent.id}|{agent.password_hash}|{agent.auth_version}|{agent.email}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def invitation_token(keys: Keys, agent: Agent) -> str:
    return _invitation_serializer(keys).dumps({"a": agent.id, "f": _fingerprint(agent)})


def agent_for_invitation(session: Session, keys: Keys, token: str) -> Agent | None:
    try:
        data = _invitation_serializer(keys).loads(
            token, max_age=int(timedelta(days=INVITATION_DAYS).total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    agent = session.get(Agent, data.get("a")) if isinstance(data, dict) and \
        isinstance(data.get("a"), int) else None
    if agent is None or agent.disabled_at is not None:
        return None
    if not hmac.compare_digest(_fingerprint(agent), str(data.get("f"))):
        return None
    return agent


def set_password(session: Session, agent: Agent, password: str, collectivite: str) -> None:
    local = agent.email.split("@")[0]
    passwords.check_policy(password, [agent.name, agent.email, local, collectivite])
    agent.password_hash = passwords.hash_password(password)
    end_sessions(session, agent)


# --- TOTP and recovery codes --------------------------------------------------------------


def start_enrolment(agent: Agent) -> str:
    """A new secret, not active until a first code confirms it."""
    agent.totp_secret = pyotp.random_base32()
    agent.totp_enabled_at = None
    return agent.totp_secret


def provisioning_uri(agent: Agent, issuer: str) -> str:
    return pyotp.TOTP(agent.totp_secret).provisioning_uri(name=agent.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: no image file, nothing from another site."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def check_totp(agent: Agent, code: str, at: float | None = None) -> bool:
    """True once per valid code (the step is remembered, so a code is not replayed); `at` is a
    Unix time, now by default."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not agent.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(agent.totp_secret)
    step = int(time.time() if at is None else at) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if agent.totp_last_step is not None and candidate <= agent.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            agent.totp_last_step = candidate
            return True
    return False


def confirm_enrolment(session: Session, keys: Keys, agent: Agent, code: str) -> list[str]:
    """Activate the TOTP secret with a first code; returns fresh recovery codes (shown once)."""
    if not check_totp(agent, code):
        raise UserError("Code incorrect : saisissez le code à 6 chiffres affiché par votre "
                        "application d'authentification.")
    agent.totp_enabled_at = utcnow()
    return new_recovery_codes(session, keys, agent)


def new_recovery_codes(session: Session, keys: Keys, agent: Agent) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.agent_id == agent.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(agent_id=agent.id,
                                 code_digest=keys.token_digest("recovery-code", code)))
    return codes


def use_recovery_code(session: Session, keys: Keys, agent: Agent, typed: str) -> bool:
    code = (typed or "").strip().lower()
    row = session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.agent_id == agent.id,
        RecoveryCode.code_digest == keys.token_digest("recovery-code", code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(session: Session, agent: Agent) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.agent_id == agent.id, RecoveryCode.used_at.is_(None)))


# --- sessions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    idle: timedelta
    absolute: timedelta


def open_session(session: Session, keys: Keys, agent: Agent, policy: Policy) -> str:
    return new_session(session, AgentSession, agent_id=agent.id,
                       auth_version=agent.auth_version,
                       digest=lambda token: keys.token_digest("agent", token),
                       absolute=policy.absolute)


def find_session(session: Session, keys: Keys, token: str | None,
                 policy: Policy) -> AgentSession | None:
    return live_session(session, AgentSession, "agent", keys.token_digest("agent", token or ""),
                        token, policy.idle)


def end_session(session: Session, keys: Keys, token: str | None) -> None:
    if token:
        session.execute(sa.delete(AgentSession).where(
            AgentSession.token_digest == keys.token_digest("agent", token)))


def end_sessions(session: Session, agent: Agent) -> None:
    """Every console session of the agent ends now."""
    agent.auth_version = secrets.token_hex(16)
    session.execute(sa.delete(AgentSession).where(AgentSession.agent_id == agent.id))
