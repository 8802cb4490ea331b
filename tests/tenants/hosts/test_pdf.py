"""The activation letters and the hosts' guide, read back with pypdf as a reader would see them."""

import io
from datetime import date
from functools import partial

import pytest
from pypdf import PdfReader

from tenants.core.dates import french_date
from tenants.core.printing import Sender
from tenants.hosts.guide import guide_pdf
from tenants.hosts.letter_content import IssuedLetter
from tenants.hosts.letter_pages import letters_pdf

Letter = partial(IssuedLetter, host_id=0, reference=None)

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT = 297 * MM

SENDER = Sender(name="Communauté de communes Cœur de Savoie", support_phone="04 75 12 34 56",
                home_url="https://coeurdesavoie.taxesejour.fr/")
NO_PHONE = Sender(name="Communauté Soragout", support_phone="",
                  home_url="https://communautesoragout.taxesejour.fr/")
ELODIE = Letter(civility="Mme", first_name="Élodie", last_name="Lefèvre",
                address_lines=("Résidence les Œillets, bâtiment B", "12 rue des Lilas",
                               "07200 Aubenas"),
                code="K7QF-M2XD-9RTA", url="https://coeurdesavoie.taxesejour.fr/activation",
                expires_on=date(2027, 2, 24))
JEAN = Letter(civility="M.", first_name="Jean", last_name="Dupont",
              address_lines=("Le Moulin", "73800 Montmélian"),
              code="W3HN-P8KC-4VZE", url="https://coeurdesavoie.taxesejour.fr/activation",
              expires_on=date(2027, 8, 1))


def read(data: bytes) -> PdfReader:
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def texts(data: bytes) -> list[str]:
    """Each page's text, whitespace (line breaks, non-breaking spaces) folded to one space."""
    return [" ".join(page.extract_text().split()) for page in read(data).pages]


def test_one_page_per_letter_each_with_its_own_hosts_details():
    pages = texts(letters_pdf([ELODIE, JEAN], SENDER, today=date(2026, 3, 1)))

    assert len(pages) == 2
    for page, letter, other in ((pages[0], ELODIE, JEAN), (pages[1], JEAN, ELODIE)):
        assert f"{letter.civility} {letter.first_name} {letter.last_name}" in page
        for line in letter.address_lines:
            assert line in page
        assert letter.code in page and other.code not in page
        assert letter.url in page
        assert f"valable jusqu'au {french_date(letter.expires_on)}" in page
        assert SENDER.name in page
        assert "Le 1er mars 2026" in page
        assert ("Objet : Activation de votre compte sur la plateforme de déclaration de la taxe "
                "de séjour") in page
        assert ("Si vous n'arrivez pas à vous connecter, appelez le service technique de votre "
                "collectivité au 04 75 12 34 56.") in page
        for words in ("« Activer mon compte »", "« Code d'activation »",
                      "Veuillez vérifier vos informations de compte et vos informations "
                      "d'hébergement", "« Identifiant (Courriel) »", "CGU"):
            assert words in page
    assert "valable jusqu'au 24 février 2027" in pages[0]
    assert "valable jusqu'au 1er août 2027" in pages[1]
    assert "Madame," in pages[0] and "Monsieur" not in pages[0]
    assert "Monsieur," in pages[1] and "Madame" not in pages[1]


def test_accents_and_oe_ligature_survive():
    page = texts(letters_pdf([ELODIE], SENDER))[0]
    for word in ("Cœur de Savoie", "Élodie", "Lefèvre", "Œillets", "bâtiment", "février",
                 "hébergement", "séjour"):
        assert word in page


def test_the_address_sits_in_the_window_of_a_dl_envelope():
    positions = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            positions.setdefault(text.strip(), (tm[4] / MM, (A4_HEIGHT - tm[5]) / MM))

    read(letters_pdf([ELODIE], SENDER)).pages[0].extract_text(visitor_text=visit)
    x, y = positions["Mme Élodie Lefèvre"]  # mm from the left, and from the top (baseline)
    assert 108 <= x <= 115 and 45 <= y <= 55
    last_x, last_y = positions["07200 Aubenas"]
    assert last_x == x and last_y < 90  # above the first fold (99 mm)


def test_without_a_phone_the_letter_sends_hosts_to_their_collectivite():
    page = texts(letters_pdf([ELODIE], NO_PHONE))[0]

    assert ("Si vous n'arrivez pas à vous connecter, contactez les services de votre "
            "collectivité ou votre mairie.") in page
    assert "appelez" not in page
    assert "au ." not in page and " au." not in page


def test_a_long_letter_still_fits_on_its_page():
    crowded = Letter(civility="Mme", first_name="Marie-Françoise",
                     last_name="de La Tour d'Auvergne",
                     address_lines=("Domaine des Grands Chênes", "Bâtiment C, escalier 4",
                                    "Appartement 12", "1245 chemin de la Côte-Saint-André",
                                    "Lieu-dit Les Hauts de Bœuf", "73800 Sainte-Hélène-du-Lac"),
                     code="ABCD-EFGH-JKLM", url=ELODIE.url, expires_on=ELODIE.expires_on)
    sender = Sender(name="Communauté d'agglomération Grand Lac — Cœur de Savoie et Chautagne",
                    support_phone="04 79 00 00 00", home_url=SENDER.home_url)

    pages = texts(letters_pdf([crowded, ELODIE, crowded], sender))

    assert len(pages) == 3
    assert "73800 Sainte-Hélène-du-Lac" in pages[0] and "ABCD-EFGH-JKLM" in pages[2]
    assert "salutations distinguées" in pages[0]


def test_no_letter_is_an_error():
    with pytest.raises(ValueError, match="^Aucun courrier à produire.$"):
        letters_pdf([], SENDER)


def test_french_dates_need_no_locale():
    assert french_date(date(2019, 1, 1)) == "1er janvier 2019"
    assert french_date(date(2027, 2, 24)) == "24 février 2027"
    assert french_date(date(2026, 8, 15)) == "15 août 2026"
    assert french_date(date(2026, 12, 31)) == "31 décembre 2026"


def test_metadata_names_the_collectivite_in_french():
    for data in (letters_pdf([ELODIE], SENDER), guide_pdf(SENDER)):
        reader = read(data)
        assert reader.metadata.author == SENDER.name
        assert SENDER.name in reader.metadata.title
        assert reader.trailer["/Root"]["/Lang"] == "fr-FR"


def test_the_guide_covers_every_step_with_page_numbers():
    pages = texts(guide_pdf(SENDER))
    text = " ".join(pages)

    assert len(pages) >= 3
    assert "GUIDE DE LA TÉLÉDÉCLARATION" in pages[0] and SENDER.name in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in page
    assert "Page 1 /" in pages[0]
    for title in ("1. Activer votre compte", "2. Se connecter",
                  "3. Valider les CGU et la politique de confidentialité",
                  "4. Votre tableau de bord", "5. Déclarer vos nuitées et reverser la taxe",
                  "6. Sécurité de votre compte", "7. Besoin d'aide ?"):
        assert text.count(title) >= 2, title  # in the contents and as a heading
    for words in ("« Activer mon compte »", "« Code d'activation »", "« Identifiant (Courriel) »",
                  "« Mot de passe »", "« Se souvenir de moi »", "« Mot de passe oublié ? »",
                  "1er janvier 2019", "« Mes documents »", "« ACTUALITÉS »",
                  "« VISITE GUIDÉE »", "« TUTORIELS »", "nuitées assujetties",
                  "Nuitées exonérées", "mineures", "saisonnier", "hébergement d'urgence",
                  "loyer", "ne vous demande jamais votre mot de passe"):
        assert words.lower() in text.lower(), words
    assert "04 75 12 34 56" in text and SENDER.home_url in text
    assert "€" not in text  # tariffs are the collectivité's, never the guide's


def test_the_guide_without_a_phone():
    text = " ".join(texts(guide_pdf(NO_PHONE)))

    assert NO_PHONE.name in text
    assert "contactez les services de votre collectivité ou votre mairie." in text
    assert "appelez" not in text and "au ." not in text and "Service technique :" not in text
