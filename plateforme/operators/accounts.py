"""Operators' accounts: the invitation (7 days, once) that lets a new operator choose a
password, the second factor enrolled at the first login, the two login steps, disabling.
The agents' flow (`tenants/agents/accounts.py`), on the apex."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.operators import journal, security
from plateforme.operators.models import ROLES, Operator
from plateforme.registry import utcnow

INVITATION_DAYS = 7


def parse_email(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise UserError("L'adresse électronique est obligatoire.")
    from email_validator import EmailNotValidError, validate_email  # ~20 ms: when first used

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise UserError(f"Adresse électronique « {value} » invalide.") from None


def by_email(session: Session, email: str | None) -> Operator | None:
    try:
        normalised = parse_email(email)
    except UserError:
        return None
    return session.scalar(sa.select(Operator).where(Operator.email == normalised))


def all_operators(session: Session) -> list[Operator]:
    return list(session.scalars(sa.select(Operator).order_by(Operator.email)))


def create(session: Session, email: str, name: str | None = None,
           role: str = "operateur") -> Operator:
    email = parse_email(email)
    if role not in ROLES:
        raise UserError(f"Rôle « {role} » inconnu (operateur ou support).")
    if by_email(session, email) is not None:
        raise UserError(f"Un opérateur utilise déjà l'adresse {email}.")
    name = " ".join((name or email).split())[:200]
    operator = Operator(email=email, name=name, role=role, invited_at=utcnow())
    session.add(operator)
    session.flush()
    return operator


def disable(session: Session, operator: Operator, by: Operator | None = None) -> None:
    if by is not None and by.id == operator.id:
        raise UserError("Vous ne pouvez pas désactiver votre propre compte.")
    if operator.disabled_at is not None:
        raise UserError(f"Le compte {operator.email} est déjà désactivé.")
    operator.disabled_at = utcnow()
    security.end_all_sessions(session, operator)
    journal.record(session, "operator.disabled", operator=by,
                   detail={"account": operator.email})


# --- invitations --------------------------------------------------------------------------


def _fingerprint(operator: Operator) -> str:
    """Changes once the invitation is used (password set, sessions rotated): works once."""
    material = (f"{operator.id}|{operator.password_hash}|{operator.auth_version}|"
                f"{operator.email}")
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def invitation_token(keys: security.Keys, operator: Operator) -> str:
    return keys.serializer("operator-invitation").dumps(
        {"o": operator.id, "f": _fingerprint(operator)})


def operator_for_invitation(session: Session, keys: security.Keys,
                            token: str) -> Operator | None:
    try:
        data = keys.serializer("operator-invitation").loads(
            token, max_age=int(timedelta(days=INVITATION_DAYS).total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    operator = session.get(Operator, data["o"])
    if operator is None or operator.disabled_at is not None:
        return None
    if not hmac.compare_digest(_fingerprint(operator), str(data.get("f"))):
        return None
    return operator


def invitation_link(keys: security.Keys, operator: Operator) -> str:
    """On the apex, whatever host the command or the request came from."""
    app = current_app
    path = app.url_map.bind("platform", script_name="/").build(
        "operators_auth.invitation", {"token": invitation_token(keys, operator)})
    platform = Platform.from_config(app.config)
    return platform.url(platform.domain, path)


def invitation_email(keys: security.Keys, operator: Operator) -> mail.Email:
    return mail.Email(
        to=operator.email, subject="taxesejour.fr : invitation à la console des opérateurs",
        text=render_template("emails/operators/invitation.txt", operator=operator,
                             days=INVITATION_DAYS, link=invitation_link(keys, operator)))


def accept_invitation(session: Session, keys: security.Keys, operator: Operator,
                      password: str) -> None:
    """The password chosen through the link (the mailbox is the operator's): the link is
    spent, and every login budget of the account starts again."""
    security.check_password_policy(password, operator)
    operator.password_hash = security.hash_password(password)
    operator.invitation_accepted_at = utcnow()
    security.end_all_sessions(session, operator)
    security.clear_account(session, security.account_key(keys, operator.email))
    journal.record(session, "operator.invitation_accepted", operator=operator)


# --- logging in: the password, then the second factor ---------------------------------------


@dataclass
class LoginOutcome:
    operator: Operator | None = None
    wait: timedelta | None = None


def check_password(session: Session, keys: security.Keys, email: str, password: str,
                   device_cookie: str | None = None) -> LoginOutcome:
    """The first step: the operator if the password is right; otherwise nothing, after as
    much work, and a failure counted and journaled (the address as typed, never the
    password)."""
    spent = security.budget(keys, email, device_cookie)
    wait = security.blocked_for(session, spent.key)
    operator = by_email(session, email)
    ok = security.verify_password(operator.password_hash if operator else None, password)
    if wait is None and ok and operator.can_log_in:
        return LoginOutcome(operator=operator)
    if wait is None:
        security.record_failure(session, spent)
    journal.record(session, "operator.login_failed", operator=None,
                   detail={"email": (email or "")[:254], "step": "mot de passe",
                           "throttled": wait is not None})
    return LoginOutcome(wait=wait)


def check_second_factor(session: Session, keys: security.Keys, operator: Operator, code: str,
                        device_cookie: str | None = None) -> bool:
    """A TOTP code or an unused recovery code; a failure counts against the account (or
    this browser's budget for it)."""
    spent = security.budget(keys, operator.email, device_cookie)
    if security.blocked_for(session, spent.key) is None:
        if security.check_totp(operator, code):
            security.record_success(session, spent.key)
            return True
        if security.use_recovery_code(session, keys, operator, code):
            security.record_success(session, spent.key)
            journal.record(session, "operator.recovery_code_used", operator=operator)
            return True
        security.record_failure(session, spent)
    journal.record(session, "operator.login_failed", operator=operator,
                   detail={"email": operator.email, "step": "second facteur"})
    return False


def start_enrolment(operator: Operator) -> None:
    """A new secret, not active until a first code confirms it."""
    operator.totp_secret = pyotp.random_base32()
    operator.totp_enabled_at = None
    operator.totp_last_step = None


def confirm_enrolment(session: Session, keys: security.Keys, operator: Operator,
                      code: str) -> list[str]:
    """Activate the secret with a first code; fresh recovery codes, shown once."""
    if not security.check_totp(operator, code):
        raise UserError("Code incorrect : saisissez le code à 6 chiffres affiché par votre "
                        "application d'authentification.")
    operator.totp_enabled_at = utcnow()
    journal.record(session, "operator.enrolled", operator=operator)
    return security.new_recovery_codes(session, keys, operator)
