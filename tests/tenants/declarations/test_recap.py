"""The état récapitulatif of a declaration, read back with pypdf as a host would read it."""

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from PIL import Image
from pypdf import PdfReader

from tenants.core.printing import Sender
from tenants.declarations.recap import Recap, RecapLine, recap_pdf

SENDER = Sender(name="Communauté de communes du Bassin d'Aubenas",
                support_phone="04 75 12 34 56", home_url="https://aubenas.taxesejour.fr/")

REEL = Recap(
    sender=SENDER,
    reference="D-2026-07-000123",
    version=1,
    host_name="Élodie Martin",
    host_address=("12 rue des Lilas", "07200 Aubenas"),
    hebergement="Le Mas des Œillets",
    hebergement_address="Chemin de la Croix, 07200 Aubenas",
    nature="Meublé de tourisme",
    classement="3 étoiles",
    commune="AUBENAS (07019)",
    period_label="juillet 2026",
    period_start=date(2026, 7, 1),
    period_end=date(2026, 7, 31),
    deadline=date(2026, 8, 20),
    regime="reel",
    lines=(
        RecapLine("Du 01/07 au 14/07, tarif 1,65 €", 1234, Decimal("1.65"), Decimal("2036.10")),
        RecapLine("Du 15/07 au 31/07, tarif 1,80 €", 37, Decimal("1.80"), Decimal("66.60")),
        RecapLine("Ajustement d'arrondi", 0, None, Decimal("0.30")),
    ),
    taxable_nights=1271,
    exempt_nights=(("mineurs", 4), ("travailleurs saisonniers", 9)),
    platform_nights=18,
    zero_reason=None,
    amount=Decimal("2103.00"),
    previous_amount=None,
    rounding="Le montant dû est arrondi à l'euro le plus proche.",
    how_to_pay="Payez en ligne depuis votre espace : carte bancaire ou virement (RIB ci-joint).",
    validated_at=datetime(2026, 8, 3, 12, 5),  # 14 h 05 in Paris (summer time)
    validated_by="Élodie Martin",
)


def read(data: bytes) -> PdfReader:
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def texts(data: bytes) -> list[str]:
    """Each page's text, whitespace (line breaks, non-breaking spaces) folded to one space."""
    return [" ".join(page.extract_text().split()) for page in read(data).pages]


def test_a_declaration_au_reel_shows_every_value():
    pages = texts(recap_pdf(REEL))

    assert len(pages) == 1
    page = pages[0]
    for words in (
        SENDER.name, SENDER.home_url,
        "État récapitulatif de la déclaration de taxe de séjour",
        "Déclaration n° D-2026-07-000123, version 1",
        "Validée le 3 août 2026 à 14 h 05 par Élodie Martin",
        "Élodie Martin", "12 rue des Lilas", "07200 Aubenas",
        "Le Mas des Œillets", "Chemin de la Croix, 07200 Aubenas",
        "Meublé de tourisme — 3 étoiles", "Commune : AUBENAS (07019)",
        "Période : juillet 2026, du 1er juillet 2026 au 31 juillet 2026",
        "Régime : taxation au réel",
        "Du 01/07 au 14/07, tarif 1,65 € 1 234 1,65 € 2 036,10 €",
        "Du 15/07 au 31/07, tarif 1,80 € 37 1,80 € 66,60 €",
        "Ajustement d'arrondi 0 — 0,30 €",
        "Total 1 271 2 103,00 €",
        "Nuitées taxables : 1 271",
        "Nuitées exonérées : 13, dont mineurs : 4 ; travailleurs saisonniers : 9",
        "Nuitées via une plateforme (taxe collectée par la plateforme, non due par "
        "l'hébergeur) : 18",
        "MONTANT DÛ 2 103,00 €", "Montant à reverser avant le 20 août 2026",
        "Le montant dû est arrondi à l'euro le plus proche.",
        "Payez en ligne depuis votre espace : carte bancaire ou virement (RIB ci-joint).",
        "appelez le service technique de votre collectivité au 04 75 12 34 56.",
        "Déclaration n° D-2026-07-000123, version 1 — Communauté de communes du Bassin "
        "d'Aubenas Page 1 / 1",
    ):
        assert words in page, words
    for absent in ("rectifie", "version précédente", "Déclaration à 0 nuitée"):
        assert absent not in page


def test_thousands_are_grouped_with_a_narrow_no_break_space():
    raw = read(recap_pdf(REEL)).pages[0].extract_text()
    assert "Nuitées taxables : 1\u202f271" in raw
    assert "2\u202f103,00 €" in raw


def test_the_time_is_read_in_paris_even_across_midnight():
    winter = replace(REEL, validated_at=datetime(2026, 12, 31, 23, 30))
    assert "Validée le 1er janvier 2027 à 0 h 30 par" in texts(recap_pdf(winter))[0]
    imported = replace(REEL, validated_by="import")
    assert "Validée le 3 août 2026 à 14 h 05 (import)" in texts(recap_pdf(imported))[0]


def test_a_rectification_that_asks_for_more():
    page = texts(recap_pdf(replace(REEL, version=2, previous_amount=Decimal("1900.00"))))[0]
    assert "Déclaration n° D-2026-07-000123, version 2 — rectifie la version 1" in page
    assert "Montant de la version précédente : 1 900,00 €" in page
    assert "complément à verser : 203,00 €" in page
    assert "trop-perçu" not in page


def test_a_rectification_that_leaves_a_credit():
    page = texts(recap_pdf(replace(REEL, version=3, previous_amount=Decimal("2150.50"))))[0]
    assert "version 3 — rectifie la version 2" in page
    assert "Montant de la version précédente : 2 150,50 €" in page
    assert "trop-perçu (crédit) : 47,50 €" in page
    assert "complément" not in page


def test_a_rectification_with_the_same_amount():
    page = texts(recap_pdf(replace(REEL, version=2, previous_amount=REEL.amount)))[0]
    assert "montant inchangé" in page


def test_a_zero_declaration_shows_its_reason_and_nothing_due():
    zero = replace(REEL, lines=(), taxable_nights=0, exempt_nights=(), platform_nights=0,
                   zero_reason="fermé", amount=Decimal("0.00"))
    page = texts(recap_pdf(zero))[0]
    assert "Déclaration à 0 nuitée : fermé" in page
    assert "MONTANT DÛ 0,00 €" in page
    assert "Nuitées taxables : 0" in page
    assert "Total" not in page


def test_a_forfait_counts_unit_nights():
    forfait = replace(REEL, regime="forfait",
                      lines=(RecapLine("Capacité 6 unités, 31 nuits", 186, Decimal("0.90"),
                                       Decimal("167.40")),))
    page = texts(recap_pdf(forfait))[0]
    assert "Régime : taxation au forfait" in page
    assert "Unités × nuits" in page
    assert "Capacité 6 unités, 31 nuits 186 0,90 € 167,40 €" in page


def test_the_logo_is_embedded_on_the_first_page():
    png = io.BytesIO()
    Image.new("RGB", (40, 20), (25, 65, 120)).save(png, format="PNG")
    with_logo = replace(REEL, sender=replace(SENDER, logo_png=png.getvalue()))
    assert len(read(recap_pdf(with_logo)).pages[0].images) == 1
    assert len(read(recap_pdf(REEL)).pages[0].images) == 0


def test_many_lines_flow_onto_a_second_page_with_numbered_footers():
    lines = tuple(RecapLine(f"Séjour n° {n}", n, Decimal("1.65"), Decimal("1.65") * n)
                  for n in range(1, 61))
    pages = texts(recap_pdf(replace(REEL, lines=lines)))
    assert len(pages) == 2
    assert "Page 1 / 2" in pages[0] and "Page 2 / 2" in pages[1]
    assert "Détail Nuitées Tarif Montant" in pages[1]  # headings repeat
    assert "Séjour n° 60 60 1,65 € 99,00 €" in pages[1]
    assert "Montant à reverser avant le 20 août 2026" in pages[1]


def test_two_builds_are_byte_identical_and_dated_from_the_validation():
    first = recap_pdf(REEL)
    assert recap_pdf(REEL) == first
    assert read(first).metadata.creation_date == datetime.fromisoformat("2026-08-03T12:05Z")
    later = replace(REEL, validated_at=datetime(2026, 8, 4, 9, 0))
    assert recap_pdf(later) != first


def test_metadata_name_the_collectivite():
    metadata = read(recap_pdf(REEL)).metadata
    assert metadata.title == ("État récapitulatif de la déclaration de taxe de séjour "
                              "n° D-2026-07-000123 — Communauté de communes du Bassin d'Aubenas")
    assert metadata.author == SENDER.name
