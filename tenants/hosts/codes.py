"""Activation codes: 60 random bits printed on the host's letter as `XXXX-XXXX-XXXX`, stored as
keyed digests, single-use, valid ACTIVATION_CODE_DAYS; a new code revokes the previous one."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.hosts.models import ActivationCode, Host

# Crockford's base32 without I, L, O, U: nothing to misread on a printed letter.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    """What the host typed, as issued: case, spaces and dashes ignored, look-alikes mapped."""
    text = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))


def code_digest(keys: Keys, code: str) -> str:
    return keys.token_digest("activation-code", normalise_code(code))


def issue_code(session: Session, keys: Keys, host: Host, days: int) -> str:
    """A new code for `host`; every earlier live code is revoked. Returns the printable code."""
    now = utcnow()
    session.execute(sa.update(ActivationCode)
                    .where(ActivationCode.host_id == host.id, ActivationCode.used_at.is_(None),
                           ActivationCode.revoked_at.is_(None))
                    .values(revoked_at=now))
    code = new_code()
    session.add(ActivationCode(host_id=host.id, code_digest=code_digest(keys, code),
                               created_at=now, expires_at=now + timedelta(days=days)))
    return format_code(code)


def find_code(session: Session, keys: Keys, typed: str) -> ActivationCode | None:
    if len(normalise_code(typed)) != CODE_LENGTH:
        return None
    return session.scalar(sa.select(ActivationCode)
                          .where(ActivationCode.code_digest == code_digest(keys, typed)))


def live_code(session: Session, host: Host) -> ActivationCode | None:
    return session.scalar(sa.select(ActivationCode)
                          .where(ActivationCode.host_id == host.id,
                                 ActivationCode.used_at.is_(None),
                                 ActivationCode.revoked_at.is_(None),
                                 ActivationCode.expires_at > utcnow())
                          .order_by(ActivationCode.id.desc()).limit(1))


def live_codes_count(session: Session, host_ids: list[int]) -> int:
    """How many of these hosts hold a code that still works (a new code would revoke it)."""
    if not host_ids:
        return 0
    return session.scalar(sa.select(sa.func.count(sa.distinct(ActivationCode.host_id)))
                          .where(ActivationCode.host_id.in_(host_ids),
                                 ActivationCode.used_at.is_(None),
                                 ActivationCode.revoked_at.is_(None),
                                 ActivationCode.expires_at > utcnow()))


def of_host(session: Session, host_id: int) -> list[ActivationCode]:
    return list(session.scalars(sa.select(ActivationCode)
                                .where(ActivationCode.host_id == host_id)))


def delete_all(session: Session, host_id: int) -> None:
    session.execute(sa.delete(ActivationCode).where(ActivationCode.host_id == host_id))


def hosts_with_codes(session: Session, host_ids: list[int] | None = None):
    """The ids of hosts who were ever sent a code (among `host_ids` when given)."""
    query = sa.select(ActivationCode.host_id)
    if host_ids is not None:
        query = query.where(ActivationCode.host_id.in_(host_ids))
    return set(session.scalars(query))
