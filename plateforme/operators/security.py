"""How operators prove who they are: the hosts' and agents' rules, on the shared schema.

`plateforme` may not import `tenants`, and the collectivités' versions are bound to a tenant
schema (their throttles are a tenant table, their digests keyed by the schema), so these are
the operators' own, on the same libraries with the same parameters: Argon2id (19 MiB, 2
passes) and the zxcvbn policy (12 to 256 characters, score ≥ 3, nothing of the person's own
details); TOTP (RFC 6238, 30 s, 6 digits, one step of drift, each code once) and ten single-use
recovery codes kept as digests; throttling per budget (5 free failures, then 1 minute doubling
to 1 hour, at most 25 per 24 hours; a browser that logged in to the account before has a
budget of its own); server-side session rows with idle and absolute limits.

Digests are keyed by the application's secret, a purpose and the realm "platform": a value made
for a collectivité means nothing here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, joinedload

from plateforme.errors import UserError
from plateforme.operators.models import (
    Operator,
    OperatorLoginThrottle,
    OperatorRecoveryCode,
    OperatorSession,
)
from plateforme.registry import utcnow

REALM = "platform"


@dataclass(frozen=True)
class Keys:
    secret_key: str

    def digest(self, purpose: str, value: str) -> str:
        key = hashlib.sha256(f"{self.secret_key}|{purpose}|{REALM}".encode()).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"{purpose}|{REALM}")


# --- passwords ------------------------------------------------------------------------------

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32,
                         salt_len=16, type=Type.ID)
# Verified when the account does not exist, so that failures take the same time either way.
# Written out rather than hashed at import, which cost every process tens of milliseconds (and,
# with the hosts' one, left 19 MiB of freed Argon2 memory in its RSS); made by `_hasher` from
# "taxesejour-dummy-operator-password", its parameters checked by tests/test_startup.py.
_DUMMY_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$HESo07X8AgilJ1iR/W5hEQ$"
               "zVhYtE8gepI/vRgKI4a+3FSoKCaUrpd0oLaTO4rka38")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def check_password_policy(password: str, operator: Operator) -> None:
    if len(password) < MIN_LENGTH:
        raise UserError(f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.")
    if len(password) > MAX_LENGTH:
        raise UserError(f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.")
    words = [operator.name, operator.email, operator.email.split("@")[0], "taxesejour"]
    tokens = {_fold(w) for value in words for w in re.split(r"[^\w]+", value or "")
              if len(_fold(w)) >= 4}
    if any(token in _fold(password) for token in tokens):
        raise UserError("Le mot de passe ne doit contenir ni votre nom, ni votre courriel, "
                        "ni le nom de la plateforme.")
    from zxcvbn import zxcvbn  # its dictionaries: ~20 ms and ~13 MB, for this check alone

    if zxcvbn(password[:64], user_inputs=sorted(tokens))["score"] < 3:
        raise UserError("Ce mot de passe est trop courant ou trop facile à deviner. "
                        "Choisissez par exemple une phrase de plusieurs mots.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check against."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and \
            password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- the second factor ----------------------------------------------------------------------

RECOVERY_CODES = 10


def provisioning_uri(operator: Operator) -> str:
    return pyotp.TOTP(operator.totp_secret).provisioning_uri(
        name=operator.email, issuer_name="taxesejour.fr (opérateurs)")


def qr_svg(uri: str) -> str:
    """Inline SVG: no image file, nothing from another site."""
    import qrcode  # with Pillow and lxml: loaded for an enrolment, not in every process
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def check_totp(operator: Operator, code: str, at: float | None = None) -> bool:
    """True once per valid code: the step is remembered, so a code is not replayed."""
    code = "".join(ch for ch in (code or "") if ch in string.digits)
    if not operator.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(operator.totp_secret)
    step = int(time.time() if at is None else at) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if operator.totp_last_step is not None and candidate <= operator.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            operator.totp_last_step = candidate
            return True
    return False


def new_recovery_codes(session: Session, keys: Keys, operator: Operator) -> list[str]:
    session.execute(sa.delete(OperatorRecoveryCode).where(
        OperatorRecoveryCode.operator_id == operator.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(OperatorRecoveryCode(operator_id=operator.id,
                                         code_digest=keys.digest("recovery-code", code)))
    return codes


def use_recovery_code(session: Session, keys: Keys, operator: Operator, typed: str) -> bool:
    row = session.scalar(sa.select(OperatorRecoveryCode).where(
        OperatorRecoveryCode.operator_id == operator.id,
        OperatorRecoveryCode.code_digest == keys.digest("recovery-code",
                                                        (typed or "").strip().lower()),
        OperatorRecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


# --- throttling -----------------------------------------------------------------------------

FREE_FAILURES = 5
DAILY_FAILURES = 25
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
KNOWN_DEVICE_AGE = timedelta(days=365)


@dataclass(frozen=True)
class Budget:
    key: str
    account: str


def account_key(keys: Keys, email: str) -> str:
    typed = unicodedata.normalize("NFKC", email or "").strip().casefold()
    return keys.digest("login-throttle", "operator:" + typed)


def budget(keys: Keys, email: str, device_cookie: str | None) -> Budget:
    """The known browser's own budget if its signed cookie was issued at a login to this
    account; the account's otherwise (a new browser, an attacker's)."""
    account = account_key(keys, email)
    try:
        device = keys.serializer("known-device").loads(
            device_cookie or "", max_age=int(KNOWN_DEVICE_AGE.total_seconds()))
    except BadSignature:
        device = None
    if isinstance(device, dict) and device.get("a") == keys.digest("known-device", account):
        return Budget(keys.digest("login-throttle", f"device:{device.get('d')}:{account}"),
                      account)
    return Budget(account, account)


def known_device_cookie(keys: Keys, email: str) -> str:
    return keys.serializer("known-device").dumps(
        {"d": secrets.token_hex(16), "a": keys.digest("known-device", account_key(keys, email))})


def blocked_for(session: Session, key: str) -> timedelta | None:
    row = session.get(OperatorLoginThrottle, key)
    if row is None:
        return None
    now = utcnow()
    if row.window_failures >= DAILY_FAILURES and row.window_start + timedelta(days=1) > now:
        return row.window_start + timedelta(days=1) - now
    if row.blocked_until and row.blocked_until > now:
        return row.blocked_until - now
    return None


def record_failure(session: Session, spent: Budget) -> None:
    now = utcnow()
    row = session.get(OperatorLoginThrottle, spent.key)
    if row is None:
        row = OperatorLoginThrottle(key_digest=spent.key, account_key=spent.account,
                                    consecutive=0, window_start=now, window_failures=0)
        session.add(row)
    if row.window_start + timedelta(days=1) <= now:
        row.window_start, row.window_failures = now, 0
    row.consecutive += 1
    row.window_failures += 1
    if row.consecutive >= FREE_FAILURES:
        row.blocked_until = now + min(FIRST_DELAY * 2 ** (row.consecutive - FREE_FAILURES),
                                      MAX_DELAY)


def record_success(session: Session, key: str) -> None:
    row = session.get(OperatorLoginThrottle, key)
    if row is not None:
        row.consecutive, row.blocked_until = 0, None


def clear_account(session: Session, account: str) -> None:
    session.execute(sa.delete(OperatorLoginThrottle).where(sa.or_(
        OperatorLoginThrottle.key_digest == account,
        OperatorLoginThrottle.account_key == account)))


# --- session rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config) -> SessionPolicy:
        return cls(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]))


def open_session(session: Session, keys: Keys, operator: Operator,
                 policy: SessionPolicy) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(OperatorSession(
        operator_id=operator.id, token_digest=keys.digest("operator-session", token),
        created_at=now, last_seen_at=now, expires_at=now + policy.absolute,
        auth_version=operator.auth_version))
    return token


def live_session(session: Session, keys: Keys, token: str | None,
                 policy: SessionPolicy) -> OperatorSession | None:
    """The row of `token` if still alive, its idle clock restarted (written at most every
    30 s); a dead row is deleted."""
    if not token:
        return None
    row = session.scalar(sa.select(OperatorSession).options(joinedload(OperatorSession.operator))
                         .where(OperatorSession.token_digest ==
                                keys.digest("operator-session", token)))
    if row is None:
        return None
    now = utcnow()
    if (row.expires_at <= now or row.last_seen_at + policy.idle <= now
            or row.auth_version != row.operator.auth_version or not row.operator.can_log_in):
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
    return row


def end_session(session: Session, keys: Keys, token: str | None) -> None:
    if token:
        session.execute(sa.delete(OperatorSession).where(
            OperatorSession.token_digest == keys.digest("operator-session", token)))


def end_all_sessions(session: Session, operator: Operator) -> None:
    operator.auth_version = secrets.token_hex(16)
    session.execute(sa.delete(OperatorSession).where(
        OperatorSession.operator_id == operator.id))
