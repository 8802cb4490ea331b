"""The hosts' guide, "LE GUIDE DE LA TÉLÉDÉCLARATION": what the letter says, at length, in the
collectivité's name, for it to print or publish (a document it uploads may replace it)."""

from __future__ import annotations

from tenants.core.pdf import Document
from tenants.core.printing import ACCENT, GREY, Sender, quote, support_sentence
from tenants.hosts.letter_content import CHECK_SCREEN, CODE_FIELD, SUBJECT

GUIDE_TITLE = "LE GUIDE DE LA TÉLÉDÉCLARATION"
HELP_MENU = quote("Besoin d'aide")

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
    pdf = Document(sender, f"Le guide de la télédéclaration — {sender.name}",
                    footer_label=f"Guide de la télédéclaration — {sender.name}")
    _cover(pdf, sender)
    pdf.add_page()
    for title, write in zip(SECTIONS, (_activate, _log_in, _terms, _dashboard, _declare,
                                       _security, _help), strict=True):
        pdf.heading(title)
        write(pdf, sender)
    return pdf.bytes()


def _cover(pdf: Document, sender: Sender) -> None:
    pdf.add_page()
    with pdf.artifact():
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, pdf.w, 95, style="F")
    pdf.set_y(38)
    pdf.font(26, bold=True, color=(255, 255, 255))
    pdf.block(0, 12, GUIDE_TITLE, align="C", role="H1")
    pdf.font(13, color=(255, 255, 255))
    pdf.block(0, 7, "Taxe de séjour : déclarer et reverser en ligne", align="C")
    pdf.set_y(104 if sender.logo_png else 110)
    pdf.logo(sender, 18, x=pdf.w / 2 - 27)
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
    pdf.block(0, 7, "Sommaire", role="H2")
    pdf.bullets(SECTIONS, marker="›", size=11)


def _activate(pdf: Document, sender: Sender) -> None:
    pdf.paragraph(
        "Votre compte hébergeur a été créé par votre collectivité. Pour l'activer, vous avez "
        "reçu par la poste un courrier intitulé ", (f"{quote(SUBJECT)}.",),
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
         f"{quote('Activer mon compte')} et saisissez votre {CODE_FIELD}."),
        (("Vérifier vos informations. ",), f"L'écran {CHECK_SCREEN} présente vos "
         "coordonnées et la liste de vos hébergements. Si une information est inexacte, vous "
         "pourrez la corriger depuis votre tableau de bord ou la signaler à votre collectivité."),
        (("Choisir vos identifiants. ",), "Indiquez l'adresse électronique qui vous servira ",
         f"d'{quote('Identifiant (Courriel)')}, choisissez un mot de passe, puis acceptez les "
         "conditions générales d'utilisation (CGU) et la politique de confidentialité."),
    ], marker="1.")


def _log_in(pdf: Document, sender: Sender) -> None:
    pdf.paragraph(f"Sur {sender.home_url}, saisissez votre {quote('Identifiant (Courriel)')} "
                  f"et votre {quote('Mot de passe')}, puis validez.")
    pdf.bullets([
        ((quote("Se souvenir de moi"),), " : cochez cette case pour rester connecté sur votre "
         "ordinateur personnel. Ne la cochez jamais sur un ordinateur partagé ou public."),
        ((quote("Mot de passe oublié ?"),), " : indiquez votre identifiant ; vous recevrez "
         "par courriel un lien pour choisir un nouveau mot de passe."),
    ])
    pdf.paragraph(("Comptes créés avant le 1er janvier 2019 : ",),
                  "si votre compte existait déjà avant cette date, vous devez réinitialiser votre "
                  f"mot de passe avec le lien {quote('Mot de passe oublié ?')} avant votre "
                  "première connexion.")


def _terms(pdf: Document, sender: Sender) -> None:
    pdf.paragraph(
        "Lors de votre première connexion, la plateforme vous présente les conditions "
        "générales d'utilisation (CGU) et la politique de confidentialité. Lisez-les, puis "
        "acceptez-les pour accéder à votre tableau de bord.")
    pdf.paragraph(
        "Les CGU fixent les règles d'utilisation de la plateforme ; la politique de "
        "confidentialité explique quelles données personnelles sont traitées, pourquoi, et "
        "comment exercer vos droits. Lorsqu'une nouvelle version est publiée, elle vous est "
        "présentée à la connexion suivante et doit être acceptée à nouveau.")


def _dashboard(pdf: Document, sender: Sender) -> None:
    pdf.paragraph("Une fois connecté, votre tableau de bord rassemble tout ce qui concerne "
                  "votre activité d'hébergeur :")
    pdf.bullets([
        (("Vos informations personnelles : ",), "modifiez vos coordonnées (adresse, "
         "téléphone, courriel) et votre mot de passe."),
        (("Vos hébergements et leurs classements : ",), "vérifiez et modifiez la liste de vos "
         "hébergements, leur capacité et leur classement ; signalez tout changement (nouveau "
         "classement, nouvel hébergement, fin d'activité)."),
        ((quote("Mes documents"),), " : retrouvez les documents liés à votre compte et ceux "
         "que votre collectivité met à votre disposition."),
        ((quote("ACTUALITÉS"),), " : les informations publiées par votre collectivité "
         "(calendrier des déclarations, rappels, évolutions de la taxe)."),
        ((HELP_MENU,), " : la ", (quote("VISITE GUIDÉE"),),
         " présente les écrans de la plateforme pas à pas ; les ", (quote("TUTORIELS"),),
         " expliquent les démarches courantes."),
    ])


def _declare(pdf: Document, sender: Sender) -> None:
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


def _security(pdf: Document, sender: Sender) -> None:
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
        f"{quote('Se souvenir de moi')} et déconnectez-vous après usage.",
        "En cas de doute, changez votre mot de passe et prévenez votre collectivité.",
    ])


def _help(pdf: Document, sender: Sender) -> None:
    pdf.paragraph(f"Dans votre tableau de bord, la rubrique {HELP_MENU} propose "
                  f"la {quote('VISITE GUIDÉE')} de la plateforme et des "
                  f"{quote('TUTORIELS')}.")
    pdf.paragraph(support_sentence(sender), after=5)
    contact = [(sender.name, 13, True)]
    if sender.support_phone:
        contact.append((f"Service technique : {sender.support_phone}", 11, False))
    contact.append((f"Espace hébergeur : {sender.home_url}", 11, False))
    pdf.boxed(contact, x=pdf.l_margin, w=pdf.w - pdf.l_margin - pdf.r_margin, padding=5)
