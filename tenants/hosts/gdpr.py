"""A host's personal data on request (GDPR): everything held about them (art. 15 and 20), and
erasure of the person (art. 17) while the tax's records stay."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from tenants.audit import journal
from tenants.collectivite import legal
from tenants.core.dates import utcnow
from tenants.core.files import french_csv
from tenants.hosts import accounts, codes
from tenants.hosts.models import Host


def export(session: Session, host: Host) -> dict:
    """Everything held about the host (art. 15 / 20), secrets excepted."""
    acceptances = legal.of_host(session, host.id)
    issued = codes.of_host(session, host.id)
    events = journal.of_host(session, host.id)
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
                             for c in issued],
        "journal": [{"date_utc": _iso(e.at), "action": e.action, "adresse_ip": e.ip}
                    for e in events],
    }


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def export_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def export_csv(data: dict) -> bytes:
    """One section per table, as rows of `section;field;value`."""
    rows = [("hebergeur", field, value) for field, value in data["hebergeur"].items()]
    for section in ("hebergements", "acceptations", "codes_activation", "journal"):
        for index, row in enumerate(data[section], start=1):
            rows += [(f"{section} {index}", field, value) for field, value in row.items()]
    return french_csv(("rubrique", "champ", "valeur"), rows)


ERASED = "effacé"


def erase(session: Session, host: Host) -> None:
    """Erase the person's contact details (art. 17) while keeping what the tax needs: the
    host's record and hébergements stay, so do acceptances, but names, addresses, email, phone
    and credentials go, and the account is closed for good."""
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
    codes.delete_all(session, host.id)
    journal.forget_host(session, host.id)


def export_file(session: Session, host: Host, fmt: str, by: journal.Actor) -> bytes:
    """The export as the console hands it over (`json` or `csv`), the handing journaled."""
    data = export(session, host)
    journal.record(session, "host.exported", by, target=host.full_name, host_id=host.id,
                   format=fmt)
    return export_json(data) if fmt == "json" else export_csv(data)


def erase_on_request(session: Session, host: Host, by: journal.Actor) -> None:
    erase(session, host)
    journal.record(session, "host.erased", by, target=f"hébergeur n°{host.id}", host_id=host.id)
