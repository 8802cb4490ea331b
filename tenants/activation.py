"""Activation ("Activer mon compte"): the code from the letter, then the host checks their
details and hébergements, then chooses their login email and password.

The code is only spent at the last step, in the same transaction that sets the password; until
then the browser's session remembers which code was typed (never the code itself: its id), so an
abandoned activation can be resumed with the same letter.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, render_template, request, session, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.limits import limit
from plateforme.registry import utcnow
from plateforme.routing import TenantBlueprint
from tenants import accounts, hosts, passwords
from tenants.forms import AccountDetailsForm, ActivationCodeForm, CredentialsForm
from tenants.hosts import Hebergement, Host
from tenants.identity import keys, log_event, public

bp = TenantBlueprint("activation", __name__, url_prefix="/activation")

CODE_MESSAGES = {
    "unknown": "Ce code d'activation n'est pas reconnu. Vérifiez-le sur votre courrier.",
    "used": "Ce code d'activation a déjà été utilisé : votre compte est activé. Connectez-vous "
            "avec votre courriel et votre mot de passe, ou utilisez « Mot de passe oublié ? ».",
    "revoked": "Ce code d'activation a été remplacé par un code plus récent, envoyé par un "
               "nouveau courrier.",
    "expired": "Ce code d'activation a expiré. Votre collectivité peut vous en envoyer un "
               "nouveau.",
    "disabled": "Ce compte est désactivé. Contactez votre collectivité.",
}


# --- services -----------------------------------------------------------------------------


def check_code(db_session, keys_: accounts.Keys,
               typed: str) -> tuple[str, accounts.ActivationCode | None]:
    """("live", code) or (a reason from CODE_MESSAGES, None)."""
    code = accounts.find_code(db_session, keys_, typed)
    if code is None:
        return "unknown", None
    state = code.state()
    if state != "live":
        return state, None
    if code.host.disabled_at is not None:
        return "disabled", None
    return "live", code


def update_details(host: Host, data: dict) -> None:
    """Apply the checked personal details and hébergements; UserError names the first problem."""
    host.civility = hosts.parse_civility(data["civility"])
    host.last_name = hosts.required(data["last_name"], "Nom", 100)
    host.first_name = hosts.required(data["first_name"], "Prénom", 100)
    host.address = hosts.required(data["address"], "Adresse", 200)
    host.postal_code = hosts.parse_postal_code(data["postal_code"])
    host.city = hosts.required(data["city"], "Commune", 100)
    host.phone = hosts.parse_phone(data.get("phone"))
    by_id = {str(h.id): h for h in host.hebergements}
    for entry in data.get("hebergements", []):
        hebergement = by_id.get(str(entry.get("id")))
        if hebergement is None:
            raise UserError("Hébergement inconnu.")
        update_hebergement(hebergement, entry)


def update_hebergement(hebergement: Hebergement, data: dict) -> None:
    label = f"Hébergement « {hebergement.name} »"
    try:
        hebergement.name = hosts.required(data["name"], "nom", 200)
        hebergement.address = hosts.required(data["address"], "adresse", 200)
        hebergement.postal_code = hosts.parse_postal_code(data["postal_code"])
        hebergement.city = hosts.required(data["city"], "commune", 100)
        nature = data["nature"] if data["nature"] in hosts.NATURES else \
            hosts.parse_nature(data["nature"])
        hebergement.nature = nature
        hebergement.classement = hosts.parse_classement(data["classement"], nature) \
            if data["classement"] not in hosts.NATURES[nature][1] else data["classement"]
        hebergement.capacity = hosts.parse_capacity(data["capacity"])
    except UserError as error:
        raise UserError(f"{label} : {error.message}.") from None


def activate(db_session, code: accounts.ActivationCode, email: str, password: str,
             collectivite_name: str) -> Host:
    """Spend the code and set the credentials, or change nothing (UserError)."""
    if code.state() != "live":
        raise UserError(CODE_MESSAGES[code.state()])
    host = code.host
    normalised = hosts.parse_email(email)
    if normalised is None:
        raise UserError("L'identifiant (courriel) est obligatoire.")
    if hosts.email_taken(db_session, normalised, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte. "
                        "Choisissez-en une autre ou contactez votre collectivité.")
    passwords.check_policy(password, [host.first_name, host.last_name, normalised,
                                      normalised.split("@")[0], host.city, collectivite_name])
    now = utcnow()
    host.email = normalised
    host.password_hash = passwords.hash_password(password)
    host.activated_at = now
    host.legacy = False
    code.used_at = now
    accounts.end_all_sessions(db_session, host)
    return host


# --- pages --------------------------------------------------------------------------------


def _pending_code() -> accounts.ActivationCode | None:
    code_id = session.get("activation_code")
    code = db.session.get(accounts.ActivationCode, code_id) if code_id else None
    if code is None or code.state() != "live" or code.host.disabled_at is not None:
        session.pop("activation_code", None)
        return None
    return code


@bp.route("/", methods=["GET", "POST"])
@limit("10 per 15 minutes; 30 per day")
@public
def code():
    form = ActivationCodeForm()
    error = None
    if form.validate_on_submit():
        state, found = check_code(db.session, keys(), form.code.data)
        if found is not None:
            session["activation_code"] = found.id
            log_event("activation.code_accepted", found.host)
            return redirect(url_for(".details"))
        log_event("activation.code_refused", reason=state)
        error = CODE_MESSAGES[state]
    return render_template("tenants/activation/code.html", form=form, error=error)


@bp.route("/informations", methods=["GET", "POST"])
@public
def details():
    code = _pending_code()
    if code is None:
        return redirect(url_for(".code"))
    host = code.host
    form = AccountDetailsForm(obj=None if _submitted() else details_data(host, True))
    error = None
    if form.validate_on_submit():
        error = db.attempt(update_details, host, form.data)
        if error is None:
            return redirect(url_for(".credentials"))
    return render_template("tenants/activation/details.html", form=form, host=host,
                           error=error)


@bp.route("/identifiants", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@public
def credentials():
    code = _pending_code()
    if code is None:
        return redirect(url_for(".code"))
    form = CredentialsForm()
    if not _submitted() and code.host.email:
        form.email.data = code.host.email
    error = None
    if form.validate_on_submit():
        host = code.host
        error = db.attempt(activate, db.session, code, form.email.data, form.password.data,
                           _collectivite_name())
        if error is None:
            session.pop("activation_code", None)
            log_event("activation.completed", host)
            flash("Votre compte est activé. Connectez-vous avec votre courriel et votre "
                  "nouveau mot de passe.", "success")
            return redirect(url_for("home.index"))
    return render_template("tenants/activation/credentials.html", form=form, host=code.host,
                           error=error)


def _submitted() -> bool:
    return request.method == "POST"


def details_data(host: Host, with_hebergements: bool = False):
    """A form's initial values: the host as recorded, the phone in French format."""
    values = {k: getattr(host, k) for k in ("civility", "last_name", "first_name", "address",
                                            "postal_code", "city")}
    values["phone"] = hosts.format_phone(host.phone)
    if with_hebergements:
        values["hebergements"] = list(host.hebergements)
    return SimpleNamespace(**values)


def _collectivite_name() -> str:
    from tenants import settings

    return settings.get(db.session).display_name

