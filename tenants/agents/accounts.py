"""Agents' accounts: roles, invitations, passwords, the two login steps, disabling.

Two roles: `administrateur` (everything) and `agent` (follow hosts and letters; no settings, no
agent management); the collectivité always keeps one active administrator. An administrator
invites agents by email: the link sets the password, is valid 7 days, and works once. Every
agent logs in with a password, then a TOTP code or a recovery code (`totp`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.access import passwords, sessions, throttle
from tenants.access.rules import Role
from tenants.agents import totp
from tenants.agents.models import Agent, AgentSession
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core import emails, validation
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.urls import tenant_url

INVITATION_DAYS = 7

#: Agents' console sessions, for `tenants.access` (no remembered browsers in the console).
KIND = sessions.Kind(session_model=AgentSession, owner="agent", purpose="agent")


def by_email(session: Session, email: str | None) -> Agent | None:
    normalised = validation.normalised_email(email)
    if normalised is None:
        return None
    return session.scalar(sa.select(Agent).where(Agent.email == normalised))


def all_agents(session: Session) -> list[Agent]:
    return list(session.scalars(sa.select(Agent).order_by(Agent.name, Agent.id)))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError(f"Rôle « {value} » inconnu.") from None


def create(session: Session, email: str, name: str, role: str,
           invited_by: Agent | None = None) -> Agent:
    email = validation.parse_email(email)
    if email is None:
        raise UserError("L'adresse électronique est obligatoire.")
    role = _role(role)
    if by_email(session, email) is not None:
        raise UserError(f"Un agent utilise déjà l'adresse {email}.")
    agent = Agent(email=email, name=validation.required(name, "Nom", 200), role=role.value,
                  invited_by_id=invited_by.id if invited_by else None)
    session.add(agent)
    session.flush()
    return agent


def _active_admins(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Agent).where(
        Agent.role == Role.ADMINISTRATEUR.value, Agent.disabled_at.is_(None)))


def set_role(session: Session, agent: Agent, role: str, by: Agent,
             actor: Actor = journal.SYSTEM) -> None:
    role = _role(role)
    if agent.id == by.id and role is not Role.ADMINISTRATEUR:
        raise UserError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    if agent.is_admin and role is not Role.ADMINISTRATEUR and _active_admins(session) <= 1:
        raise UserError("La collectivité doit garder au moins un administrateur actif.")
    agent.role = role.value
    journal.record(session, "agent.role_changed", actor, target=agent.email, role=role.value)


def disable(session: Session, agent: Agent, by: Agent, actor: Actor = journal.SYSTEM) -> None:
    if agent.id == by.id:
        raise UserError("Vous ne pouvez pas désactiver votre propre compte.")
    if agent.is_admin and agent.disabled_at is None and _active_admins(session) <= 1:
        raise UserError("La collectivité doit garder au moins un administrateur actif.")
    agent.disabled_at = utcnow()
    end_sessions(session, agent)
    journal.record(session, "agent.disabled", actor, target=agent.email)


def enable(session: Session, agent: Agent, actor: Actor = journal.SYSTEM) -> None:
    agent.disabled_at = None
    journal.record(session, "agent.enabled", actor, target=agent.email)


def reset_second_factor(session: Session, agent: Agent, actor: Actor) -> None:
    """For an agent who lost both the phone and the recovery codes: enrol again at next
    login."""
    agent.totp_secret, agent.totp_enabled_at = None, None
    end_sessions(session, agent)
    journal.record(session, "agent.second_factor_reset", actor, target=agent.email)


def end_sessions(session: Session, agent: Agent) -> None:
    """Every console session of the agent ends now."""
    sessions.end_all_sessions(session, KIND, agent)


# --- invitations --------------------------------------------------------------------------


def _invitation_serializer(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret_key, salt=keys.salt("agent-invitation"))


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


def invitation_link(keys: Keys, agent: Agent) -> str:
    """On the collectivité's primary domain, whatever Host the request came with."""
    return tenant_url("console_auth.invitation", token=invitation_token(keys, agent))


def invitation_email(session: Session, keys: Keys, agent: Agent, by_name: str) -> mail.Email:
    brand = settings.brand(session)
    return emails.render(
        "agents/invitation", to=agent.email, brand=brand, agent=agent, by_name=by_name,
        subject=f"{brand.name} : invitation à la console", days=INVITATION_DAYS,
        link=invitation_link(keys, agent))


def invite(session: Session, keys: Keys, name: str, email: str, role: str, by: Agent | None,
           actor: Actor = journal.SYSTEM, by_name: str | None = None) -> Agent:
    """Create the agent; the invitation leaves once that is saved, through the job queue (an
    unreachable mail server delays it, retried, and never loses the agent just created)."""
    agent = create(session, email, name, role, invited_by=by)
    journal.record(session, "agent.invited", actor, target=agent.email, role=agent.role)
    mail.send_after_commit(session, invitation_email(session, keys, agent, by_name or by.name))
    return agent


def set_password(session: Session, agent: Agent, password: str, collectivite: str) -> None:
    passwords.check_policy(password, passwords.personal_context(
        agent.name, collectivite, email=agent.email))
    agent.password_hash = passwords.hash_password(password)
    end_sessions(session, agent)


def accept_invitation(session: Session, keys: Keys, agent: Agent, password: str,
                      collectivite: str) -> None:
    """The password chosen through the invitation link (the mailbox is the agent's): every
    login budget of the account starts again, as after a host's password reset."""
    set_password(session, agent, password, collectivite)
    throttle.clear_account(session, throttle_key(keys, agent.email))


# --- logging in: the password, then the second factor ---------------------------------------


def throttle_key(keys: Keys, email: str) -> str:
    return throttle.throttle_key(keys, email or "", prefix="agent:")


def budget(keys: Keys, email: str, device_cookie: str | None = None) -> throttle.Budget:
    """The budget of tries an attempt on `email` is counted in: the browser's own if it
    logged in to this agent's account before, the identifier's otherwise."""
    return throttle.budget(keys, email or "", prefix="agent:", device_cookie=device_cookie)


@dataclass
class LoginOutcome:
    agent: Agent | None = None
    wait: timedelta | None = None


def check_password(session: Session, keys: Keys, email: str, password: str,
                   device_cookie: str | None = None) -> LoginOutcome:
    """The first step: the agent if the password is right (the second factor is still to
    come); otherwise nothing, after as much work, and a failure counted (`budget`)."""
    spent = budget(keys, email, device_cookie)
    wait = throttle.blocked_for(session, spent.key)
    agent = by_email(session, email)
    ok = passwords.verify(agent.password_hash if agent else None, password)
    if wait is None and ok and agent.can_log_in:
        return LoginOutcome(agent=agent)
    if wait is None:
        throttle.record_failure(session, spent.key, spent.account)
    return LoginOutcome(wait=wait)


def check_second_factor(session: Session, keys: Keys, agent: Agent, code: str,
                        device_cookie: str | None = None) -> bool:
    """A TOTP code or an unused recovery code; a failure is counted against the agent (or
    against this browser, if it logged in to the agent's account before)."""
    spent = budget(keys, agent.email, device_cookie)
    if throttle.blocked_for(session, spent.key) is None and (
            totp.check_totp(agent, code) or totp.use_recovery_code(session, keys, agent, code)):
        return True
    throttle.record_failure(session, spent.key, spent.account)
    return False
