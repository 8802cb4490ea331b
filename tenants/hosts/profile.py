"""What a host (or an agent for them) changes in their record: personal details, hébergements,
login email, password. Every field is checked before anything changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.access import passwords
from tenants.core import validation
from tenants.hosts import accounts, natures
from tenants.hosts.models import Closure, Hebergement, Host


def update_details(host: Host, data: dict) -> None:
    """Apply the checked personal details and hébergements; UserError names the first problem."""
    host.civility = natures.parse_civility(data["civility"])
    host.last_name = validation.required(data["last_name"], "Nom", 100)
    host.first_name = validation.required(data["first_name"], "Prénom", 100)
    host.address = validation.required(data["address"], "Adresse", 200)
    host.postal_code = validation.parse_postal_code(data["postal_code"])
    host.city = validation.required(data["city"], "Commune", 100)
    host.phone = validation.parse_phone(data.get("phone"))
    by_id = {str(h.id): h for h in host.hebergements}
    for entry in data.get("hebergements", []):
        hebergement = by_id.get(str(entry.get("id")))
        if hebergement is None:
            raise UserError("Hébergement inconnu.")
        update_hebergement(hebergement, entry)


def update_hebergement(hebergement: Hebergement, data: dict) -> None:
    label = f"Hébergement « {hebergement.name} »"
    try:
        hebergement.name = validation.required(data["name"], "nom", 200)
        hebergement.address = validation.required(data["address"], "adresse", 200)
        hebergement.postal_code = validation.parse_postal_code(data["postal_code"])
        hebergement.city = validation.required(data["city"], "commune", 100)
        nature = data["nature"] if data["nature"] in natures.NATURES else \
            natures.parse_nature(data["nature"])
        hebergement.nature = nature
        hebergement.classement = natures.parse_classement(data["classement"], nature) \
            if data["classement"] not in natures.NATURES[nature][1] else data["classement"]
        hebergement.capacity = natures.parse_capacity(data["capacity"])
    except UserError as error:
        raise UserError(f"{label} : {error.message}.") from None


def new_hebergement(data: dict) -> Hebergement:
    """An hébergement from checked form data (UserError otherwise)."""
    item = Hebergement(name="", address="", postal_code="", city="", nature="meuble",
                       classement="non_classe", capacity=1)
    update_hebergement(item, data)
    return item


def change_email(session: Session, host: Host, current_password: str, new_email: str) -> None:
    """Re-authenticate, then change the login email (UserError otherwise, nothing changed)."""
    if not passwords.verify(host.password_hash, current_password):
        raise UserError("Mot de passe actuel incorrect.")
    email = validation.parse_email(new_email)
    if email is None:
        raise UserError("Indiquez la nouvelle adresse électronique.")
    if accounts.email_taken(session, email, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    host.email = email


def change_password(session: Session, host: Host, current_password: str, new_password: str,
                    collectivite: str) -> None:
    """Re-authenticate, then set the password and end every session of the host (the caller
    opens a new one for this browser)."""
    if not passwords.verify(host.password_hash, current_password):
        raise UserError("Mot de passe actuel incorrect.")
    accounts.check_password(host, new_password, collectivite)
    host.password_hash = passwords.hash_password(new_password)
    accounts.end_all_sessions(session, host)


def own_hebergement(session: Session, host: Host, hebergement_id: int) -> Hebergement | None:
    """Only the host's own hébergements: anything else is None, whoever owns it."""
    hebergement = session.get(Hebergement, hebergement_id)
    if hebergement is None or hebergement.host_id != host.id:
        return None
    return hebergement


def add_closure(session: Session, item: Hebergement, starts_on: date, ends_on: date) -> Closure:
    """The host says when the hébergement is closed (a forfait counts only its open nights)."""
    if ends_on < starts_on:
        raise UserError("La fin de la fermeture précède son début.")
    if (ends_on - starts_on).days > 366 * 2:
        raise UserError("Une fermeture dure au plus deux ans : indiquez-en plusieurs.")
    for other in item.closures:
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise UserError(f"Cette fermeture chevauche celle du "
                            f"{other.starts_on.strftime('%d/%m/%Y')} au "
                            f"{other.ends_on.strftime('%d/%m/%Y')}.")
    closure = Closure(starts_on=starts_on, ends_on=ends_on)
    item.closures.append(closure)
    session.flush()
    return closure


def remove_closure(session: Session, item: Hebergement, closure_id: int) -> None:
    closure = next((c for c in item.closures if c.id == closure_id), None)
    if closure is None:
        raise UserError("Cette fermeture n'existe pas.")
    item.closures.remove(closure)
