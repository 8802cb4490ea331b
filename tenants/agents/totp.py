"""The console's second factor: TOTP (RFC 6238, 30 s, 6 digits; one step of drift accepted,
each code usable once) and ten single-use recovery codes, kept as digests, for a lost phone."""

from __future__ import annotations

import hmac
import secrets
import string
import time

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.agents.models import Agent, RecoveryCode
from tenants.core.dates import utcnow
from tenants.core.keys import Keys

RECOVERY_CODES = 10


def start_enrolment(agent: Agent) -> str:
    """A new secret, not active until a first code confirms it."""
    agent.totp_secret = pyotp.random_base32()
    agent.totp_enabled_at = None
    return agent.totp_secret


def provisioning_uri(agent: Agent, issuer: str) -> str:
    return pyotp.TOTP(agent.totp_secret).provisioning_uri(name=agent.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: no image file, nothing from another site."""
    import qrcode  # with Pillow and lxml: loaded for an enrolment, not in every process
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def check_totp(agent: Agent, code: str, at: float | None = None) -> bool:
    """True once per valid code (the step is remembered, so a code is not replayed); `at` is a
    Unix time, now by default."""
    code = "".join(ch for ch in (code or "") if ch in string.digits)  # not "٣": compare_digest
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


def are_unused_recovery_codes(session: Session, keys: Keys, agent: Agent,
                              typed: list[str]) -> bool:
    """True when `typed` are all codes this agent has not used yet: the codes page sends them
    back to be saved or printed, and the server, which keeps only digests, echoes them only to
    someone who already holds them."""
    if not typed or len(typed) > RECOVERY_CODES:
        return False
    digests = {keys.token_digest("recovery-code", code.strip().lower()) for code in typed}
    found = session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.agent_id == agent.id, RecoveryCode.code_digest.in_(digests),
        RecoveryCode.used_at.is_(None)))
    return found == len(digests) == len(typed)


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
