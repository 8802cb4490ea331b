"""An A4 document in the collectivité's name (fpdf2), for the letters (`tenants.hosts.letters`)
and the hosts' guide (`tenants.hosts.guide`).

Pure (no Flask, no database), so that a command, a view or a test can build a PDF. Text is set in
DejaVu Sans, which covers every French character ("œ", "É", « », ...). Imported only by what
builds a PDF, when it builds one: fpdf2 is slow to load.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tenants.core.printing import ACCENT, BLACK, GREY, Sender, french_spacing

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVu"


class Document(FPDF):
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
            self.write(self.leading * size / 10, french_spacing(part[0] if bold else part))
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



    def logo(self, sender: Sender, height: float, x: float | None = None) -> None:
        """The collectivité's logo at the current position, then the cursor below it."""
        if not sender.logo_png:
            return
        top = self.get_y()
        self.image(io.BytesIO(sender.logo_png), x=self.l_margin if x is None else x, y=top,
                   h=height)
        self.set_y(top + height + 3)
