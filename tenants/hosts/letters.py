"""The invitation letters: which hosts get one, their new codes, the mail-merge CSV and the
letters as PDF.

Hosts activate their account with a code that reaches them by post, so the letter is the one
thing every host is sure to read: it must stand alone (what to do, where, until when, whom to
call) and be ready for a DL window envelope without any further layout work.

Producing a host's letter issues a new code and revokes the previous one, so the last letter
sent is the only one that works. By default only hosts who never had a letter are included;
`reissue` adds those still waiting to activate (their earlier letters stop working). The caller
commits once the file is safely handed over: a file that could not be written revokes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from plateforme import jobs
from plateforme.database import db
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core.dates import utcnow
from tenants.core.files import french_csv
from tenants.core.keys import Keys, current_keys
from tenants.core.urls import tenant_url
from tenants.hosts import codes
from tenants.hosts.letter_content import IssuedLetter
from tenants.hosts.models import ActivationCode, Host, LetterBatch

CSV_COLUMNS = ("reference", "civilite", "nom", "prenom", "adresse_ligne_1", "adresse_ligne_2",
               "code_activation", "url_activation", "date_expiration")


def may_receive(host: Host) -> bool:
    """The same rule as `recipients`, for one host chosen by hand."""
    return host.password_hash is None and host.disabled_at is None and not host.legacy


def why_not(host: Host) -> str:
    """Why `may_receive` refuses this host, as the agent reads it."""
    if host.disabled_at is not None:
        return "compte désactivé"
    if host.password_hash is not None:
        return "compte déjà actif"
    return "compte d'avant 2019 : l'hébergeur réinitialise son mot de passe"


@dataclass
class LetterPlan:
    """What producing letters for hosts chosen by hand would do, told before it is done: an
    earlier letter stops working the moment a new code is issued, and the agent may have just
    printed it."""

    recipients: list[Host]
    skipped: list[tuple[Host, str]]   # (host, why_not)
    revoked: int                      # live codes that the new ones replace

    @property
    def recipient_ids(self) -> list[int]:
        return [host.id for host in self.recipients]


def plan(session: Session, host_ids: list[int]) -> LetterPlan:
    hosts = list(session.scalars(sa.select(Host).where(Host.id.in_(host_ids))
                                 .order_by(*POSTAL_ORDER))) if host_ids else []
    recipients_ = [h for h in hosts if may_receive(h)]
    return LetterPlan(recipients_, [(h, why_not(h)) for h in hosts if not may_receive(h)],
                      codes.live_codes_count(session, [h.id for h in recipients_]))


#: Letters come out sorted for the post office: by postal code, then name.
POSTAL_ORDER = (Host.postal_code, Host.last_name, Host.first_name, Host.id)


def recipients(session: Session, reissue: bool = False) -> list[Host]:
    """Hosts to write to: not activated, not disabled, not legacy (they reset instead)."""
    query = (sa.select(Host)
             .where(Host.password_hash.is_(None), Host.disabled_at.is_(None),
                    Host.legacy.is_(False))
             .order_by(*POSTAL_ORDER))
    if not reissue:
        query = query.where(Host.id.not_in(sa.select(ActivationCode.host_id)))
    return list(session.scalars(query))


def issue_letters(session: Session, keys: Keys, recipients_: list[Host], url: str,
                  days: int) -> list[IssuedLetter]:
    """A fresh code for each recipient (the caller commits once the file is written)."""
    if not recipients_:
        raise UserError("Aucun courrier à produire : aucun hébergeur n'attend de code "
                        "d'activation (--reissue pour renvoyer les codes en attente).")
    letters = []
    for host in recipients_:
        code = codes.issue_code(session, keys, host, days)
        expires = (utcnow() + timedelta(days=days)).date()
        letters.append(IssuedLetter(
            host.id, host.reference, host.civility, host.first_name, host.last_name,
            (host.address, f"{host.postal_code} {host.city}"), code, url, expires))
    return letters


def letters_csv(letters: list[IssuedLetter]) -> bytes:
    return french_csv(CSV_COLUMNS, (
        (letter.reference or "", letter.civility, letter.last_name, letter.first_name,
         *letter.address_lines, letter.code, letter.url,
         letter.expires_on.strftime("%d/%m/%Y")) for letter in letters))


def produce(session: Session, keys: Keys, recipients_: list[Host], fmt: str, days: int,
            by: Actor = journal.SYSTEM) -> tuple[bytes, list[IssuedLetter]]:
    """New codes for `recipients_` and their letters as CSV or PDF, in the collectivité's name;
    journaled (the caller commits once the file is safely handed over)."""
    issued = issue_letters(session, keys, recipients_, tenant_url("activation.code"), days)
    if fmt == "csv":
        content = letters_csv(issued)
    else:
        from tenants.hosts.letter_pages import letters_pdf  # fpdf2 loads only to print

        content = letters_pdf(issued, settings.sender(session))
    journal.record(session, "letters.produced", by, target=f"{len(issued)} courrier(s)",
                   format=fmt, host_ids=[x.host_id for x in issued])
    return content, issued


# --- letters for a selection, prepared as a task ----------------------------------------------

PREPARING, READY, FAILED = "en_preparation", "pret", "echec"
#: A prepared file carries live codes: erased after this, downloaded or not.
KEEP_HOURS = 24


def request_batch(session: Session, host_ids: list[int], fmt: str, by: Actor) -> LetterBatch:
    """Record the request and queue the letters; the task issues the codes and the file."""
    batch = LetterBatch(fmt="csv" if fmt == "csv" else "pdf", requested=len(host_ids),
                        state=PREPARING, requested_by=by.label)
    session.add(batch)
    session.flush()
    jobs.defer(session, "hosts.letters", batch_id=batch.id, host_ids=list(host_ids), by=by)
    return batch


@jobs.task("hosts.letters", "Courriers d'activation")
def prepare_batch(batch_id: int, host_ids: list[int], by: Actor) -> None:
    """New codes and the file in one transaction: a failure issues no code (and is retried)."""
    session = db.session
    batch = session.get(LetterBatch, batch_id)
    if batch is None or batch.state != PREPARING:
        return   # already done (a retry after a lost acknowledgement)
    chosen = [h for h in session.scalars(
        sa.select(Host).where(Host.id.in_(host_ids)).order_by(*POSTAL_ORDER))
        if may_receive(h)]
    if not chosen:
        batch.state, batch.error = FAILED, ("Aucun courrier : les hébergeurs choisis ont "
                                            "activé leur compte entre-temps.")
        return
    content, issued = produce(session, current_keys(), chosen, batch.fmt,
                              current_app.config["ACTIVATION_CODE_DAYS"], by)
    batch.content, batch.produced = content, len(issued)
    batch.state, batch.ready_at = READY, utcnow()


def batches(session: Session) -> list[LetterBatch]:
    """The latest batches, after erasing the files kept too long."""
    session.execute(sa.update(LetterBatch).where(
        LetterBatch.content.is_not(None),
        LetterBatch.ready_at < utcnow() - timedelta(hours=KEEP_HOURS)).values(content=None))
    return list(session.scalars(sa.select(LetterBatch).order_by(LetterBatch.id.desc())
                                .limit(20)))


@dataclass
class TakenFile:
    content: bytes
    filename: str
    letters: int
    codes_until: date   # the codes it carries expire then (the letters say so too)


def take(session: Session, batch_id: int, by: Actor, days: int) -> TakenFile | None:
    """The file, once: it is erased as it is handed over."""
    batch = session.get(LetterBatch, batch_id, with_for_update=True)
    if batch is None or batch.content is None:
        return None
    content = batch.content
    batch.content, batch.downloaded_at = None, utcnow()
    journal.record(session, "letters.downloaded", by, target=f"lot n° {batch.id}",
                   format=batch.fmt)
    return TakenFile(content, f"courriers-{batch.id}.{batch.fmt}", batch.produced,
                     (batch.ready_at + timedelta(days=days)).date())
