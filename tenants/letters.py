"""The invitation letters' mail-merge: which hosts get one, their new codes, CSV and PDF.

Producing a host's letter issues a new code and revokes the previous one, so the last letter
sent is the only one that works. By default only hosts who never had a letter are included;
`reissue` adds those still waiting to activate (their earlier letters stop working).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from plateforme.registry import utcnow
from plateforme.routing import tenant_path
from tenants import accounts, hosts, settings
from tenants.hosts import Host

CSV_COLUMNS = ("reference", "civilite", "nom", "prenom", "adresse_ligne_1", "adresse_ligne_2",
               "code_activation", "url_activation", "date_expiration")


@dataclass(frozen=True)
class IssuedLetter:
    host_id: int
    reference: str | None
    civility: str
    first_name: str
    last_name: str
    address_lines: tuple[str, ...]
    code: str
    url: str
    expires_on: date


def may_receive(host: Host) -> bool:
    """The same rule as `recipients`, for one host chosen by hand."""
    return host.password_hash is None and host.disabled_at is None and not host.legacy


def recipients(session: Session, reissue: bool = False) -> list[Host]:
    """Hosts to write to: not activated, not disabled, not legacy (they reset instead)."""
    with_code = sa.select(accounts.ActivationCode.host_id)
    query = (sa.select(Host)
             .where(Host.password_hash.is_(None), Host.disabled_at.is_(None),
                    Host.legacy.is_(False))
             .order_by(Host.postal_code, Host.last_name, Host.first_name, Host.id))
    if not reissue:
        query = query.where(Host.id.not_in(with_code))
    return list(session.scalars(query))


def issue_letters(session: Session, keys: accounts.Keys, recipients_: list[Host], url: str,
                  days: int) -> list[IssuedLetter]:
    """A fresh code for each recipient (the caller commits once the file is written)."""
    if not recipients_:
        raise UserError("Aucun courrier à produire : aucun hébergeur n'attend de code "
                        "d'activation (--reissue pour renvoyer les codes en attente).")
    letters = []
    for host in recipients_:
        code = accounts.issue_code(session, keys, host, days)
        expires = (utcnow() + timedelta(days=days)).date()
        letters.append(IssuedLetter(
            host.id, host.reference, host.civility, host.first_name, host.last_name,
            (host.address, f"{host.postal_code} {host.city}"), code, url, expires))
    return letters


def letters_csv(letters: list[IssuedLetter]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for letter in letters:
        writer.writerow((letter.reference or "", letter.civility, letter.last_name,
                         letter.first_name, *letter.address_lines, letter.code, letter.url,
                         letter.expires_on.strftime("%d/%m/%Y")))
    return out.getvalue().encode("utf-8-sig")


def letters_pdf(letters: list[IssuedLetter], name: str, support_phone: str,
                home_url: str, logo_png: bytes | None = None) -> bytes:
    from tenants import pdf

    sender = pdf.Sender(name=name, support_phone=support_phone, home_url=home_url,
                        logo_png=logo_png)
    return pdf.letters_pdf([pdf.Letter(civility=x.civility, first_name=x.first_name,
                                       last_name=x.last_name, address_lines=x.address_lines,
                                       code=x.code, url=x.url, expires_on=x.expires_on)
                            for x in letters], sender)


def produce(session: Session, keys: accounts.Keys, recipients_: list[Host], fmt: str,
            platform, tenant, days: int) -> tuple[bytes, list[IssuedLetter]]:
    """New codes for `recipients_` and their letters as CSV or PDF, in the collectivité's name
    (the caller commits once the file is safely handed over)."""
    issued = issue_letters(session, keys, recipients_,
                           platform.url(tenant.primary_host,
                                        tenant_path(current_app, "activation.code")), days)
    if fmt == "csv":
        return letters_csv(issued), issued
    values = settings.get(session)
    return letters_pdf(issued, values.display_name, hosts.format_phone(values.support_phone),
                       platform.url(tenant.primary_host), values.logo_png), issued
