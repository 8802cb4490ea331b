"""A host's account: finding it by its login, logging in, the password and its reset.

One generic login failure, the same whether the email exists or not, after the same work (a
password hash is always verified), and counted against what was typed — or, from a browser that
logged in to that account before, against that browser (CNIL throttle, `access.throttle`). The reset
link is valid PASSWORD_RESET_MINUTES at most, once, and dies as soon as the password, the email
or the last login changes; it is built on the collectivité's primary domain, never on the
request's Host header.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from plateforme import jobs, mail
from plateforme.database import db
from plateforme.tenancy import current_tenant
from tenants.access import passwords, sessions, throttle
from tenants.audit import journal
from tenants.audit.journal import Actor, ActorKind
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import utcnow
from tenants.core.keys import Keys, current_keys
from tenants.core.urls import tenant_url
from tenants.core.validation import normalised_email
from tenants.hosts.models import Host, HostSession, RememberToken

#: Hosts' sessions and remembered browsers, for `tenants.access`.
KIND = sessions.Kind(session_model=HostSession, owner="host", purpose="session",
                     remember_model=RememberToken)


def by_email(session: Session, email: str | None) -> Host | None:
    normalised = normalised_email(email)
    if normalised is None:
        return None
    return session.scalar(sa.select(Host).where(Host.email == normalised))


def email_taken(session: Session, email: str, except_host: Host | None = None) -> bool:
    query = sa.select(Host.id).where(Host.email == email)
    if except_host is not None:
        query = query.where(Host.id != except_host.id)
    return session.scalar(query) is not None


def end_all_sessions(session: Session, host: Host) -> None:
    """Every browser of `host` is logged out, remembered ones included."""
    sessions.end_all_sessions(session, KIND, host)


def check_password(host: Host, password: str, collectivite: str,
                   email: str | None = None) -> None:
    """The policy, with what the host's password must not contain (UserError otherwise)."""
    passwords.check_policy(password, passwords.personal_context(
        host.first_name, host.last_name, host.city, collectivite, email=email or host.email))


# --- logging in -----------------------------------------------------------------------------


@dataclass
class LoginOutcome:
    host: Host | None = None
    wait: timedelta | None = None
    account: str = ""  # the identifier's throttle key: the browser is known for it once in


def authenticate(session: Session, keys: Keys, email: str, password: str,
                 device_cookie: str | None = None) -> LoginOutcome:
    """The host if `email` and `password` match an account that may log in; otherwise nothing,
    after as much work, and a failure counted against what was typed (or against the browser,
    if `device_cookie` shows it logged in to this account before)."""
    budget = throttle.budget(keys, email, device_cookie=device_cookie)
    wait = throttle.blocked_for(session, budget.key)
    if wait is not None:
        return LoginOutcome(wait=wait, account=budget.account)
    host = by_email(session, email)
    ok = passwords.verify(host.password_hash if host else None, password)
    if ok and host.can_log_in:
        throttle.record_success(session, budget.key)
        if passwords.needs_rehash(host.password_hash):
            host.password_hash = passwords.hash_password(password)
        return LoginOutcome(host=host, account=budget.account)
    throttle.record_failure(session, budget.key, budget.account)
    return LoginOutcome(account=budget.account)


# --- the forgotten password -----------------------------------------------------------------


def _reset_serializer(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret_key, salt=keys.salt("password-reset"))


def _fingerprint(host: Host) -> str:
    """Changes when the password, the email, the last login or the auth version changes: a
    token is dead once any of them moved, which also makes it single-use."""
    material = "|".join(str(v) for v in (host.id, host.password_hash, host.email,
                                         host.last_login_at, host.auth_version))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def reset_token(keys: Keys, host: Host) -> str:
    return _reset_serializer(keys).dumps({"h": host.id, "f": _fingerprint(host)})


def host_for_reset_token(session: Session, keys: Keys, token: str,
                         max_age: timedelta) -> Host | None:
    try:
        data = _reset_serializer(keys).loads(token, max_age=int(max_age.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    host = session.get(Host, data.get("h")) if isinstance(data.get("h"), int) else None
    if host is None or host.disabled_at is not None or not host.email:
        return None
    if not hmac.compare_digest(_fingerprint(host), str(data.get("f"))):
        return None
    return host


def request_reset(session: Session, keys: Keys, email: str, minutes: int) -> mail.Email | None:
    """The email to send if `email` belongs to an account that may reset; None otherwise."""
    host = by_email(session, email)
    if host is None or host.disabled_at is not None:
        return None
    # Per account as well as per address (issue 12, finding 5): requests from many addresses
    # cannot flood one mailbox. Five at once, then the login throttle's growing delay; the
    # page says the same either way.
    key = throttle.throttle_key(keys, host.email, prefix="reset:")
    if throttle.blocked_for(session, key) is not None:
        return None
    throttle.record_failure(session, key)
    brand = settings.brand(session)
    return emails.render(
        "hosts/reset", to=host.email, brand=brand, host=host, minutes=minutes,
        subject=f"{brand.name} : réinitialisation de votre mot de passe",
        link=tenant_url("auth.reset_from_link", token=reset_token(keys, host)))


@jobs.task("hosts.reset_requested", "Demande de réinitialisation de mot de passe")
def reset_requested(email: str, ip: str | None) -> None:
    """« Mot de passe oublié ? » as a task: the page only queues this, for any address, so that
    it answers in the same time whether or not an account exists (issue 12, finding 4), and an
    unreachable mail server delays the email instead of failing the page (finding 12)."""
    session, keys = db.session, current_keys()
    message = request_reset(session, keys, email, current_app.config["PASSWORD_RESET_MINUTES"])
    if message is not None:
        mail.send_after_commit(session, message)
        journal.security_event(session, "password_reset.requested",
                               Actor(ActorKind.SYSTEM, ip=ip), current_tenant().slug)


def reset_password(session: Session, keys: Keys, host: Host, password: str) -> None:
    """Set the new password and end every session and remembered browser of the host. The
    host proved they own the mailbox: every login budget of the account starts again, so that
    an attacker's failures do not keep them out with the new password (the reset emails' own
    limit stays)."""
    check_password(host, password, settings.display_name(session))
    host.password_hash = passwords.hash_password(password)
    host.legacy = False
    if host.activated_at is None:
        host.activated_at = utcnow()
    end_all_sessions(session, host)
    throttle.clear_account(session, throttle.throttle_key(keys, host.email))
