"""The invitation letters as PDF: one A4 page per host, ready to fold into a DL window envelope
without any further layout work (the letter is the one thing every host is sure to read: what to
do, where, until when, whom to call)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tenants.core.dates import french_date
from tenants.core.pdf import Document
from tenants.core.printing import ACCENT, GREY, NBSP, Sender, quote, support_sentence
from tenants.hosts.letter_content import CHECK_SCREEN, CODE_FIELD, SUBJECT, IssuedLetter

# The window of a DL envelope (110 × 220 mm) once an A4 sheet is folded in three.
ADDRESS_X, ADDRESS_Y, ADDRESS_W = 110, 45, 85


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
        with pdf.group("Sect"):
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
    pdf.block(0, 5, f"Le {french_date(today)}", align="R")
    pdf.ln(4)
    with pdf.marked("H1"):
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
