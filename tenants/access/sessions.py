"""Server-side sessions and remembered browsers, for any audience (hosts, agents).

A session row lives in the collectivité's schema; the cookie carries only a random token whose
digest finds the row. A row dies past its absolute limit, after `idle` without a request, when
its owner's `auth_version` moved (password change, disabling) or when its owner may no longer
log in. A remember token is a selector (to find the row) and a validator (compared in constant
time), traded on use for a new one with the same expiry.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from tenants.core.dates import utcnow
from tenants.core.keys import Keys


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta
    remember: timedelta

    @classmethod
    def from_config(cls, config) -> SessionPolicy:
        return cls(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
                   remember=timedelta(days=config["REMEMBER_DAYS"]))


@dataclass(frozen=True)
class Kind:
    """One audience's tables: its session rows (and remembered browsers) and how their tokens
    are digested."""

    session_model: type
    owner: str                       # the session row's relationship to its person
    purpose: str                     # the digest's purpose for session tokens
    remember_model: type | None = None

    @property
    def owner_id(self) -> str:
        return f"{self.owner}_id"


def open_session(session: Session, kind: Kind, keys: Keys, person,
                 policy: SessionPolicy) -> str:
    """A session row for a fresh random token; returns the token, which only the cookie keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(kind.session_model(
        token_digest=keys.token_digest(kind.purpose, token), created_at=now, last_seen_at=now,
        expires_at=now + policy.absolute, auth_version=person.auth_version,
        **{kind.owner_id: person.id}))
    return token


def live_session(session: Session, kind: Kind, keys: Keys, token: str | None,
                 policy: SessionPolicy):
    """The row of `token` if it is still alive, its idle clock restarted (written at most every
    30 s, to spare a write on every request); a dead row is deleted."""
    if not token:
        return None
    model = kind.session_model
    row = session.scalar(sa.select(model).options(joinedload(getattr(model, kind.owner)))
                         .where(model.token_digest == keys.token_digest(kind.purpose, token)))
    if row is None:
        return None
    now = utcnow()
    person = getattr(row, kind.owner)
    if (row.expires_at <= now or row.last_seen_at + policy.idle <= now
            or row.auth_version != person.auth_version or not person.can_log_in):
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
    return row


def end_session(session: Session, kind: Kind, keys: Keys, token: str | None) -> None:
    if token:
        model = kind.session_model
        session.execute(sa.delete(model).where(
            model.token_digest == keys.token_digest(kind.purpose, token)))


def end_all_sessions(session: Session, kind: Kind, person) -> None:
    """Every browser of `person` is logged out now, remembered ones included."""
    person.auth_version = secrets.token_hex(16)
    for model in (kind.session_model, kind.remember_model):
        if model is not None:
            session.execute(sa.delete(model).where(
                getattr(model, kind.owner_id) == person.id))


# --- remembered browsers ------------------------------------------------------------------


def remember(session: Session, kind: Kind, keys: Keys, person, policy: SessionPolicy,
             expires_at: datetime | None = None) -> str:
    """A new remember token; the cookie value is `selector:validator`."""
    selector, validator = secrets.token_hex(16), secrets.token_urlsafe(32)
    session.add(kind.remember_model(
        selector=selector, validator_digest=keys.token_digest("remember", validator),
        auth_version=person.auth_version, expires_at=expires_at or utcnow() + policy.remember,
        **{kind.owner_id: person.id}))
    return f"{selector}:{validator}"


def use_remember_token(session: Session, kind: Kind, keys: Keys, cookie: str | None,
                       policy: SessionPolicy, person_model: type):
    """Trade a valid remember cookie for its person and a rotated cookie (same expiry):
    `(person, cookie)`, or None. The row used is deleted either way."""
    row = _remember_row(session, kind, cookie)
    if row is None:
        return None
    _selector, _, validator = cookie.partition(":")
    person = session.get(person_model, getattr(row, kind.owner_id))
    valid = (hmac.compare_digest(row.validator_digest, keys.token_digest("remember", validator))
             and row.expires_at > utcnow() and person is not None and person.can_log_in
             and row.auth_version == person.auth_version)
    session.delete(row)
    if not valid:
        return None
    return person, remember(session, kind, keys, person, policy, expires_at=row.expires_at)


def forget_remember_token(session: Session, kind: Kind, cookie: str | None) -> None:
    row = _remember_row(session, kind, cookie)
    if row is not None:
        session.delete(row)


def _remember_row(session: Session, kind: Kind, cookie: str | None):
    selector, sep, validator = (cookie or "").partition(":")
    if kind.remember_model is None or not sep or len(selector) != 32 or not validator:
        return None
    model = kind.remember_model
    return session.scalar(sa.select(model).where(model.selector == selector))
