"""Login throttling per identifier (the rule is on `LoginThrottle`), for hosts and agents."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from sqlalchemy.orm import Session

from tenants.access.models import LoginThrottle
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.validation import normalised_email

FREE_FAILURES = 5
DAILY_FAILURES = 25
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)


def throttle_key(keys: Keys, identifier: str, prefix: str = "") -> str:
    """Keyed on the address as the account lookup reads it: written with fullwidth letters or
    an ideographic full stop, it is the same account, and the same budget of tries."""
    typed = identifier or ""
    normal = normalised_email(typed) or unicodedata.normalize("NFKC", typed).strip().casefold()
    return keys.token_digest("login-throttle", prefix + normal)


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
