"""The quittance of a payment, as a PDF: the host's proof that they paid, kept in "Mes
documents" and emailed. It says on its own who paid whom, how much, how, when, with which
references, and what it paid (each period of each hébergement); rebuilt from the same payment,
it comes out byte for byte the same.

Pure (no Flask, no database), like `tenants.declarations.recap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from tenants.core.dates import PARIS, french_date
from tenants.core.money import french
from tenants.core.pdf import Document
from tenants.core.printing import ACCENT, GREY, NBSP, Sender, support_sentence

TITLE = "Quittance de paiement de la taxe de séjour"
RULE = (170, 170, 170)
COLUMNS = (78, 30, 32, 30)   # hébergement, période, déclaration, montant: 170 mm


@dataclass(frozen=True)
class QuittanceLine:
    hebergement: str        # name, and reference when it has one
    period: str             # "juillet 2026"
    declaration: str        # the declaration's reference
    amount: Decimal         # negative: moved to another period (a credit applied)


@dataclass(frozen=True)
class Quittance:
    sender: Sender
    number: str             # "P-2026-000042"
    host_name: str
    host_address: tuple[str, ...]
    means: str              # "Carte bancaire (PayFiP)", "Virement", "Chèque"
    amount: Decimal
    received_on: date
    references: tuple[tuple[str, str], ...]   # ("Référence PayFiP", "TS2026…"), …
    lines: tuple[QuittanceLine, ...]
    credit: Decimal         # what the payment did not allocate: kept as a credit
    issued_at: datetime     # UTC: when the payment was confirmed or recorded


def quittance_pdf(q: Quittance) -> bytes:
    pdf = Document(q.sender, f"{TITLE} n° {q.number} — {q.sender.name}",
                   footer_label=f"Quittance n° {q.number} — {q.sender.name}")
    pdf.set_creation_date(_utc(q.issued_at))
    pdf.add_page()
    pdf.logo(q.sender, 14)
    pdf.font(15, bold=True, color=ACCENT)
    pdf.block(0, 7, q.sender.name)
    pdf.font(9, color=GREY)
    pdf.block(0, 4.5, f"Taxe de séjour — espace hébergeur\n{q.sender.home_url}")
    pdf.ln(5)
    pdf.font(14, bold=True, color=ACCENT)
    pdf.block(0, 7, TITLE, align="C", role="H1")
    pdf.font(10.5, bold=True)
    pdf.block(0, 5.5, f"Quittance n°{NBSP}{q.number}", align="C")
    pdf.font(9.5, color=GREY)
    pdf.block(0, 5, f"Établie {_when(q.issued_at)}", align="C")
    pdf.ln(4)
    pdf.font(10, bold=True)
    pdf.block(0, 5, q.host_name)
    pdf.font(10)
    pdf.block(0, 5, "\n".join(q.host_address))
    pdf.ln(3)
    pdf.boxed([("MONTANT REÇU", 8.5, False), (french(q.amount), 20, True),
               (f"{q.means}, le {french_date(q.received_on)}", 10, False)], x=35, w=140)
    for label, value in q.references:
        pdf.paragraph((f"{label} :",), f" {value}", after=1)
    pdf.ln(2)
    pdf.font(11, bold=True, color=ACCENT)
    pdf.block(0, 6, "Ce paiement règle", role="H2")
    pdf.ln(1)
    if q.lines:
        _table(pdf, q)
    if q.credit > 0:
        pdf.paragraph(("Crédit :",), f" {french(q.credit)} restent à votre crédit auprès de "
                      f"{q.sender.name} ; ils seront imputés sur vos prochaines déclarations.")
    pdf.paragraph(f"{q.sender.name} atteste avoir reçu le montant ci-dessus au titre de la taxe "
                  "de séjour. Conservez ce document.", size=9.5)
    pdf.paragraph(support_sentence(q.sender), size=9.5, color=GREY)
    return pdf.bytes()


def _table(pdf: Document, q: Quittance) -> None:
    pdf.font(9)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=COLUMNS, width=sum(COLUMNS), line_height=4.2,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD", color=ACCENT),
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES, padding=(0.5, 1.5),
                   repeat_headings=1) as table:
        table.row(("Hébergement", "Période", "Déclaration", "Montant"))
        for line in q.lines:
            table.row((line.hebergement, line.period, line.declaration, french(line.amount)))
        total = table.row()
        for text in ("Total réglé", "", "", french(sum((x.amount for x in q.lines),
                                                      Decimal("0.00")))):
            total.cell(text, style=FontFace(emphasis="BOLD"))
    pdf.ln(3)


def _when(moment: datetime) -> str:
    paris = _utc(moment).astimezone(PARIS)
    return f"le {french_date(paris.date())} à {paris.hour}{NBSP}h{NBSP}{paris.minute:02d}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
