"""Activation ("Activer mon compte"): the code from the letter, then the host checks their
details and hébergements, then chooses their login email and password.

The code is only spent at the last step, in the same transaction that sets the password; until
then the browser's session remembers which code was typed (its id, never the code itself), so an
abandoned activation can be resumed with the same letter.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.access import passwords
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.core.validation import parse_email
from tenants.hosts import accounts, codes
from tenants.hosts.models import ActivationCode, CodeState, Host

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
    """Spend the code and set the credentials, or change nothing (UserError)."""
    if code.state() is not CodeState.LIVE:
        raise UserError(CODE_MESSAGES[code.state()])
    host = code.host
    normalised = parse_email(email)
    if normalised is None:
        raise UserError("L'identifiant (courriel) est obligatoire.")
    if accounts.email_taken(session, normalised, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte. "
                        "Choisissez-en une autre ou contactez votre collectivité.")
    accounts.check_password(host, password, collectivite, email=normalised)
    now = utcnow()
    host.email = normalised
    host.password_hash = passwords.hash_password(password)
    host.activated_at = now
    host.legacy = False
    code.used_at = now
    accounts.end_all_sessions(session, host)
    return host
