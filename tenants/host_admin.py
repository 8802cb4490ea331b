"""What the collectivité does to its hosts from the console: find them, create and correct them,
disable them, and answer their GDPR requests. Plain functions on a session; the console's views
call them and commit.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from plateforme.errors import UserError
from plateforme.registry import utcnow
from tenants import accounts, activation, hosts, legal
from tenants.hosts import Hebergement, Host

STATES = {
    "courrier": "Courrier à envoyer",
    "attente": "En attente d'activation",
    "actif": "Actif",
    "ancien": "Compte d'avant 2019",
    "desactive": "Désactivé",
}


def state_of(host: Host, has_code: bool) -> str:
    if host.disabled_at is not None:
        return "desactive"
    if host.password_hash is not None:
        return "actif"
    if host.legacy:
        return "ancien"
    return "attente" if has_code else "courrier"


def _state_condition(state: str):
    live_code = sa.exists().where(accounts.ActivationCode.host_id == Host.id)
    enabled = Host.disabled_at.is_(None)
    no_password = Host.password_hash.is_(None)
    return {
        "desactive": Host.disabled_at.is_not(None),
        "actif": sa.and_(enabled, Host.password_hash.is_not(None)),
        "ancien": sa.and_(enabled, no_password, Host.legacy.is_(True)),
        "attente": sa.and_(enabled, no_password, Host.legacy.is_(False), live_code),
        "courrier": sa.and_(enabled, no_password, Host.legacy.is_(False), ~live_code),
    }[state]


@dataclass
class Filters:
    text: str = ""
    commune: str = ""
    nature: str = ""
    classement: str = ""
    state: str = ""


def search(session: Session, filters: Filters, page: int = 1, per_page: int = 50):
    """Hosts matching the filters (name, email, reference, commune of the host or of one of
    their hébergements…), with their state; and the total."""
    query = sa.select(Host)
    if filters.text:
        pattern = f"%{filters.text.lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(Host.last_name).like(pattern),
            sa.func.lower(Host.first_name).like(pattern),
            sa.func.lower(sa.func.coalesce(Host.email, "")).like(pattern),
            sa.func.lower(sa.func.coalesce(Host.reference, "")).like(pattern),
            Host.hebergements.any(sa.func.lower(Hebergement.name).like(pattern))))
    if filters.commune:
        pattern = f"%{filters.commune.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Host.city).like(pattern),
                                   Host.hebergements.any(
                                       sa.func.lower(Hebergement.city).like(pattern))))
    if filters.nature in hosts.NATURES:
        query = query.where(Host.hebergements.any(Hebergement.nature == filters.nature))
    if filters.classement in hosts.CLASSEMENTS:
        query = query.where(Host.hebergements.any(Hebergement.classement == filters.classement))
    if filters.state in STATES:
        query = query.where(_state_condition(filters.state))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(query.options(selectinload(Host.hebergements))
                           .order_by(Host.last_name, Host.first_name, Host.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    with_code = set(session.scalars(sa.select(accounts.ActivationCode.host_id).where(
        accounts.ActivationCode.host_id.in_([h.id for h in rows]))))
    return [(h, state_of(h, h.id in with_code)) for h in rows], total


def create_host(session: Session, data: dict, hebergement: dict) -> Host:
    host = Host(civility="M.", last_name="", first_name="", address="", postal_code="",
                city="")
    activation.update_details(host, data)
    host.email = hosts.parse_email(data.get("email"))
    if host.email and hosts.email_taken(session, host.email):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    set_reference(session, host, data.get("reference"))
    item = Hebergement(name="", address="", postal_code="", city="", nature="meuble",
                       classement="non_classe", capacity=1)
    activation.update_hebergement(item, hebergement)
    host.hebergements.append(item)
    session.add(host)
    session.flush()
    return host


def set_reference(session: Session, host: Host, reference: str | None) -> None:
    """The collectivité's own identifier, unique among its hosts (or none)."""
    reference = (reference or "").strip() or None
    if reference and reference != host.reference and session.scalar(
            sa.select(Host.id).where(Host.reference == reference)):
        raise UserError(f"La référence « {reference} » est déjà utilisée.")
    host.reference = reference


def set_email(session: Session, host: Host, email: str | None) -> None:
    normalised = hosts.parse_email(email)
    if normalised and hosts.email_taken(session, normalised, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    if normalised != host.email:
        host.email = normalised


def disable(session: Session, host: Host) -> None:
    """The host can no longer log in; every session and remembered browser ends now."""
    host.disabled_at = utcnow()
    accounts.end_all_sessions(session, host)


def enable(host: Host) -> None:
    host.disabled_at = None


# --- GDPR -------------------------------------------------------------------------------


def export(session: Session, host: Host) -> dict:
    """Everything held about the host (art. 15 / 20), secrets excepted."""
    acceptances = session.scalars(sa.select(legal.Acceptance)
                                  .where(legal.Acceptance.host_id == host.id)).all()
    codes = session.scalars(sa.select(accounts.ActivationCode)
                            .where(accounts.ActivationCode.host_id == host.id)).all()
    from tenants import audit

    events = session.scalars(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.actor_kind == "host", audit.AuditEvent.actor_id == host.id)).all()
    return {
        "hebergeur": {
            "reference": host.reference, "civilite": host.civility, "nom": host.last_name,
            "prenom": host.first_name, "adresse": host.address, "code_postal": host.postal_code,
            "commune": host.city, "courriel": host.email, "telephone": host.phone,
            "compte_avant_2019": host.legacy, "compte_active_le": _iso(host.activated_at),
            "derniere_connexion": _iso(host.last_login_at),
            "desactive_le": _iso(host.disabled_at), "cree_le": _iso(host.created_at),
        },
        "hebergements": [
            {"nom": h.name, "adresse": h.address, "code_postal": h.postal_code,
             "commune": h.city, "nature": h.nature_label, "classement": h.classement_label,
             "capacite": h.capacity} for h in host.hebergements],
        "acceptations": [{"document": a.kind, "version": a.version, "empreinte": a.sha256,
                          "date_utc": _iso(a.accepted_at)} for a in acceptances],
        "codes_activation": [{"cree_le": _iso(c.created_at), "expire_le": _iso(c.expires_at),
                              "utilise_le": _iso(c.used_at), "revoque_le": _iso(c.revoked_at)}
                             for c in codes],
        "journal": [{"date_utc": _iso(e.at), "action": e.action, "adresse_ip": e.ip}
                    for e in events],
    }


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def export_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def export_csv(data: dict) -> bytes:
    """One section per table, as rows of `section;field;value`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("rubrique", "champ", "valeur"))
    for field, value in data["hebergeur"].items():
        writer.writerow(("hebergeur", field, "" if value is None else value))
    for section in ("hebergements", "acceptations", "codes_activation", "journal"):
        for index, row in enumerate(data[section], start=1):
            for field, value in row.items():
                writer.writerow((f"{section} {index}", field, "" if value is None else value))
    return out.getvalue().encode("utf-8-sig")


ERASED = "effacé"


def erase(session: Session, host: Host) -> None:
    """Erase the person's contact details (art. 17) while keeping what the tax needs: the
    host's record and hébergements stay, so do acceptances, but names, addresses, email, phone
    and credentials go, and the account is closed for good."""
    from tenants import audit

    host.civility = "M."
    host.first_name = ERASED
    host.last_name = f"{ERASED} n°{host.id}"
    host.address = ERASED
    host.postal_code = "00000"
    host.city = ERASED
    host.email = None
    host.phone = None
    host.password_hash = None
    host.legacy = False
    host.disabled_at = host.disabled_at or utcnow()
    accounts.end_all_sessions(session, host)
    session.execute(sa.delete(accounts.ActivationCode)
                    .where(accounts.ActivationCode.host_id == host.id))
    session.execute(sa.update(audit.AuditEvent)
                    .where(audit.AuditEvent.actor_kind == "host",
                           audit.AuditEvent.actor_id == host.id)
                    .values(actor_label="", target="", ip=None))
