"""Credentials of hosts: activation codes, sessions, remembered browsers, login throttling and
password-reset tokens.

Everything is kept in the collectivité's own schema, so a session, a code or a token of one
collectivité means nothing to another. Secrets are never stored: codes and tokens are kept as
keyed digests (HMAC-SHA256 with the application's secret and the collectivité's schema), which
also makes a database dump useless to replay them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from plateforme.database import TenantModel
from plateforme.registry import utcnow
from tenants.hosts import Host

# Crockford's base32 without I, L, O, U: nothing to misread on a printed letter.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits


def digest(secret_key: str, purpose: str, schema: str, value: str) -> str:
    key = hashlib.sha256(f"{secret_key}|{purpose}|{schema}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# --- activation codes ---------------------------------------------------------------------


class ActivationCode(TenantModel):
    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    host: Mapped[Host] = relationship()

    def state(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "live"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    """What the host typed, as issued: case, spaces and dashes ignored, look-alikes mapped."""
    text = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))


@dataclass(frozen=True)
class Keys:
    """What digests and tokens are keyed with: the app's secret and the collectivité."""

    secret_key: str
    schema: str

    def code_digest(self, code: str) -> str:
        return digest(self.secret_key, "activation-code", self.schema, normalise_code(code))

    def token_digest(self, purpose: str, token: str) -> str:
        return digest(self.secret_key, purpose, self.schema, token)


def issue_code(session: Session, keys: Keys, host: Host, days: int) -> str:
    """A new code for `host`; every earlier live code is revoked. Returns the printable code."""
    now = utcnow()
    session.execute(sa.update(ActivationCode)
                    .where(ActivationCode.host_id == host.id, ActivationCode.used_at.is_(None),
                           ActivationCode.revoked_at.is_(None))
                    .values(revoked_at=now))
    code = new_code()
    session.add(ActivationCode(host_id=host.id, code_digest=keys.code_digest(code),
                               created_at=now, expires_at=now + timedelta(days=days)))
    return format_code(code)


def find_code(session: Session, keys: Keys, typed: str) -> ActivationCode | None:
    if len(normalise_code(typed)) != CODE_LENGTH:
        return None
    return session.scalar(sa.select(ActivationCode)
                          .where(ActivationCode.code_digest == keys.code_digest(typed)))


def live_code(session: Session, host: Host) -> ActivationCode | None:
    return session.scalar(sa.select(ActivationCode)
                          .where(ActivationCode.host_id == host.id,
                                 ActivationCode.used_at.is_(None),
                                 ActivationCode.revoked_at.is_(None),
                                 ActivationCode.expires_at > utcnow())
                          .order_by(ActivationCode.id.desc()).limit(1))


# --- sessions -----------------------------------------------------------------------------


class HostSession(TenantModel):
    """A logged-in browser. The cookie holds a random token; this row holds its digest, so
    logging out (deleting the row) makes a copied cookie worthless."""

    __tablename__ = "host_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # absolute limit

    host: Mapped[Host] = relationship()


class RememberToken(TenantModel):
    """"Se souvenir de moi": a selector to find the row, a validator compared in constant time,
    at most REMEMBER_DAYS after the login that created it."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    selector: Mapped[str] = mapped_column(sa.String(32), unique=True)
    validator_digest: Mapped[str] = mapped_column(sa.String(64))
    auth_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta
    remember: timedelta


def open_session(session: Session, keys: Keys, host: Host, policy: SessionPolicy) -> str:
    return new_session(session, HostSession, host_id=host.id, auth_version=host.auth_version,
                       digest=lambda token: keys.token_digest("session", token),
                       absolute=policy.absolute)


def new_session(session: Session, model, *, digest, absolute: timedelta, **owner) -> str:
    """A session row (host's or agent's) for a fresh random token; returns the token, which
    only the cookie keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(model(token_digest=digest(token), created_at=now, last_seen_at=now,
                      expires_at=now + absolute, **owner))
    return token


def find_session(session: Session, keys: Keys, token: str | None,
                 policy: SessionPolicy) -> HostSession | None:
    """The live session for `token`, its idle clock restarted; None if it ended."""
    return live_session(session, HostSession, "host", keys.token_digest("session", token or ""),
                        token, policy.idle)


def live_session(session: Session, model, owner: str, digest: str, token: str | None,
                 idle: timedelta):
    """A session row (host's or agent's) if it is still alive: not past its absolute limit nor
    idle too long, made with its owner's current auth version, its owner still allowed in.
    A dead row is deleted; a live one has its idle clock restarted (written at most every 30 s
    to spare a write on every request)."""
    if not token:
        return None
    row = session.scalar(sa.select(model).options(joinedload(getattr(model, owner)))
                         .where(model.token_digest == digest))
    if row is None:
        return None
    now = utcnow()
    person = getattr(row, owner)
    if (row.expires_at <= now or row.last_seen_at + idle <= now
            or row.auth_version != person.auth_version or not person.can_log_in):
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
    return row


def remember(session: Session, keys: Keys, host: Host, policy: SessionPolicy,
             expires_at: datetime | None = None) -> str:
    """A new remember token; the cookie value is `selector:validator`."""
    selector, validator = secrets.token_hex(16), secrets.token_urlsafe(32)
    session.add(RememberToken(
        host_id=host.id, selector=selector,
        validator_digest=keys.token_digest("remember", validator),
        auth_version=host.auth_version,
        expires_at=expires_at or utcnow() + policy.remember))
    return f"{selector}:{validator}"


def use_remember_token(session: Session, keys: Keys, cookie: str | None,
                       policy: SessionPolicy) -> tuple[Host, str] | None:
    """Trade a valid remember cookie for its host and a rotated cookie (same expiry)."""
    row = _remember_row(session, cookie)
    if row is None:
        return None
    _selector, _, validator = cookie.partition(":")
    host = session.get(Host, row.host_id)
    valid = (hmac.compare_digest(row.validator_digest, keys.token_digest("remember", validator))
             and row.expires_at > utcnow() and host is not None and host.can_log_in
             and row.auth_version == host.auth_version)
    session.delete(row)
    if not valid:
        return None
    return host, remember(session, keys, host, policy, expires_at=row.expires_at)


def forget_remember_token(session: Session, cookie: str | None) -> None:
    row = _remember_row(session, cookie)
    if row is not None:
        session.delete(row)


def _remember_row(session: Session, cookie: str | None) -> RememberToken | None:
    selector, sep, validator = (cookie or "").partition(":")
    if not sep or len(selector) != 32 or not validator:
        return None
    return session.scalar(sa.select(RememberToken).where(RememberToken.selector == selector))


def end_all_sessions(session: Session, host: Host) -> None:
    """Every browser of `host` is logged out, remembered ones included."""
    host.rotate_auth_version()
    session.execute(sa.delete(HostSession).where(HostSession.host_id == host.id))
    session.execute(sa.delete(RememberToken).where(RememberToken.host_id == host.id))


def end_session(session: Session, keys: Keys, token: str | None) -> None:
    if token:
        session.execute(sa.delete(HostSession).where(
            HostSession.token_digest == keys.token_digest("session", token)))


def purge_expired(session: Session, policy: SessionPolicy) -> int:
    now = utcnow()
    gone = session.execute(sa.delete(HostSession).where(sa.or_(
        HostSession.expires_at <= now, HostSession.last_seen_at <= now - policy.idle))).rowcount
    gone += session.execute(sa.delete(RememberToken)
                            .where(RememberToken.expires_at <= now)).rowcount
    return gone


# --- login throttling ---------------------------------------------------------------------


class LoginThrottle(TenantModel):
    """Failed logins per identifier (CNIL 2022-100, case 2): after 5 consecutive failures each
    further try waits, 1 minute then doubling up to 1 hour; at most 25 failures in 24 hours.
    Keyed by the digest of what was typed, whether or not such an account exists, so that the
    throttle itself reveals nothing. Nothing locks an account for good: the host can always
    reset the password."""

    __tablename__ = "login_throttles"

    key_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    consecutive: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    window_failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]


FREE_FAILURES = 5
DAILY_FAILURES = 25
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)


def throttle_key(keys: Keys, identifier: str) -> str:
    return keys.token_digest("login-throttle", (identifier or "").strip().lower())


def blocked_for(session: Session, key: str) -> timedelta | None:
    row = session.get(LoginThrottle, key)
    if row is None:
        return None
    now = utcnow()
    if row.window_failures >= DAILY_FAILURES and row.window_start + timedelta(days=1) > now:
        return row.window_start + timedelta(days=1) - now
    if row.blocked_until and row.blocked_until > now:
        return row.blocked_until - now
    return None


def record_failure(session: Session, key: str) -> None:
    now = utcnow()
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key_digest=key, consecutive=0, window_start=now, window_failures=0)
        session.add(row)
    if row.window_start + timedelta(days=1) <= now:
        row.window_start, row.window_failures = now, 0
    row.consecutive += 1
    row.window_failures += 1
    if row.consecutive >= FREE_FAILURES:
        delay = min(FIRST_DELAY * 2 ** (row.consecutive - FREE_FAILURES), MAX_DELAY)
        row.blocked_until = now + delay


def record_success(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        row.consecutive = 0
        row.blocked_until = None


# --- password reset -----------------------------------------------------------------------


def _reset_serializer(keys: Keys) -> URLSafeTimedSerializer:
    # One salt per purpose and per collectivité: a token made for anything else, or for another
    # collectivité, does not verify here.
    return URLSafeTimedSerializer(keys.secret_key, salt=f"password-reset|{keys.schema}")


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
