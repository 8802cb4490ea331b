"""The DELTA file as a reader meets it: the header and the grid first, then each deliberation,
streamed; then every way a file can be wrong, each refused with one French sentence that says
where; last, memory that stays flat on a file the size of the real one."""

from __future__ import annotations

import io
import re
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.delta_file import generate
from tenants.tax.delta import (
    BandData,
    Commune,
    DeliberationData,
    DeltaError,
    PeriodData,
    read,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "delta_2026.xml"
TEXT = FIXTURE.read_text(encoding="utf-8")
REEL = tuple((nature, "reel") for nature in range(1, 12))
GRUISSAN = "Fichier DELTA invalide : délibération n° 3 (GRUISSAN, SIREN 211101704) : "


def tariffs(*amounts: str) -> tuple[tuple[int, Decimal], ...]:
    return tuple((category, Decimal(a)) for category, a in enumerate(amounts, start=1))


def one_line(text: str) -> str:
    return re.sub(r">\s+<", "><", text).strip()


def source(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def deliberations(text: str = TEXT) -> list[DeliberationData]:
    return list(read(source(text)).deliberations)


def edit(number: int, old: str, new: str, text: str = TEXT) -> str:
    """The fixture with `old` replaced by `new` in its deliberation n° `number` only."""
    starts = [m.start() for m in re.finditer("<deliberation>", text)]
    begin = starts[number - 1]
    end = text.index("</deliberation>", begin)
    block = text[begin:end]
    assert old in block, old
    return text[:begin] + block.replace(old, new, 1) + text[end:]


def error_of(text: str) -> str:
    with pytest.raises(DeltaError) as caught:
        deliberations(text)
    return str(caught.value)


# The header and the grid.

def test_the_header_gives_the_version_the_date_and_the_year_the_file_applies_to():
    delta = read(FIXTURE)
    assert (delta.version, delta.date, delta.year) == ("2.5.0", date(2026, 1, 1), 2026)


def test_the_grid_is_the_2026_one_with_its_units_and_labels():
    grid = read(FIXTURE).grid
    assert sorted(grid) == list(range(1, 10))
    bounds = {c: (str(line.floor), str(line.ceiling)) for c, line in grid.items()}
    assert bounds == {1: ("0.70", "4.90"), 2: ("0.70", "3.60"), 3: ("0.70", "2.60"),
                      4: ("0.50", "1.70"), 5: ("0.30", "1.00"), 6: ("0.20", "0.80"),
                      7: ("0.20", "0.60"), 8: ("0.20", "0.20"), 9: ("1.00", "5.00")}
    assert {c: line.unit for c, line in grid.items()} == {**{c: "€" for c in range(1, 9)}, 9: "%"}
    assert grid[1].label == "Palaces" and grid[1].category == 1
    assert grid[9].label.startswith("Hébergements en attente de classement")


def test_the_grid_is_that_of_the_latest_millesime_not_after_the_files_year():
    later = TEXT.replace("</categories>", '<millesime annee="2027"><categorie id="1"><libelle>P'
                         "</libelle><tarification><plancher>0.80</plancher><plafond>5.00"
                         "</plafond><unite>€</unite></tarification></categorie></millesime>"
                         "</categories>")
    assert read(source(later)).grid[1].ceiling == Decimal("4.90")
    grid = read(source(later.replace('annee="2027"', 'annee="2026"'))).grid
    assert list(grid) == [1] and grid[1].ceiling == Decimal("5.00")


# Each deliberation of the fixture.

def test_an_epci_covers_its_communes_in_file_order():
    assert deliberations()[0] == DeliberationData(
        siren="200068609", name="CC VALLEE VERTE", insee=None, departement="07",
        entered_on=date(2024, 9, 1), adopted_on=date(2024, 6, 20),
        communes=(Commune("07019", "AUBENAS"), Commune("07102", "LABEGUDE"),
                  Commune("07331", "VALS-LES-BAINS")),
        regimes=REEL,
        periods=(PeriodData((1, 1), (12, 31), tariffs(
            "4.00", "3.00", "2.30", "1.50", "0.90", "0.80", "0.60", "0.20", "4.00")),),
        low_rent_night=Decimal("1.00"), low_rent_week=None, low_rent_month=None,
        additional=("departementale",), bands=())


def test_a_communes_own_deliberation_covers_the_commune_itself_over_two_periods():
    aubenas = deliberations()[1]
    assert (aubenas.siren, aubenas.name, aubenas.insee) == ("210700191", "AUBENAS", "07019")
    assert aubenas.communes == (Commune("07019", "AUBENAS"),)
    assert (aubenas.entered_on, aubenas.adopted_on) == (date(2025, 9, 10), date(2025, 6, 12))
    assert aubenas.periods == (
        PeriodData((1, 1), (6, 30), tariffs(
            "4.20", "3.20", "2.40", "1.60", "1.00", "0.80", "0.60", "0.20", "4.00")),
        PeriodData((7, 1), (12, 31), tariffs(
            "4.50", "3.40", "2.50", "1.70", "1.00", "0.80", "0.60", "0.20", "5.00")))


def test_a_forfait_deliberation_has_its_regimes_and_its_bands_the_last_open_ended():
    gruissan = deliberations()[2]
    assert gruissan.regimes == tuple((n, "forfait") for n in range(1, 10)) + (
        (10, "reel"), (11, "reel"))
    assert gruissan.bands == (BandData(Decimal("20.00"), 1, 60),
                              BandData(Decimal("40.00"), 61, 105),
                              BandData(Decimal("50.00"), 106, None))
    assert gruissan.periods == (PeriodData((7, 1), (8, 31), tariffs(
        "3.00", "2.50", "2.00", "1.20", "0.80", "0.60", "0.50", "0.20", "3.00")),)


def test_additional_taxes_are_sorted_codes_of_the_flags_set():
    assert [d.additional for d in deliberations()] == [
        ("departementale",), ("departementale",), ("departementale", "lgv"),
        ("departementale", "idfm", "regionale"), ()]


def test_low_rent_thresholds_are_none_when_empty():
    thresholds = [(d.low_rent_night, d.low_rent_week, d.low_rent_month) for d in deliberations()]
    assert thresholds == [(Decimal("1.00"), None, None), (None, None, None),
                          (None, Decimal("50.00"), None), (None, None, None), (None, None, None)]
    zero = edit(2, "<loyerMaximumMois></", "<loyerMaximumMois>0.00</")
    assert deliberations(zero)[1].low_rent_month == Decimal("0.00")


def test_the_last_deliberation_is_the_epci_no_one_registers():
    lointain = deliberations()[-1]
    assert (lointain.siren, lointain.name, lointain.departement) == (
        "200999993", "CC DU LOINTAIN", "29")
    assert lointain.communes == (Commune("29999", "LOINTAIN-SUR-MER"),)


def test_one_line_like_the_real_file_a_path_and_a_file_object_read_alike():
    expected = deliberations()
    assert deliberations(one_line(TEXT)) == expected
    assert list(read(str(FIXTURE)).deliberations) == expected
    with FIXTURE.open("rb") as file:
        assert list(read(file).deliberations) == expected


def test_first_of_the_month_any_case_and_months_without_accents_are_read():
    text = edit(2, "<dateDebut>01 janvier</dateDebut>", "<dateDebut>1er Janvier</dateDebut>")
    text = edit(2, "<dateFin>30 juin</dateFin>", "<dateFin>28 fevrier</dateFin>", text)
    text = edit(2, "<dateFin>31 décembre</dateFin>", "<dateFin>31 DECEMBRE</dateFin>", text)
    text = edit(3, "<dateFin>31 août</dateFin>", "<dateFin>31 aout</dateFin>", text)
    aubenas, gruissan = deliberations(text)[1:3]
    assert [(p.start, p.end) for p in aubenas.periods] == [((1, 1), (2, 28)), ((7, 1), (12, 31))]
    assert gruissan.periods[0].end == (8, 31)


ACCENTED = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
            "octobre", "novembre", "décembre")


@given(st.dates(date(2024, 1, 1), date(2024, 12, 31)), st.booleans(), st.booleans(),
       st.booleans())
def test_any_day_of_a_leap_year_is_read_however_it_is_spelt(day, first, accents, upper):
    month = ACCENTED[day.month - 1]
    month = month if accents else month.replace("é", "e").replace("û", "u")
    text = ("1er" if first and day.day == 1 else f"{day.day:02d}") + f" {month}"
    text = text.upper() if upper else text
    edited = edit(3, "<dateFin>31 août</dateFin>", f"<dateFin>{text}</dateFin>")
    assert deliberations(edited)[2].periods[0].end == (day.month, day.day)


@given(st.decimals(min_value=0, max_value=100_000, places=2))
def test_any_positive_dot_decimal_is_read_exactly(amount):
    text = edit(1, "<loyerMaximumNuit>1.00<", f"<loyerMaximumNuit>{amount:.2f}<")
    assert deliberations(text)[0].low_rent_night == amount


def test_unknown_elements_are_ignored_wherever_they_are():
    extra = '<nouveau code="x"><detail>1</detail></nouveau>'
    text = TEXT.replace("<natures>", extra + "<natures>")
    text = text.replace("<deliberations>", "<deliberations>" + extra)
    text = text.replace("</deliberations>", "</deliberations>" + extra)
    text = edit(3, "<regimes>", extra + "<regimes>", text)
    text = edit(3, "<tarif categorieId=\"2\">", extra + "<tarif categorieId=\"2\">", text)
    assert deliberations(text) == deliberations()


# Streamed: read() takes the header, the iterator the rest.

def test_read_takes_only_the_header_and_a_broken_deliberation_fails_when_reached():
    text = edit(3, "<date>30/06/2025</date>", "<date>31/02/2025</date>")
    delta = read(source(text))
    assert delta.year == 2026
    assert [d.name for d in (next(delta.deliberations), next(delta.deliberations))] == [
        "CC VALLEE VERTE", "AUBENAS"]
    with pytest.raises(DeltaError) as caught:
        next(delta.deliberations)
    assert str(caught.value) == GRUISSAN + "date d'adoption « 31/02/2025 » invalide."


def test_a_file_cut_in_the_middle_of_a_deliberation_fails_when_iterated():
    text = one_line(TEXT)
    cut = text[:text.index("<nom>GRUISSAN</nom>") + 300]
    delta = read(source(cut))
    with pytest.raises(DeltaError, match="tronqué") as caught:
        list(delta.deliberations)
    assert re.fullmatch(r"Fichier DELTA tronqué ou mal formé \(ligne 1, colonne \d+\) : "
                        r"rien n'a été chargé\.", str(caught.value))


def test_a_file_cut_in_its_header_fails_at_once():
    with pytest.raises(DeltaError, match="tronqué"):
        read(source(TEXT[:TEXT.index("<natures>") - 40]))


@pytest.mark.parametrize("content", [b"", b"siren;nom\n200068609;CC VALLEE VERTE\n",
                                     b"%PDF-1.7\n\x00\x01", b"<delta><version>2.5.0</delta>"])
def test_what_is_not_well_formed_xml_is_refused(content):
    with pytest.raises(DeltaError, match=r"^Fichier DELTA tronqué ou mal formé \(ligne \d+"):
        list(read(io.BytesIO(content)).deliberations)


def test_another_root_is_refused():
    with pytest.raises(DeltaError, match="« declarations » au lieu de « delta »"):
        read(source("<declarations><version>2.5.0</version></declarations>"))


def test_another_major_version_is_refused():
    with pytest.raises(DeltaError, match=r"Version « 3\.0\.0 » du fichier DELTA non prise en ch"):
        read(source(TEXT.replace("<version>2.5.0</version>", "<version>3.0.0</version>")))


def test_a_later_minor_version_is_read():
    assert read(source(TEXT.replace("2.5.0", "2.6.1"))).version == "2.6.1"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE delta [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<delta><version>&lol3;</version></delta>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE delta [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<delta><version>&secret;</version></delta>"""
DTD_ONLY = '<?xml version="1.0"?><!DOCTYPE delta SYSTEM "delta.dtd"><delta></delta>'


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY])
def test_dtd_and_entity_declarations_are_refused(payload):
    with pytest.raises(DeltaError, match="déclarations .* interdites"):
        read(source(payload))


@pytest.mark.parametrize(("old", "new", "message"), [
    ("<version>2.5.0</version>", "", "l'en-tête (version, date et catégories) est incomplet"),
    ("<date>01/01/2026</date>", "<date>2026-01-01</date>", "date du fichier « 2026-01-01 »"),
    ("<date>01/01/2026</date>", "<date/>", "date du fichier absente"),
    ("<plafond>2.60</plafond>", "<plafond>2,60</plafond>", "plafond de la catégorie 3 de la"),
    ("<unite>%</unite>", "<unite>pct</unite>", "la catégorie 9 de la grille n'a pas de plancher"),
    ('<categorie id="9">', '<categorie id="10">', "catégorie de la grille « 10 » inconnue"),
])
def test_a_wrong_header_is_refused_before_any_deliberation(old, new, message):
    with pytest.raises(DeltaError, match=re.escape(message)):
        read(source(TEXT.replace(old, new, 1)))


def test_deliberations_before_the_header_is_complete_are_refused():
    header_last = TEXT.replace("<date>01/01/2026</date>", "", 1).replace(
        "</delta>", "<date>01/01/2026</date></delta>")
    with pytest.raises(DeltaError, match="placé après les délibérations"):
        read(source(header_last))


@pytest.mark.parametrize(("old", "new", "message"), [
    ('categorieId="2">2.50<', 'categorieId="2">2,50<',
     "tarif de la catégorie 2 (période 1) « 2,50 » invalide (nombre positif à point décimal "
     "attendu)."),
    ('categorieId="4">1.20<', 'categorieId="4">-1.20<',
     "tarif de la catégorie 4 (période 1) « -1.20 » invalide"),
    ("<loyerMaximumSemaine>50.00<", "<loyerMaximumSemaine>50 €<",
     "loyer maximum par semaine « 50 € » invalide"),
    ("<taux>40.00</taux>", "<taux>quarante</taux>", "taux de la tranche d'abattement n° 2"),
    ("<nuiteMin>61</nuiteMin>", "<nuiteMin>200</nuiteMin>",
     "la tranche d'abattement n° 2 est incohérente"),
    ("<nuiteMin>106</nuiteMin>", "<nuiteMin>1.5</nuiteMin>",
     "la tranche d'abattement n° 3 est incohérente"),
    ("<dateFin>31 août</dateFin>", "<dateFin>31 aoust</dateFin>",
     "fin de la période 1 « 31 aoust » invalide (jour et mois attendus, comme « 01 janvier »)."),
    ("<dateDebut>01 juillet</dateDebut>", "<dateDebut>31 juin</dateDebut>",
     "début de la période 1 « 31 juin » invalide"),
    ("<dateDebut>01 juillet</dateDebut>", "<dateDebut/>", "pas de début de la période 1."),
    ("<date>30/06/2025</date>", "<date>2025-06-30</date>",
     "date d'adoption « 2025-06-30 » invalide."),
    ("<date>30/06/2025</date>", "", "date d'adoption absente."),
    ("<date>05/09/2025</date>", "<date>05/13/2025</date>", "date de saisie « 05/13/2025 »"),
    ('natureId="10">Réel<', 'natureId="10">Mixte<',
     "régime « Mixte » de la nature 10 inconnu ou en double (Réel ou Forfaitaire attendu)."),
    ('natureId="11">', 'natureId="12">', "nature du régime « 12 » inconnue."),
    ('categorieId="9">', 'categorieId="10">', "catégorie (période 1) « 10 » inconnue."),
    ('categorieId="8">', 'categorieId="7">', "la catégorie 7 a deux tarifs dans la période 1."),
    ("<taxeAdditionnelleLGV>true<", "<taxeAdditionnelleLGV>oui<",
     "taxeAdditionnelleLGV « oui » invalide (true ou false attendu)."),
    ("<codeInsee>11170</codeInsee>", "<codeInsee>1117</codeInsee>", "code INSEE « 1117 »"),
])
def test_a_wrong_value_is_refused_naming_the_deliberation_and_its_siren(old, new, message):
    error = error_of(edit(3, old, new))
    assert error.startswith(GRUISSAN + message) and error.endswith(".")


def test_a_deliberation_without_siren_or_period_or_a_covered_commune_without_insee_is_refused():
    assert error_of(edit(3, ' siren="211101704"', "")) == (
        "Fichier DELTA invalide : délibération n° 3 (GRUISSAN) : SIREN absent.")
    no_period = re.sub(r"<periodes>.*?</periodes>", "<periodes/>", one_line(TEXT), count=1)
    assert error_of(no_period) == ("Fichier DELTA invalide : délibération n° 1 (CC VALLEE VERTE, "
                                   "SIREN 200068609) : aucune période de perception.")
    assert error_of(edit(1, "<codeInsee>07102</codeInsee>", "<codeInsee/>")) == (
        "Fichier DELTA invalide : délibération n° 1 (CC VALLEE VERTE, SIREN 200068609) : "
        "la commune couverte « LABEGUDE » n'a pas de code INSEE.")


def test_an_empty_tariff_is_a_category_left_out():
    gruissan = deliberations(edit(3, 'categorieId="9">3.00<', 'categorieId="9"><'))[2]
    assert [category for category, _ in gruissan.periods[0].tariffs] == list(range(1, 9))


def test_a_delta_error_is_a_value_error():
    assert issubclass(DeltaError, ValueError)


# The generator, and memory on a file the size of the real one.

def test_the_generator_writes_its_extra_deliberations_and_tariffs_the_grid_allows(tmp_path):
    lointain = re.findall(r"<deliberation>.*?</deliberation>", one_line(TEXT))[-1]
    path = tmp_path / "delta.xml"
    written = generate(path, target_bytes=200_000, seed=3, extra=[lointain, lointain])
    delta = read(path)
    read_back = list(delta.deliberations)
    assert len(read_back) == written and 200_000 <= path.stat().st_size < 220_000
    assert [d.siren for d in read_back].count("200999993") == 2
    for period in (p for d in read_back for p in d.periods):
        amounts = dict(period.tariffs)
        assert all(delta.grid[c].floor <= a <= delta.grid[c].ceiling for c, a in amounts.items())
        assert all(amounts[h] >= amounts[h + 1] for h in (1, 2, 3, 4, 5, 7))


@pytest.mark.slow
def test_memory_stays_flat_on_a_file_the_size_of_the_real_one(tmp_path):
    """The whole file as a tree takes ~45 MB of traced memory; streamed, under 1 MB: 10 MB
    leaves room for the interpreter's noise and still fails if deliberations pile up."""
    path = tmp_path / "delta.xml"
    written = generate(path, target_bytes=6_350_000)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read(path).deliberations)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == written > 2_000
    assert peak < 10_000_000
