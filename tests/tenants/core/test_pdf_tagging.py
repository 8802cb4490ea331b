"""Every PDF the product prints is tagged (RGAA 13.3, PDF/UA): read back with pypdf, its catalogue
says so, names its language and title, and its structure tree reaches every piece of text on
every page, headings, lists and tables included; decoration is marked as artefact."""

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

from tenants.core.printing import Sender
from tenants.declarations.recap import RecapLine, recap_pdf
from tenants.hosts.guide import guide_pdf
from tenants.hosts.letter_pages import letters_pdf
from tenants.payments.quittance import Quittance, QuittanceLine, quittance_pdf
from tests.tenants.declarations.test_recap import REEL
from tests.tenants.hosts.test_pdf import ELODIE, JEAN


def _logo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (25, 65, 120)).save(buffer, "PNG")
    return buffer.getvalue()


SENDER = Sender(name="Communauté de communes Cœur de Savoie", support_phone="04 75 12 34 56",
                home_url="https://coeurdesavoie.taxesejour.fr/", logo_png=_logo())
QUITTANCE = Quittance(
    sender=SENDER, number="P-2026-000042", host_name="Élodie Lefèvre",
    host_address=("12 rue des Lilas", "07200 Aubenas"), means="Carte bancaire (PayFiP)",
    amount=Decimal("120.00"), received_on=date(2026, 8, 10),
    references=(("Référence PayFiP", "TS2026000042"),),
    lines=(QuittanceLine("Le Mas des Œillets", "juillet 2026", "D-2026-07-000123",
                         Decimal("120.00")),),
    credit=Decimal("0"), issued_at=datetime(2026, 8, 10, 9, 30))
LONG_RECAP = replace(REEL, sender=SENDER, lines=tuple(
    RecapLine(f"Séjour n° {n}, tarif 1,65 €", n, Decimal("1.65"), Decimal("1.65") * n)
    for n in range(1, 90)))

DOCUMENTS = {
    "guide": lambda: guide_pdf(SENDER),
    "letters": lambda: letters_pdf([ELODIE, JEAN], SENDER, today=date(2026, 3, 1)),
    "recap": lambda: recap_pdf(replace(REEL, sender=SENDER)),
    "long recap": lambda: recap_pdf(LONG_RECAP),
    "quittance": lambda: quittance_pdf(QUITTANCE),
}


def _elements(node, found):
    """Every structure element under `node`, depth first."""
    kids = node.get("/K")
    kids = kids if isinstance(kids, list) else [] if kids is None else [kids]
    for kid in kids:
        kid = kid.get_object() if isinstance(kid, IndirectObject) else kid
        if isinstance(kid, DictionaryObject):
            found.append(kid)
            _elements(kid, found)
    return found


def _marks(page) -> tuple[list[int], int]:
    """The page's MCIDs in order, and how many text operators are neither tagged nor artefact."""
    mcids, stack, untagged = [], [], 0
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"BDC":
            mcid = operands[1].get("/MCID") if isinstance(operands[1], dict) else None
            stack.append(mcid)
            if mcid is not None:
                mcids.append(int(mcid))
        elif operator == b"BMC":
            stack.append(operands[0])
        elif operator == b"EMC":
            stack.pop()
        elif operator in (b"Tj", b"TJ", b"'", b'"', b"Do"):
            if not any(mark == "/Artifact" or isinstance(mark, int) for mark in stack):
                untagged += 1
    assert not stack, "a marked-content sequence is left open at the end of a page"
    return mcids, untagged


@pytest.fixture(params=sorted(DOCUMENTS), scope="module")
def document(request) -> PdfReader:
    return PdfReader(io.BytesIO(DOCUMENTS[request.param]()))


def test_the_catalogue_declares_a_tagged_document_in_french_with_its_title(document):
    catalog = document.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "fr-FR"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "/StructTreeRoot" in catalog
    assert SENDER.name in document.metadata.title


def test_every_text_and_image_is_tagged_or_an_artefact(document):
    for page in document.pages:
        mcids, untagged = _marks(page)
        assert mcids and untagged == 0
        assert mcids == list(range(len(mcids)))


def test_the_parent_tree_maps_each_mark_back_to_its_element(document):
    root = document.trailer["/Root"]["/StructTreeRoot"]
    nums = root["/ParentTree"]["/Nums"]
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    elements = _elements(root, [])
    for number, page in enumerate(document.pages):
        mcids, _ = _marks(page)
        marked = parents[page["/StructParents"]]
        assert len(marked) == len(mcids)
        for mcid, element in enumerate(marked):
            element = element.get_object()
            assert element["/K"] == [mcid] or element["/K"] == mcid
            assert element.raw_get("/Pg").idnum == page.indirect_reference.idnum
            assert element in elements, f"page {number + 1}: MCID {mcid} not in the tree"


def _roles(document: PdfReader) -> list[str]:
    root = document.trailer["/Root"]["/StructTreeRoot"]
    return [element["/S"] for element in _elements(root, [])]


def test_the_guide_has_a_title_headings_lists_and_the_logos_alternative():
    document = PdfReader(io.BytesIO(guide_pdf(SENDER)))
    roles = _roles(document)
    assert roles.count("/H1") == 1 and roles.count("/H2") == 8  # Sommaire + 7 sections
    assert {"/Document", "/P", "/L", "/LI", "/Lbl", "/LBody", "/Figure"} <= set(roles)
    root = document.trailer["/Root"]["/StructTreeRoot"]
    figure = next(e for e in _elements(root, []) if e["/S"] == "/Figure")
    assert figure["/Alt"].startswith("Logo d") and SENDER.name in figure["/Alt"]


def test_tables_have_rows_of_header_and_data_cells_and_repeat_headings_as_artefacts():
    document = PdfReader(io.BytesIO(recap_pdf(LONG_RECAP)))
    assert len(document.pages) >= 2
    root = document.trailer["/Root"]["/StructTreeRoot"]
    elements = _elements(root, [])
    tables = [e for e in elements if e["/S"] == "/Table"]
    assert len(tables) == 1
    rows = [row.get_object() for row in tables[0]["/K"]]
    assert all(row["/S"] == "/TR" for row in rows)
    assert len(rows) == 1 + len(LONG_RECAP.lines) + 1  # headings once, lines, total
    headings = [cell.get_object() for cell in rows[0]["/K"]]
    assert [cell["/S"] for cell in headings] == ["/TH"] * 4
    assert headings[0]["/A"]["/Scope"] == "/Column"
    assert {cell.get_object()["/S"] for row in rows[1:] for cell in row["/K"]} == {"/TD"}


def test_each_letter_is_a_section_with_its_subject_as_heading():
    document = PdfReader(io.BytesIO(letters_pdf([ELODIE, JEAN], SENDER)))
    root = document.trailer["/Root"]["/StructTreeRoot"]
    document_element = root["/K"][0].get_object() if isinstance(root["/K"], list) else root["/K"]
    sections = [kid.get_object() for kid in document_element["/K"]]
    assert [section["/S"] for section in sections] == ["/Sect", "/Sect"]
    assert _roles(document).count("/H1") == 2


def test_the_recap_is_still_byte_identical_when_rebuilt():
    assert recap_pdf(LONG_RECAP) == recap_pdf(LONG_RECAP)
