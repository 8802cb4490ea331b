"""An A4 document in the collectivité's name (fpdf2): the activation letters, the hosts' guide,
the état récapitulatif, the quittance and the recovery's letters.

Pure (no Flask, no database), so that a command, a view or a test can build a PDF. Text is set in
DejaVu Sans, which covers every French character ("œ", "É", « », ...). Imported only by what
builds a PDF, when it builds one: fpdf2 is slow to load.

Every document is tagged (RGAA 13.3, PDF/UA): a screen reader reads headings, paragraphs, lists,
tables with their header cells and the logo's alternative text, in French, under the document's
title; rules, frames and the running footer are artefacts it skips. fpdf2 (2.8) only tags images
and outline titles, each as a flat /Figure: the helpers below open the structure elements and
their marked content themselves, on fpdf2's own tree, which this module walks in full. A text
block a page break splits becomes two elements of the same kind, one per page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.prefs import ViewerPreferences
from fpdf.structure_tree import StructElem, StructureTreeBuilder
from fpdf.table import Table

from tenants.core.french import elide
from tenants.core.printing import ACCENT, BLACK, GREY, Sender, french_spacing

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVu"
HEADER_CELL = "<</O /Table /Scope /Column>>"


class _Element(StructElem):
    """A structure element that may carry attributes (a header cell's scope)."""

    __slots__ = ("a",)

    def __init__(self, role: str, parent, page_number: int, alt: str | None = None,
                 attributes: str | None = None):
        super().__init__(f"/{role}", parent, [], page_number=page_number, alt=alt)
        self.a = attributes


class _Tree(StructureTreeBuilder):
    """fpdf2's tree, written out with every nested element (it writes the first level only)."""

    def __iter__(self):
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from _descendants(self.doc_struct_elem)


def _descendants(element: StructElem) -> Iterator[StructElem]:
    for kid in element.k:
        if isinstance(kid, StructElem):
            yield kid
            yield from _descendants(kid)


class _Table(Table):
    """fpdf2's table, tagged: Table > TR > TH (scope column) / TD; headings repeated on a
    new page are artefacts, so that a screen reader reads them once."""

    def render(self) -> None:
        self._rendered_headings: set[int] = set()
        with self._fpdf.group("Table"):
            super().render()

    def _render_table_row(self, i, row_layout_info, cell_x_positions, **kwargs) -> None:
        pdf = self._fpdf
        if i < self._num_heading_rows and i in self._rendered_headings:
            with pdf.artifact():
                return super()._render_table_row(i, row_layout_info, cell_x_positions, **kwargs)
        self._rendered_headings.add(i)
        with pdf.group("TR"):
            return super()._render_table_row(i, row_layout_info, cell_x_positions, **kwargs)

    def _render_table_cell(self, i, j, cell, row_height, cell_height_info=None,
                           cell_x_positions=None, **kwargs):
        if cell_height_info is None:  # measuring, not drawing
            return super()._render_table_cell(i, j, cell, row_height, cell_height_info,
                                              cell_x_positions, **kwargs)
        heading = i < self._num_heading_rows
        with self._fpdf.marked("TH" if heading else "TD",
                               attributes=HEADER_CELL if heading else None):
            return super()._render_table_cell(i, j, cell, row_height, cell_height_info,
                                              cell_x_positions, **kwargs)


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
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=20)
        self.struct_builder = _Tree()
        self._parents: list[StructElem] = [self.struct_builder.doc_struct_elem]
        self._leaf: _Element | None = None    # the element whose marked content is open
        self._artifacts = 0                   # depth of /Artifact sequences

    @contextmanager
    def group(self, role: str) -> Iterator[None]:
        """A structure element holding others (Sect, L, LI, LBody, Table, TR)."""
        if self._artifacts or self._leaf is not None:
            yield
            return
        element = _Element(role, self._parents[-1], self.page or 1)
        self._parents[-1].k.append(element)
        self._parents.append(element)
        try:
            yield
        finally:
            self._parents.pop()

    @contextmanager
    def marked(self, role: str, alt: str | None = None,
               attributes: str | None = None) -> Iterator[None]:
        """A structure element (P, H1, H2, Lbl, TD, Figure…) and the content drawn inside.
        Inside another one, or an artefact, the content simply joins it."""
        if self._artifacts or self._leaf is not None:
            yield
            return
        self._begin(_Element(role, self._parents[-1], self.page, alt, attributes))
        try:
            yield
        finally:
            self._out("EMC")
            self._leaf = None

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """Decoration (rules, frames, the running footer), which a screen reader skips."""
        self._out("/Artifact BMC")
        self._artifacts += 1
        try:
            yield
        finally:
            self._artifacts -= 1
            self._out("EMC")

    def _begin(self, element: _Element) -> None:
        self._parents[-1].k.append(element)
        pages = self.struct_builder.spid_per_page_number
        if self.page not in pages:
            pages[self.page] = len(pages)
        marked = self.struct_builder.struct_tree_root.parent_tree.nums[pages[self.page]]
        element.k.append(len(marked))
        element.pg = self.pages[self.page]
        self.pages[self.page].struct_parents = pages[self.page]
        self._out(f"{element.s} <</MCID {len(marked)}>> BDC")
        marked.append(element)
        self._leaf = element
        self._set_min_pdf_version("1.4")

    def header(self) -> None:
        """A text block a page break split goes on as a new element of the same kind."""
        if self._leaf is not None:
            leaf = self._leaf
            self._begin(_Element(leaf.s[1:], leaf.p, self.page, attributes=leaf.a))

    @contextmanager
    def table(self, *args, **kwargs) -> Iterator[Table]:
        table = _Table(self, *args, **kwargs)
        yield table
        table.render()

    def font(self, size: float = 10, bold: bool = False, color=BLACK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def block(self, w: float, h: float, text: str, align: str = "L", role: str = "P") -> None:
        """Lines of text (wrapped, ragged right unless `align`), then back to the left margin."""
        with self.marked(role):
            self.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, *parts: str | tuple[str], size: float = 10, after: float = 2.5,
                  indent: float = 0, color=BLACK) -> None:
        """Flowing text; a part given as a 1-tuple, `("Étape 1.",)`, is set in bold."""
        left = self.l_margin
        self.set_left_margin(left + indent)
        self.set_x(left + indent)
        with self.marked("P"):
            for part in parts:
                bold = isinstance(part, tuple)
                self.font(size, bold, color)
                self.write(self.leading * size / 10, french_spacing(part[0] if bold else part))
        self.ln(self.leading * size / 10 + after)
        self.set_left_margin(left)

    def bullets(self, items: Iterable[str | Sequence[str | tuple[str]]], marker: str = "•",
                size: float = 10) -> None:
        with self.group("L"):
            for number, item in enumerate(items, start=1):
                parts = (item,) if isinstance(item, str) else tuple(item)
                self.font(size)
                self.set_x(self.l_margin + 3)
                label = f"{number}." if marker == "1." else marker
                with self.group("LI"):
                    with self.marked("Lbl"):
                        self.cell(6, self.leading * size / 10, label)
                    with self.group("LBody"):
                        self.paragraph(*parts, size=size, after=1.5, indent=9)
        self.ln(1.5)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 60:  # never leave a heading alone at the foot of a page
            self.add_page()
        self.ln(4)
        self.start_section(text)
        self.font(14, bold=True, color=ACCENT)
        self.block(0, 7, text, role="H2")
        self.rule(0.4, self.get_y() + 1)
        self.ln(4)

    def rule(self, width: float, y: float) -> None:
        """A horizontal line across the text width, under a heading."""
        with self.artifact():
            self.set_draw_color(*ACCENT)
            self.set_line_width(width)
            self.line(self.l_margin, y, self.w - self.r_margin, y)

    def boxed(self, lines: Sequence[tuple[str, float, bool]], x: float, w: float,
              padding: float = 4, spacing: float = 0) -> None:
        """Centred lines `(text, size, bold)` in a shaded, framed box at the current y."""
        top = self.get_y()
        heights = [size * 0.55 for _, size, _ in lines]
        with self.artifact():
            self.set_fill_color(242, 245, 250)
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.5)
            self.rect(x, top, w, sum(heights) + 2 * padding, style="DF")
        self.set_y(top + padding)
        for (text, size, bold), height in zip(lines, heights, strict=True):
            self.font(size, bold, ACCENT if bold else BLACK)
            self.set_char_spacing(spacing if size >= 18 else 0)
            self.set_x(x)
            with self.marked("P"):
                self.cell(w, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_char_spacing(0)
        self.set_y(top + sum(heights) + 2 * padding + 4)

    def footer(self) -> None:
        """The running footer, an artefact; first closes a text block the page break splits."""
        if self._leaf is not None:
            self._out("EMC")
        if self.footer_label is None:
            return
        with self.artifact():
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
        with self.marked("Figure", alt=elide("Logo de", sender.name)):
            self.image(io.BytesIO(sender.logo_png), x=self.l_margin if x is None else x, y=top,
                       h=height)
        self.set_y(top + height + 3)
