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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core.dates import french_date, utcnow
from tenants.core.files import french_csv
from tenants.core.keys import Keys
from tenants.core.pdf import ACCENT, GREY, NBSP, Document, Sender, quote, support_sentence
from tenants.core.urls import tenant_url
from tenants.hosts import codes
from tenants.hosts.models import ActivationCode, Host

CSV_COLUMNS = ("reference", "civilite", "nom", "prenom", "adresse_ligne_1", "adresse_ligne_2",
               "code_activation", "url_activation", "date_expiration")
SUBJECT = "Activation de votre compte sur la plateforme de déclaration de la taxe de séjour"
CODE_FIELD = quote("Code d'activation")
CHECK_SCREEN = quote("Veuillez vérifier vos informations de compte et vos informations "
                     "d'hébergement")
# The window of a DL envelope (110 × 220 mm) once an A4 sheet is folded in three.
ADDRESS_X, ADDRESS_Y, ADDRESS_W = 110, 45, 85


@dataclass(frozen=True)
class IssuedLetter:
    host_id: int
    reference: str | None
    civility: str                    # "M." or "Mme"
    first_name: str
    last_name: str
    address_lines: tuple[str, ...]   # e.g. ("12 rue des Lilas", "07200 Aubenas")
    code: str                        # the activation code as printed, e.g. "K7QF-M2XD-9RTA"
    url: str                         # the activation page
    expires_on: date                 # the code's last valid day


def may_receive(host: Host) -> bool:
    """The same rule as `recipients`, for one host chosen by hand."""
    return host.password_hash is None and host.disabled_at is None and not host.legacy


def recipients(session: Session, reissue: bool = False) -> list[Host]:
    """Hosts to write to: not activated, not disabled, not legacy (they reset instead)."""
    query = (sa.select(Host)
             .where(Host.password_hash.is_(None), Host.disabled_at.is_(None),
                    Host.legacy.is_(False))
             .order_by(Host.postal_code, Host.last_name, Host.first_name, Host.id))
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


def letters_pdf(letters: Sequence[IssuedLetter], sender: Sender, *,
                today: date | None = None) -> bytes:
    """One A4 page per letter, in order, ready to fold into a DL window envelope."""
    if not letters:
        raise ValueError("Aucun courrier à produire.")
    pdf = Document(sender, f"Courriers d'activation — {sender.name}")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=12)
    today = today or date.today()
    for letter in letters:
        _letter_page(pdf, letter, sender, today)
    return pdf.bytes()


def _letter_page(pdf: Document, letter: IssuedLetter, sender: Sender, today: date) -> None:
    pdf.add_page()
    pdf.logo(sender, 14)
    pdf.font(15, bold=True, color=ACCENT)
    pdf.block(80, 7, sender.name)
    pdf.font(9, color=GREY)
    pdf.block(80, 4.5, f"Taxe de séjour — espace hébergeur\n{sender.home_url}")

    pdf.set_xy(ADDRESS_X, ADDRESS_Y)
    pdf.font(10.5)
    recipient = " ".join(p for p in (letter.civility, letter.first_name, letter.last_name) if p)
    pdf.block(ADDRESS_W, 5, "\n".join((recipient, *letter.address_lines)))

    pdf.set_y(max(pdf.get_y() + 6, 92))
    pdf.font(10)
    pdf.cell(0, 5, f"Le {french_date(today)}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.paragraph((f"Objet{NBSP}:",), f" {SUBJECT}", after=5)

    salutation = {"Mme": "Madame", "M.": "Monsieur"}.get(letter.civility, "Madame, Monsieur")
    pdf.paragraph(f"{salutation},", after=3)
    pdf.paragraph(
        f"{sender.name} met à votre disposition une plateforme en ligne pour déclarer vos "
        "nuitées et reverser la taxe de séjour. Votre compte hébergeur y a été créé ; il vous "
        "reste à l'activer avec le code personnel ci-dessous, en trois étapes :")
    pdf.bullets([
        ("Rendez-vous sur ", (letter.url,), f", cliquez sur {quote('Activer mon compte')} puis "
         f"saisissez votre {CODE_FIELD}."),
        (f"Vérifiez les informations affichées ({CHECK_SCREEN}) : vos coordonnées et vos "
         "hébergements."),
        (f"Choisissez l'adresse électronique qui sera votre {quote('Identifiant (Courriel)')} "
         "et un mot de passe, puis acceptez les conditions générales d'utilisation (CGU)."),
    ], marker="1.")

    pdf.boxed([("VOTRE CODE D'ACTIVATION", 8.5, False), (letter.code, 24, True),
               (f"valable jusqu'au {french_date(letter.expires_on)}", 10, False),
               (f"à saisir sur {letter.url}", 9, False)],
              x=35, w=140, spacing=1.8)

    pdf.paragraph(support_sentence(sender), after=3)
    pdf.paragraph(
        "Ce code est personnel : ne le communiquez à personne. Votre collectivité ne vous "
        "demandera jamais votre mot de passe, ni par téléphone, ni par courriel.", after=5)
    pdf.paragraph(f"Nous vous prions d'agréer, {salutation}, l'expression de nos salutations "
                  "distinguées.", after=8)
    pdf.set_x(ADDRESS_X)
    pdf.font(10, bold=True)
    pdf.block(ADDRESS_W, 5, f"Le service de la taxe de séjour\n{sender.name}")


def produce(session: Session, keys: Keys, recipients_: list[Host], fmt: str, days: int,
            by: Actor = journal.SYSTEM) -> tuple[bytes, list[IssuedLetter]]:
    """New codes for `recipients_` and their letters as CSV or PDF, in the collectivité's name;
    journaled (the caller commits once the file is safely handed over)."""
    issued = issue_letters(session, keys, recipients_, tenant_url("activation.code"), days)
    content = letters_csv(issued) if fmt == "csv" else letters_pdf(issued,
                                                                  settings.sender(session))
    journal.record(session, "letters.produced", by, target=f"{len(issued)} courrier(s)",
                   format=fmt, host_ids=[x.host_id for x in issued])
    return content, issued
