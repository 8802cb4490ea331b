"""The "état récapitulatif" of a validated declaration, as a PDF: the host's receipt, kept in
"Mes documents" and emailed, and the page an agent or a host points at when they disagree about
what was declared. It must therefore say everything on its own (who, where, when, how many, how
much, until when), and come out byte for byte the same each time it is rebuilt from the same
declaration, so that a stored copy can be checked against the data.

Pure (no Flask, no database), in the house style of `tenants.hosts.letter_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from tenants.core.dates import PARIS, french_date
from tenants.core.money import french
from tenants.core.pdf import Document
from tenants.core.printing import ACCENT, GREY, NBSP, Sender, french_spacing, support_sentence

TITLE = "État récapitulatif de la déclaration de taxe de séjour"
REGIMES = {"reel": "au réel", "forfait": "au forfait"}
RULE = (170, 170, 170)
COLUMNS = (92, 22, 26, 30)  # label, nuitées, tarif, montant: the 170 mm between the margins


@dataclass(frozen=True)
class RecapLine:
    label: str                 # "Séjours au réel, 3 étoiles", "Du 01/07 au 31/07, tarif 1,65 €"
    nights: int                # taxable person-nights (forfait: unit-nights)
    tariff: Decimal | None     # € per person (unit) per night, additional taxes included
    amount: Decimal


@dataclass(frozen=True)
class Recap:
    sender: Sender             # the collectivité (name, support phone, home url, logo PNG)
    reference: str             # e.g. "D-2026-07-000123"
    version: int               # 1, or more for a rectification
    host_name: str
    host_address: tuple[str, ...]
    hebergement: str           # name
    hebergement_address: str
    nature: str                # e.g. "Meublé de tourisme"
    classement: str            # e.g. "3 étoiles"
    commune: str               # e.g. "AUBENAS (07019)"
    period_label: str          # e.g. "juillet 2026", "3e trimestre 2026"
    period_start: date
    period_end: date
    deadline: date             # when payment is due
    regime: str                # "reel" or "forfait"
    lines: tuple[RecapLine, ...]
    taxable_nights: int
    exempt_nights: tuple[tuple[str, int], ...]   # (reason label, person-nights)
    platform_nights: int       # person-nights of stays whose tax a platform collected
    zero_reason: str | None    # "fermé", "aucune location", ... or None
    amount: Decimal            # due
    previous_amount: Decimal | None   # for a rectification: what the superseded version said
    rounding: str              # the rounding policy sentence, printed as is
    how_to_pay: str            # a sentence or two, printed as is
    validated_at: datetime     # UTC
    validated_by: str          # who validated (the host's name, an agent's, or "import")


def recap_pdf(recap: Recap) -> bytes:
    """The recap, one A4 page unless there are many lines; the same bytes for the same recap."""
    sender = recap.sender
    pdf = Document(sender, f"{TITLE} n° {recap.reference} — {sender.name}",
                   footer_label=f"Déclaration n° {recap.reference}, version {recap.version}"
                                f" — {sender.name}")
    # fpdf stamps the current time otherwise: the validation time makes rebuilds identical.
    pdf.set_creation_date(_utc(recap.validated_at))
    pdf.add_page()
    _header(pdf, recap)
    _parties(pdf, recap)
    _section(pdf, "Nuitées déclarées")
    if recap.lines:
        _table(pdf, recap)
    _totals(pdf, recap)
    _amount(pdf, recap)
    _section(pdf, "Modalités")
    pdf.paragraph(recap.rounding, size=9.5)
    pdf.paragraph(recap.how_to_pay, size=9.5)
    pdf.paragraph(support_sentence(sender), size=9.5, color=GREY)
    return pdf.bytes()


def _header(pdf: Document, recap: Recap) -> None:
    sender = recap.sender
    pdf.logo(sender, 14)
    pdf.font(15, bold=True, color=ACCENT)
    pdf.block(0, 7, sender.name)
    pdf.font(9, color=GREY)
    pdf.block(0, 4.5, f"Taxe de séjour — espace hébergeur\n{sender.home_url}")
    pdf.ln(5)
    pdf.font(14, bold=True, color=ACCENT)
    pdf.block(0, 7, TITLE, align="C", role="H1")
    pdf.ln(1)
    reference = f"Déclaration n°{NBSP}{recap.reference}, version {recap.version}"
    if recap.version > 1:
        reference += f" — rectifie la version {recap.version - 1}"
    pdf.font(10.5, bold=True)
    pdf.block(0, 5.5, reference, align="C")
    pdf.font(9.5, color=GREY)
    pdf.block(0, 5, _validated(recap), align="C")


def _validated(recap: Recap) -> str:
    """The day and time as the host lived them (Paris), whatever the server's zone."""
    paris = _utc(recap.validated_at).astimezone(PARIS)
    when = f"le {french_date(paris.date())} à {paris.hour}{NBSP}h{NBSP}{paris.minute:02d}"
    if recap.validated_by == "import":
        return f"Validée {when} (import)"
    return f"Validée {when} par {recap.validated_by}"


def _parties(pdf: Document, recap: Recap) -> None:
    """Host and hébergement side by side: both identify the declaration, neither dominates."""
    _section(pdf, "Hébergeur et hébergement")
    top = pdf.get_y()
    pdf.font(10, bold=True)
    pdf.block(82, 5, recap.host_name)
    pdf.font(10)
    pdf.block(82, 5, "\n".join(recap.host_address))
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + 88, top)
    pdf.font(10, bold=True)
    with pdf.marked("P"):
        pdf.multi_cell(82, 5, recap.hebergement, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.font(10)
    details = (recap.hebergement_address, f"{recap.nature} — {recap.classement}",
               f"Commune{NBSP}: {recap.commune}")
    with pdf.marked("P"):
        pdf.multi_cell(82, 5, "\n".join(details), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()))
    pdf.ln(2)
    pdf.paragraph(("Période :",), f" {recap.period_label}, du {french_date(recap.period_start)}"
                  f" au {french_date(recap.period_end)}", after=1)
    pdf.paragraph(("Régime :",), f" taxation {REGIMES.get(recap.regime, recap.regime)}", after=1)
    if recap.zero_reason is not None:
        pdf.paragraph(("Déclaration à 0 nuitée :",), f" {recap.zero_reason}", after=1)


def _table(pdf: Document, recap: Recap) -> None:
    """The headings repeat on each page, so that a long table still reads on its own."""
    nights = "Unités × nuits" if recap.regime == "forfait" else "Nuitées"
    pdf.font(9)
    pdf.set_draw_color(*RULE)
    bold = FontFace(emphasis="BOLD", color=ACCENT)
    with pdf.table(col_widths=COLUMNS, width=sum(COLUMNS), line_height=4.2,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), headings_style=bold,
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES, padding=(0.5, 1.5),
                   repeat_headings=1) as table:
        table.row(("Détail", nights, "Tarif", "Montant"))
        for line in recap.lines:
            table.row((line.label, _count(line.nights),
                       "—" if line.tariff is None else french(line.tariff), french(line.amount)))
        total = table.row()
        for text in ("Total", _count(sum(line.nights for line in recap.lines)), "",
                     french(sum((line.amount for line in recap.lines), Decimal(0)))):
            total.cell(text, style=FontFace(emphasis="BOLD"))
    pdf.ln(3)


def _totals(pdf: Document, recap: Recap) -> None:
    exempt = sum(count for _, count in recap.exempt_nights)
    reasons = " ; ".join(f"{reason} : {_count(count)}" for reason, count in recap.exempt_nights)
    items = [f"Nuitées taxables : {_count(recap.taxable_nights)}",
             f"Nuitées exonérées : {_count(exempt)}" + (f", dont {reasons}" if reasons else "")]
    items.append(f"Nuitées via une plateforme (taxe collectée par la plateforme, non due par "
                 f"l'hébergeur) : {_count(recap.platform_nights)}")
    pdf.font(10)
    for item in items:
        pdf.block(0, 5, french_spacing(item))
    pdf.ln(4)


def _amount(pdf: Document, recap: Recap) -> None:
    if pdf.get_y() > pdf.h - 70:  # the box and what follows it stay together
        pdf.add_page()
    pdf.boxed([("MONTANT DÛ", 8.5, False), (french(recap.amount), 20, True),
               (f"Montant à reverser avant le {french_date(recap.deadline)}", 10, False)],
              x=35, w=140)
    if recap.previous_amount is None:
        return
    difference = recap.amount - recap.previous_amount
    if difference > 0:
        outcome = f"complément à verser : {french(difference)}"
    elif difference < 0:
        outcome = f"trop-perçu (crédit) : {french(-difference)}"
    else:
        outcome = "montant inchangé"
    pdf.paragraph(f"Montant de la version précédente : {french(recap.previous_amount)} ; ",
                  (outcome,), ".", after=3)


def _section(pdf: Document, text: str) -> None:
    """A lighter heading than `Document.heading`, so that the recap keeps to one page."""
    if pdf.get_y() > pdf.h - 55:  # never alone, nor with one line, at the foot of a page
        pdf.add_page()
    pdf.ln(3)
    pdf.font(11, bold=True, color=ACCENT)
    pdf.block(0, 6, text, role="H2")
    pdf.rule(0.3, pdf.get_y())
    pdf.ln(2)


def _utc(moment: datetime) -> datetime:
    """Aware UTC, from the database's naive UTC or an aware time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _count(nights: int) -> str:
    return f"{nights:,}".replace(",", "\u202f")
