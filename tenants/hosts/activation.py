"""Activation ("Activer mon compte"): the code from the letter, then the host checks their
details and hébergements, then chooses their login email and password.

The code is only spent when the account is activated; until then the browser's session
remembers which code was typed (its id, never the code itself), so an abandoned activation can be
resumed with the same letter.

The last step does not activate: it keeps the chosen address and password on the code and
emails that address a link, valid `CONFIRM_HOURS`, that activates the account. The page then
says the same thing whatever the address: typing someone else's address with any valid letter
code no longer tells whether it has an account (issue 12, finding 6). Its owner learns by email
that it was typed (with how to log in or reset, if it was them), and an activation can no longer
end on an address nobody reads.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.access import passwords
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.urls import tenant_url
from tenants.core.validation import parse_email
from tenants.hosts import accounts, codes
from tenants.hosts.models import ActivationCode, CodeState, Host

CONFIRM_HOURS = 24

#: Why a code is refused; "disabled": the code is live but its account is closed.
CODE_MESSAGES = {
    "unknown": "Ce code d'activation n'est pas reconnu. Vérifiez-le sur votre courrier.",
    CodeState.USED: "Ce code d'activation a déjà été utilisé : votre compte est activé. "
                    "Connectez-vous avec votre courriel et votre mot de passe, ou utilisez "
                    "« Mot de passe oublié ? ».",
    CodeState.REVOKED: "Ce code d'activation a été remplacé par un code plus récent, envoyé par "
                       "un nouveau courrier.",
    CodeState.EXPIRED: "Ce code d'activation a expiré. Votre collectivité peut vous en envoyer "
                       "un nouveau.",
    "disabled": "Ce compte est désactivé. Contactez votre collectivité.",
}


def check_code(session: Session, keys: Keys, typed: str) -> tuple[str, ActivationCode | None]:
    """("live", code) or (a reason from CODE_MESSAGES, None)."""
    code = codes.find_code(session, keys, typed)
    if code is None:
        return "unknown", None
    state = code.state()
    if state is not CodeState.LIVE:
        return state, None
    if code.host.disabled_at is not None:
        return "disabled", None
    return state, code


def pending_code(session: Session, code_id: int | None) -> ActivationCode | None:
    """The code typed earlier in this browser, if it still opens an activation."""
    code = session.get(ActivationCode, code_id) if code_id else None
    if code is None or code.state() is not CodeState.LIVE or code.host.disabled_at is not None:
        return None
    return code


def activate(session: Session, code: ActivationCode, email: str, password: str,
             collectivite: str) -> Host:
    """The last step and the confirmation at once, for accounts whose address nobody needs to
    prove (the demo's data, test fixtures, benchmarks): the same checks, the same writes."""
    _keep_pending(code, email, password, collectivite)
    return confirm_activation(session, code)


# --- the last step: the address confirmed by the link emailed to it --------------------------


def request_activation(session: Session, keys: Keys, code: ActivationCode, email: str,
                       password: str, collectivite: str) -> str:
    """Keep the chosen credentials on the code and email the address; returns it normalised.
    The password's rules are checked first; nothing after them depends on whether the address
    has an account, except the email's text, which only its owner reads."""
    normalised = _keep_pending(code, email, password, collectivite)
    host = code.host
    brand = settings.brand(session)
    if accounts.email_taken(session, normalised, except_host=host):
        message = emails.render(
            "hosts/activation_taken", to=normalised, brand=brand,
            subject=f"{brand.name} : votre adresse a été saisie pour activer un compte",
            login=tenant_url("home.index"), reset=tenant_url("auth.forgot"))
    else:
        message = emails.render(
            "hosts/activation_confirm", to=normalised, brand=brand, host=host,
            hours=CONFIRM_HOURS, subject=f"{brand.name} : confirmez votre adresse pour "
                                         "activer votre compte",
            link=tenant_url("activation.confirm_from_link", token=_confirm_token(keys, code)))
    mail.send_after_commit(session, message)
    return normalised


def _keep_pending(code: ActivationCode, email: str, password: str, collectivite: str) -> str:
    if code.state() is not CodeState.LIVE:
        raise UserError(CODE_MESSAGES[code.state()])
    normalised = parse_email(email)
    if normalised is None:
        raise UserError("L'identifiant (courriel) est obligatoire.")
    accounts.check_password(code.host, password, collectivite, email=normalised)
    code.pending_email = normalised
    code.pending_password_hash = passwords.hash_password(password)
    code.pending_at = utcnow()
    return normalised


def _confirm_serializer(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret_key, salt=keys.salt("activation-confirm"))


def _pending_fingerprint(code: ActivationCode) -> str:
    """Moves with every new request on the code: only the last link emailed works."""
    material = "|".join(str(v) for v in (code.id, code.pending_email, code.pending_password_hash,
                                         code.pending_at))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _confirm_token(keys: Keys, code: ActivationCode) -> str:
    return _confirm_serializer(keys).dumps({"c": code.id, "f": _pending_fingerprint(code)})


def code_for_confirmation(session: Session, keys: Keys, token: str) -> ActivationCode | None:
    """The code a confirmation link opens, if it still does (live, latest link, in time)."""
    try:
        data = _confirm_serializer(keys).loads(token, max_age=CONFIRM_HOURS * 3600)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    code = pending_code(session, data["c"])
    if code is None or code.pending_email is None:
        return None
    if not hmac.compare_digest(_pending_fingerprint(code), str(data.get("f"))):
        return None
    return code


_CONFIRM_LINK = re.compile(r"https?://\S+/activation/confirmer/\S+")


@dataclass(frozen=True)
class OutboxMessage:
    path: Path
    link: str | None  # the confirmation link it carries, if it is a confirmation


def latest_in_outbox(outbox: Path, address: str, scanned: int = 50) -> OutboxMessage | None:
    """In development, where emails are files (instance/outbox/), the newest one written to
    `address`: the demo can follow its link without a mail reader. Never called otherwise."""
    files = sorted(outbox.glob("*.eml"), reverse=True)[:scanned]  # names sort by time
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(message["To"]).strip().lower() != address:
            continue
        body = message.get_body(("plain",))
        found = _CONFIRM_LINK.search(body.get_content()) if body is not None else None
        return OutboxMessage(path, found.group(0) if found else None)
    return None


def confirm_activation(session: Session, code: ActivationCode) -> Host:
    """Spend the code and set the credentials kept on it, or change nothing (UserError)."""
    if accounts.email_taken(session, code.pending_email, except_host=code.host):
        raise UserError("Cette adresse ne peut plus servir à activer ce compte. Recommencez "
                        "l'activation avec votre code, ou contactez votre collectivité.")
    host = code.host
    now = utcnow()
    host.email = code.pending_email
    host.password_hash = code.pending_password_hash
    host.activated_at = now
    host.legacy = False
    code.used_at = now
    code.pending_password_hash = None
    accounts.end_all_sessions(session, host)
    return host
