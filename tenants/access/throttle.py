"""Login throttling (the rule is on `LoginThrottle`), for hosts and agents: per identifier for
unknown browsers, per browser for the ones that logged in to that account before.

The CNIL's recommendation on passwords (délibération n° 2017-012, since replaced by n° 2022-100,
which keeps the rule) asks for a mechanism limiting the attempts — a temporary lockout, a growing
delay or a captcha — and warns against it becoming a denial of service against the owner. A
budget per identifier alone does exactly that: 25 wrong passwords from anywhere and the owner is
out for a day. So each attempt is counted in one of two budgets, with the same rule:

- a browser whose signed *known-device* cookie says it logged in to this very account before
  (`budget`) has a budget of its own (`device:<its id>:<the account>`);
- every other attempt — a new browser, the attacker's — is counted against the identifier, as
  before, and the per-address limits of the views (Flask-Limiter) still apply.

An attacker therefore slows down unknown browsers only: the owner's usual browser keeps its
budget, and a completed password reset (or an agent's invitation) clears every budget of the
account (`clear_account`). The cookie cannot be made for an account without logging in to it
(it is signed, with a salt naming the collectivité), and one made for account A gives nothing on
account B; it holds no personal data, only a random id and keyed digests. Pages answer the same
for a known browser, an unknown one or an unknown address, but for the success itself.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from tenants.access.models import LoginThrottle
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.validation import normalised_email

FREE_FAILURES = 5
DAILY_FAILURES = 25
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
#: A browser stays known this long after its last login (the cookie is renewed at each one).
KNOWN_DEVICE_AGE = timedelta(days=365)
#: Accounts one browser is known for (a family computer, a host and an agent), newest first.
KNOWN_ACCOUNTS = 5


def throttle_key(keys: Keys, identifier: str, prefix: str = "") -> str:
    """Keyed on the address as the account lookup reads it: written with fullwidth letters or
    an ideographic full stop, it is the same account, and the same budget of tries."""
    typed = identifier or ""
    normal = normalised_email(typed) or unicodedata.normalize("NFKC", typed).strip().casefold()
    return keys.token_digest("login-throttle", prefix + normal)


@dataclass(frozen=True)
class Budget:
    """Where one attempt is counted: `key`, the row; `account`, the identifier's key, with
    which every budget of the account is cleared."""

    key: str
    account: str


def budget(keys: Keys, identifier: str, prefix: str = "",
           device_cookie: str | None = None) -> Budget:
    """The known browser's own budget if `device_cookie` was issued at a login to this
    identifier; otherwise (no cookie, tampered, expired, another collectivité's, another
    account's) the identifier's."""
    account = throttle_key(keys, identifier, prefix)
    device = _read_device(keys, device_cookie)
    if device is not None and _binding(keys, account) in device[1]:
        return Budget(keys.token_digest("login-throttle", f"device:{device[0]}:{account}"),
                      account)
    return Budget(account, account)


def known_device_cookie(keys: Keys, device_cookie: str | None, account: str) -> str:
    """The cookie to give a browser that just logged in to `account`: its device id (a new
    one if it had none) and the accounts it is known for, this one first."""
    device = _read_device(keys, device_cookie)
    device_id, bound = device if device is not None else (secrets.token_hex(16), [])
    binding = _binding(keys, account)
    bound = [binding] + [b for b in bound if b != binding][:KNOWN_ACCOUNTS - 1]
    return _device_serializer(keys).dumps({"d": device_id, "a": bound})


def _device_serializer(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret_key, salt=keys.salt("known-device"))


def _binding(keys: Keys, account: str) -> str:
    """What the cookie holds of an account: a keyed digest, meaningless elsewhere."""
    return keys.token_digest("known-device", account)[:32]


def _read_device(keys: Keys, cookie: str | None) -> tuple[str, list[str]] | None:
    if not cookie:
        return None
    try:
        data = _device_serializer(keys).loads(
            cookie, max_age=int(KNOWN_DEVICE_AGE.total_seconds()))
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict):
        return None
    device_id, bound = data.get("d"), data.get("a")
    if not isinstance(device_id, str) or len(device_id) != 32 or not isinstance(bound, list):
        return None
    return device_id, [b for b in bound[:KNOWN_ACCOUNTS] if isinstance(b, str)]


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


def record_failure(session: Session, key: str, account: str | None = None) -> None:
    """One more failure in `key`'s budget, which belongs to `account` (itself by default)."""
    now = utcnow()
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key_digest=key, account_key=account or key, consecutive=0,
                            window_start=now, window_failures=0)
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


def clear_account(session: Session, account: str) -> None:
    """Every budget of the account, its unknown browsers' and its known ones', starts again:
    its owner proved who they are (a completed password reset, an accepted invitation)."""
    session.execute(sa.delete(LoginThrottle).where(sa.or_(
        LoginThrottle.key_digest == account, LoginThrottle.account_key == account)))
