"""The printed side of activation: the letters that carry hosts' codes, and the hosts' guide.

Hosts activate their account with a code that reaches them by post, so the letter is the one
thing every host is sure to read: it must stand alone (what to do, where, until when, whom to
call) and be ready for a DL window envelope without any further layout work. The guide says the
same things at length, for the collectivité to print or publish.

Pure functions (no Flask, no database), so that a command, a view or a test can call them.
Text is set in DejaVu Sans, which covers every French character ("œ", "É", « », ...).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
SUBJECT = "Activation de votre compte sur la plateforme de déclaration de la taxe de séjour"
GUIDE_TITLE = "LE GUIDE DE LA TÉLÉDÉCLARATION"
NBSP = "\u00a0"
BLACK, GREY, ACCENT = (0, 0, 0), (90, 90, 90), (25, 65, 120)
# The window of a DL envelope (110 × 220 mm) once an A4 sheet is folded in three.
ADDRESS_X, ADDRESS_Y, ADDRESS_W = 110, 45, 85


@dataclass(frozen=True)
class Letter:
    civility: str                    # "M." or "Mme"
    first_name: str
    last_name: str
    address_lines: tuple[str, ...]   # e.g. ("12 rue des Lilas", "07200 Aubenas")
    code: str                        # the activation code as printed, e.g. "K7QF-M2XD-9RTA"
    url: str                         # the activation page
    expires_on: date                 # the code's last valid day


@dataclass(frozen=True)
class Sender:
    name: str                        # the collectivité's name
    support_phone: str               # formatted ("04 75 12 34 56"), or "" when not set
    home_url: str                    # the collectivité's home page on the platform
    logo_png: bytes | None = None    # the collectivité's logo (already re-encoded as PNG)


def french_date(day: date) -> str:
    """'1er janvier 2019', '24 février 2027': no locale, whatever the server's settings."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def support_sentence(sender: Sender) -> str:
    if sender.support_phone:
        return ("Si vous n'arrivez pas à vous connecter, appelez le service technique de votre "
                f"collectivité au {sender.support_phone.replace(' ', NBSP)}.")
    return ("Si vous n'arrivez pas à vous connecter, contactez les services de votre "
            "collectivité ou votre mairie.")


def _quote(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


def _french_spacing(text: str) -> str:
    """No line break before « ; : ? ! » (French typography puts a space before them)."""
    for mark in ";:?!":
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text


CODE_FIELD = _quote("Code d'activation")
HELP_MENU = _quote("Besoin d'aide")
CHECK_SCREEN = _quote("Veuillez vérifier vos informations de compte et vos informations "
                      "d'hébergement")


class _Document(FPDF):
    """A4 in millimetres, DejaVu Sans, and the few layout helpers both documents share."""

    leading = 5.2  # mm per line of 10 pt text

    def __init__(self, sender: Sender, title: str, footer_label: str | None = None):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_label = footer_label
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_author(sender.name)
        self.set_subject(f"Taxe de séjour — {sender.name}")
        self.set_creator("taxesejour")
        self.set_lang("fr-FR")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=20)

    def font(self, size: float = 10, bold: bool = False, color=BLACK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def block(self, w: float, h: float, text: str, align: str = "L") -> None:
        """Lines of text (wrapped, ragged right unless `align`), then back to the left margin."""
        self.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, *parts: str | tuple[str], size: float = 10, after: float = 2.5,
                  indent: float = 0, color=BLACK) -> None:
        """Flowing text; a part given as a 1-tuple, `("Étape 1.",)`, is set in bold."""
        left = self.l_margin
        self.set_left_margin(left + indent)
        self.set_x(left + indent)
        for part in parts:
            bold = isinstance(part, tuple)
            self.font(size, bold, color)
            self.write(self.leading * size / 10, _french_spacing(part[0] if bold else part))
        self.ln(self.leading * size / 10 + after)
        self.set_left_margin(left)

    def bullets(self, items: Iterable[str | Sequence[str | tuple[str]]], marker: str = "•",
                size: float = 10) -> None:
        for number, item in enumerate(items, start=1):
            parts = (item,) if isinstance(item, str) else tuple(item)
            self.font(size)
            self.set_x(self.l_margin + 3)
            label = f"{number}." if marker == "1." else marker
            self.cell(6, self.leading * size / 10, label)
            self.paragraph(*parts, size=size, after=1.5, indent=9)
        self.ln(1.5)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 60:  # never leave a heading alone at the foot of a page
            self.add_page()
        self.ln(4)
        self.start_section(text)
        self.font(14, bold=True, color=ACCENT)
        self.block(0, 7, text)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)

    def boxed(self, lines: Sequence[tuple[str, float, bool]], x: float, w: float,
              padding: float = 4, spacing: float = 0) -> None:
        """Centred lines `(text, size, bold)` in a shaded, framed box at the current y."""
        top = self.get_y()
        heights = [size * 0.55 for _, size, _ in lines]
        self.set_fill_color(242, 245, 250)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.rect(x, top, w, sum(heights) + 2 * padding, style="DF")
        self.set_y(top + padding)
        for (text, size, bold), height in zip(lines, heights, strict=True):
            self.font(size, bold, ACCENT if bold else BLACK)
            self.set_char_spacing(spacing if size >= 18 else 0)
            self.set_x(x)
            self.cell(w, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_char_spacing(0)
        self.set_y(top + sum(heights) + 2 * padding + 4)

    def footer(self) -> None:
        if self.footer_label is None:
            return
        self.set_y(-14)
        self.font(8, color=GREY)
        self.cell(0, 5, self.footer_label)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} / {{nb}}", align="R")

    def bytes(self) -> bytes:
        return bytes(self.output())


# --- Letters --------------------------------------------------------------------------------


def letters_pdf(letters: Sequence[Letter], sender: Sender, *, today: date | None = None) -> bytes:
    """One A4 page per letter, in order, ready to fold into a DL window envelope."""
    if not letters:
        raise ValueError("Aucun courrier à produire.")
    pdf = _Document(sender, f"Courriers d'activation — {sender.name}")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=12)
    today = today or date.today()
    for letter in letters:
        _letter_page(pdf, letter, sender, today)
    return pdf.bytes()


def _logo(pdf: _Document, sender: Sender, height: float, x: float | None = None) -> None:
    """The collectivité's logo at the current position, then the cursor below it."""
    if not sender.logo_png:
        return
    top = pdf.get_y()
    pdf.image(io.BytesIO(sender.logo_png), x=pdf.l_margin if x is None else x, y=top, h=height)
    pdf.set_y(top + height + 3)


def _letter_page(pdf: _Document, letter: Letter, sender: Sender, today: date) -> None:
    pdf.add_page()
    _logo(pdf, sender, 14)
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
        ("Rendez-vous sur ", (letter.url,), f", cliquez sur {_quote('Activer mon compte')} puis "
         f"saisissez votre {CODE_FIELD}."),
        (f"Vérifiez les informations affichées ({CHECK_SCREEN}) : vos coordonnées et vos "
         "hébergements."),
        (f"Choisissez l'adresse électronique qui sera votre {_quote('Identifiant (Courriel)')} "
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


# --- Guide ----------------------------------------------------------------------------------


SECTIONS = (
    "1. Activer votre compte",
    "2. Se connecter",
    "3. Valider les CGU et la politique de confidentialité",
    "4. Votre tableau de bord",
    "5. Déclarer vos nuitées et reverser la taxe",
    "6. Sécurité de votre compte",
    "7. Besoin d'aide ?",
)


def guide_pdf(sender: Sender) -> bytes:
    """The hosts' guide to the platform, in the collectivité's name."""
    pdf = _Document(sender, f"Le guide de la télédéclaration — {sender.name}",
                    footer_label=f"Guide de la télédéclaration — {sender.name}")
    _cover(pdf, sender)
    pdf.add_page()
    for title, write in zip(SECTIONS, (_activate, _log_in, _terms, _dashboard, _declare,
                                       _security, _help), strict=True):
        pdf.heading(title)
        write(pdf, sender)
    return pdf.bytes()


def _cover(pdf: _Document, sender: Sender) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 95, style="F")
    pdf.set_y(38)
    pdf.font(26, bold=True, color=(255, 255, 255))
    pdf.block(0, 12, GUIDE_TITLE, align="C")
    pdf.font(13, color=(255, 255, 255))
    pdf.block(0, 7, "Taxe de séjour : déclarer et reverser en ligne", align="C")
    pdf.set_y(104 if sender.logo_png else 110)
    _logo(pdf, sender, 18, x=pdf.w / 2 - 27)
    pdf.font(20, bold=True, color=ACCENT)
    pdf.block(0, 10, sender.name, align="C")
    pdf.font(11, color=GREY)
    pdf.block(0, 6, f"Espace hébergeur : {sender.home_url}", align="C")
    pdf.ln(14)
    pdf.paragraph(
        "Ce guide accompagne les hébergeurs (hôtels, meublés de tourisme, chambres d'hôtes, "
        "campings...) qui collectent la taxe de séjour pour leur collectivité. Il explique "
        "comment activer votre compte, vous connecter, déclarer chaque mois vos nuitées et "
        "reverser la taxe, et où trouver de l'aide.", size=11, after=8)
    pdf.font(12, bold=True, color=ACCENT)
    pdf.cell(0, 7, "Sommaire", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.bullets(SECTIONS, marker="›", size=11)


def _activate(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph(
        "Votre compte hébergeur a été créé par votre collectivité. Pour l'activer, vous avez "
        "reçu par la poste un courrier intitulé ", (f"{_quote(SUBJECT)}.",),
        " Il contient votre code d'activation personnel, imprimé en gros caractères dans un "
        "encadré, et sa date de fin de validité.")
    pdf.paragraph(
        "Recopiez le code tel qu'il est imprimé. Il n'est valable que jusqu'à la date indiquée "
        "sous le code : passé cette date, ou si vous avez perdu le courrier, demandez un "
        "nouveau code à votre collectivité. Une fois votre compte activé, le code ne vous sera "
        "plus demandé.")
    pdf.paragraph("L'activation se fait en trois étapes :")
    pdf.bullets([
        (("Saisir le code. ",), f"Rendez-vous sur {sender.home_url}, cliquez sur "
         f"{_quote('Activer mon compte')} et saisissez votre {CODE_FIELD}."),
        (("Vérifier vos informations. ",), f"L'écran {CHECK_SCREEN} présente vos "
         "coordonnées et la liste de vos hébergements. Si une information est inexacte, vous "
         "pourrez la corriger depuis votre tableau de bord ou la signaler à votre collectivité."),
        (("Choisir vos identifiants. ",), "Indiquez l'adresse électronique qui vous servira ",
         f"d'{_quote('Identifiant (Courriel)')}, choisissez un mot de passe, puis acceptez les "
         "conditions générales d'utilisation (CGU) et la politique de confidentialité."),
    ], marker="1.")


def _log_in(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph(f"Sur {sender.home_url}, saisissez votre {_quote('Identifiant (Courriel)')} "
                  f"et votre {_quote('Mot de passe')}, puis validez.")
    pdf.bullets([
        ((_quote("Se souvenir de moi"),), " : cochez cette case pour rester connecté sur votre "
         "ordinateur personnel. Ne la cochez jamais sur un ordinateur partagé ou public."),
        ((_quote("Mot de passe oublié ?"),), " : indiquez votre identifiant ; vous recevrez "
         "par courriel un lien pour choisir un nouveau mot de passe."),
    ])
    pdf.paragraph(("Comptes créés avant le 1er janvier 2019 : ",),
                  "si votre compte existait déjà avant cette date, vous devez réinitialiser votre "
                  f"mot de passe avec le lien {_quote('Mot de passe oublié ?')} avant votre "
                  "première connexion.")


def _terms(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph(
        "Lors de votre première connexion, la plateforme vous présente les conditions "
        "générales d'utilisation (CGU) et la politique de confidentialité. Lisez-les, puis "
        "acceptez-les pour accéder à votre tableau de bord.")
    pdf.paragraph(
        "Les CGU fixent les règles d'utilisation de la plateforme ; la politique de "
        "confidentialité explique quelles données personnelles sont traitées, pourquoi, et "
        "comment exercer vos droits. Lorsqu'une nouvelle version est publiée, elle vous est "
        "présentée à la connexion suivante et doit être acceptée à nouveau.")


def _dashboard(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph("Une fois connecté, votre tableau de bord rassemble tout ce qui concerne "
                  "votre activité d'hébergeur :")
    pdf.bullets([
        (("Vos informations personnelles : ",), "modifiez vos coordonnées (adresse, "
         "téléphone, courriel) et votre mot de passe."),
        (("Vos hébergements et leurs classements : ",), "vérifiez et modifiez la liste de vos "
         "hébergements, leur capacité et leur classement ; signalez tout changement (nouveau "
         "classement, nouvel hébergement, fin d'activité)."),
        ((_quote("Mes documents"),), " : retrouvez les documents liés à votre compte et ceux "
         "que votre collectivité met à votre disposition."),
        ((_quote("ACTUALITÉS"),), " : les informations publiées par votre collectivité "
         "(calendrier des déclarations, rappels, évolutions de la taxe)."),
        ((HELP_MENU,), " : la ", (_quote("VISITE GUIDÉE"),),
         " présente les écrans de la plateforme pas à pas ; les ", (_quote("TUTORIELS"),),
         " expliquent les démarches courantes."),
    ])


def _declare(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph(
        "Chaque mois, déclarez pour chacun de vos hébergements les nuitées du mois précédent. "
        "Une nuitée correspond à une personne hébergée pendant une nuit : deux personnes qui "
        "séjournent trois nuits représentent six nuitées.")
    pdf.bullets([
        (("Nuitées assujetties : ",), "celles des personnes qui doivent la taxe de séjour."),
        (("Nuitées exonérées : ",), "celles des personnes exonérées ; elles sont déclarées à "
         "part et n'entrent pas dans le montant de la taxe."),
    ])
    pdf.paragraph("Sont exonérées de la taxe de séjour (article L. 2333-31 du code général des "
                  "collectivités territoriales) :")
    pdf.bullets([
        "les personnes mineures ;",
        "les titulaires d'un contrat de travail saisonnier employés sur le territoire de la "
        "collectivité ;",
        "les personnes bénéficiant d'un hébergement d'urgence ou d'un relogement temporaire ;",
        "les personnes qui occupent des locaux dont le loyer est inférieur au montant fixé "
        "par la collectivité.",
    ])
    pdf.paragraph(
        "Le montant à reverser dépend des nuitées assujetties et du tarif voté par votre "
        "collectivité pour la catégorie de votre hébergement (pour la plupart des hébergements "
        "non classés, un pourcentage du prix de la nuitée, dans la limite d'un plafond). Les "
        "tarifs en vigueur sont publiés par votre collectivité.")
    pdf.paragraph(
        "Vous collectez la taxe auprès de vos clients, en la faisant apparaître sur leur "
        "facture distinctement de vos propres prestations, puis vous la reversez à votre "
        "collectivité aux échéances qu'elle a fixées. Si une plateforme de réservation en "
        "ligne a collecté la taxe à votre place, demandez à votre collectivité comment "
        "déclarer ces nuitées.")


def _security(pdf: _Document, sender: Sender) -> None:
    pdf.bullets([
        (("Ne communiquez jamais votre mot de passe",), " : ni à un proche, ni à un "
         "prestataire, ni à quiconque vous le demanderait."),
        (("Votre collectivité ne vous demande jamais votre mot de passe, ",), "ni par "
         "téléphone, ni par courriel, ni par courrier. Un message qui vous le demande est une "
         "tentative de fraude : ne répondez pas et prévenez votre collectivité."),
        "Choisissez un mot de passe long, difficile à deviner, que vous n'utilisez sur aucun "
        "autre site.",
        f"Avant de saisir vos identifiants, vérifiez l'adresse du site : {sender.home_url}",
        "Sur un ordinateur partagé, ne cochez pas "
        f"{_quote('Se souvenir de moi')} et déconnectez-vous après usage.",
        "En cas de doute, changez votre mot de passe et prévenez votre collectivité.",
    ])


def _help(pdf: _Document, sender: Sender) -> None:
    pdf.paragraph(f"Dans votre tableau de bord, la rubrique {HELP_MENU} propose "
                  f"la {_quote('VISITE GUIDÉE')} de la plateforme et des "
                  f"{_quote('TUTORIELS')}.")
    pdf.paragraph(support_sentence(sender), after=5)
    contact = [(sender.name, 13, True)]
    if sender.support_phone:
        contact.append((f"Service technique : {sender.support_phone}", 11, False))
    contact.append((f"Espace hébergeur : {sender.home_url}", 11, False))
    pdf.boxed(contact, x=pdf.l_margin, w=pdf.w - pdf.l_margin - pdf.r_margin, padding=5)
