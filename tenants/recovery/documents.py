"""The procedure's letters, as PDFs to send by registered mail with acknowledgement of receipt:
the mise en demeure (the periods and hébergements concerned, 30 days to regularise) and the
avis de taxation d'office with every mention R2333-48 requires — nature, category and location
of each hébergement; the taxable nights estimated and the data they come from; for
unclassified accommodation the cost per person; the host's observations; the computation with
the tariff applied, by the one tax engine; interest; and, on pain of nullity, the right to reply
within 30 days and to be assisted by an adviser of one's choice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from tenants.collectivite import settings
from tenants.core.dates import french_date
from tenants.core.money import french
from tenants.core.pdf import Document
from tenants.core.printing import ACCENT, GREY, NBSP, support_sentence
from tenants.declarations import calendar
from tenants.declarations.receipts import lines_of
from tenants.hosts.models import Hebergement, Host
from tenants.recovery.models import RecoveryCase, RecoveryDocument
from tenants.tax.law import law

NOTICE_TITLE = "Mise en demeure — taxe de séjour"
ASSESSMENT_TITLE = "Avis de taxation d'office — taxe de séjour"
RIGHTS = ("Vous disposez d'un délai de 30 jours à compter de la réception du présent avis pour "
          "présenter vos observations. Vous pouvez vous faire assister d'un conseil de votre "
          "choix. À l'issue de ce délai, et au plus tôt 30 jours après la réception du présent "
          "avis, la collectivité vous fera connaître sa position motivée puis mettra en "
          "recouvrement les sommes dues (article R. 2333-48 du code général des collectivités "
          "territoriales).")


def _start(session: Session, host: Host, document: RecoveryDocument, title: str,
           today: date) -> Document:
    sender = settings.sender(session)
    pdf = Document(sender, f"{title} n° {document.reference} — {sender.name}",
                   footer_label=f"{document.reference} — {sender.name}")
    pdf.add_page()
    pdf.logo(sender, 14)
    pdf.font(15, bold=True, color=ACCENT)
    pdf.block(0, 7, sender.name)
    pdf.font(9, color=GREY)
    pdf.block(0, 4.5, "Lettre recommandée avec accusé de réception")
    pdf.ln(4)
    pdf.font(10, bold=True)
    pdf.block(0, 5, host.full_name)
    pdf.font(10)
    pdf.block(0, 5, f"{host.address}\n{host.postal_code} {host.city}")
    pdf.ln(4)
    pdf.font(10)
    pdf.block(0, 5, f"Le {french_date(today)}")
    pdf.ln(2)
    pdf.font(14, bold=True, color=ACCENT)
    pdf.block(0, 7, title, role="H1")
    pdf.font(10, bold=True)
    pdf.block(0, 5.5, f"Référence{NBSP}: {document.reference}")
    pdf.ln(2)
    return pdf


def _hebergement(hebergement: Hebergement) -> str:
    category = law().classify(hebergement.nature, hebergement.classement)[1]
    return (f"« {hebergement.name} », {hebergement.address}, {hebergement.postal_code} "
            f"{hebergement.city} — {hebergement.nature_label}, {hebergement.classement_label} "
            f"(catégorie {category})")


def notice(session: Session, host: Host, cases: list[RecoveryCase],
           document: RecoveryDocument, today: date) -> bytes:
    pdf = _start(session, host, document, NOTICE_TITLE, today)
    limit = today + timedelta(days=30)
    pdf.paragraph(f"{host.salutation},")
    pdf.paragraph("Malgré notre rappel, nous n'avons pas reçu de votre part, pour les périodes "
                  "et hébergements ci-dessous, ce que l'article L. 2333-34 du code général des "
                  "collectivités territoriales vous impose de faire :")
    items = []
    for case in cases:
        hebergement = session.get(Hebergement, case.hebergement_id)
        what = ("la déclaration des nuitées" if case.kind == "non_declaree"
                else "le reversement de la taxe déclarée")
        items.append(f"{calendar.from_key(case.period).label} (échéance du "
                     f"{french_date(case.deadline)}) : {what} — {_hebergement(hebergement)}")
    pdf.bullets(items)
    pdf.paragraph("Par la présente, nous vous mettons en demeure de régulariser votre situation ",
                  (f"dans un délai de 30 jours, soit au plus tard le {french_date(limit)}",),
                  ", en déclarant et en reversant la taxe de séjour depuis votre espace "
                  "hébergeur.")
    pdf.paragraph("À défaut, la collectivité procédera à votre taxation d'office en application "
                  "de l'article L. 2333-38 du code général des collectivités territoriales : le "
                  "montant de la taxe sera estimé d'après les éléments dont elle dispose et "
                  "majoré d'un intérêt de retard de 0,20 % par mois de retard.")
    pdf.paragraph(support_sentence(settings.sender(session)), size=9.5, color=GREY)
    return pdf.bytes()


def assessment(session: Session, host: Host, estimates: list, document: RecoveryDocument,
               today: date) -> bytes:
    pdf = _start(session, host, document, ASSESSMENT_TITLE, today)
    pdf.paragraph(f"{host.salutation},")
    notices = sorted({c.notice_on for c, _h, _e in estimates})
    pdf.paragraph("Faute de régularisation dans les 30 jours suivant notre mise en demeure du "
                  f"{', du '.join(french_date(d) for d in notices)}, la collectivité procède à "
                  "votre taxation d'office (articles L. 2333-38 et R. 2333-48 du code général "
                  "des collectivités territoriales), pour les motifs et sur les bases "
                  "suivants.")
    total = interest_total = 0
    for case, hebergement, found in estimates:
        pdf.heading(f"{calendar.from_key(case.period).label} — {hebergement.name}")
        pdf.paragraph(("Hébergement :",), f" {_hebergement(hebergement)}.")
        pdf.paragraph(("Motif :",), " période non déclarée." if case.kind == "non_declaree"
                      else " taxe déclarée non reversée.")
        pdf.paragraph(("Nuitées taxables retenues :",), f" {found.nights}.")
        pdf.paragraph(("Éléments de l'estimation :",), f" {found.basis}")
        if found.price is not None and law().classify(hebergement.nature,
                                                      hebergement.classement)[1] == 9:
            pdf.paragraph(("Coût de la nuitée par personne retenu :",),
                          f" {french(found.price)} hors taxes.")
        pdf.paragraph(("Observations de l'hébergeur :",),
                      f" {case.observations}" if case.observations
                      else " aucune observation reçue.")
        if found.summary is not None:
            for line in lines_of(found.summary):
                tariff = "" if line.tariff is None else f" au tarif de {french(line.tariff)}"
                pdf.paragraph(f"Calcul : {line.nights} nuitées{tariff} = {french(line.amount)}",
                              size=9.5)
        pdf.paragraph(("Taxe due :",), f" {french(case.tax)} ; ", ("intérêt de retard",),
                      f" (0,20 % par mois depuis le {french_date(case.deadline)}) : "
                      f"{french(case.interest)} ; ", ("total :",),
                      f" {french(case.tax + case.interest)}.")
        total += case.tax
        interest_total += case.interest
    pdf.heading("Montant total de la taxation d'office")
    pdf.paragraph(f"Taxe : {french(total)} ; intérêts : {french(interest_total)} ; ",
                  (f"total : {french(total + interest_total)}.",))
    pdf.heading("Vos droits")
    pdf.paragraph((RIGHTS,))
    pdf.paragraph("Si vous déclarez et reversez la taxe d'ici là depuis votre espace hébergeur, "
                  "la procédure s'arrête.")
    pdf.paragraph(support_sentence(settings.sender(session)), size=9.5, color=GREY)
    return pdf.bytes()
