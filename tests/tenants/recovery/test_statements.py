"""The platforms' half-yearly statements: read from a fixture in the documented format down to
the exact lines, then every way a line or a file can be wrong; then matched against a
collectivité's hébergements in Aubenas and the stays their hosts declared "via a platform", so
that a tax a platform paid is never chased and a platform stay no platform paid for is flagged.
Pure: no application, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plateforme.errors import UserError
from tenants.recovery.statements import (
    COLUMNS,
    CONCORDANT,
    ECART,
    DeclaredPlatformStay,
    Lodging,
    StatementError,
    StatementLine,
    match,
    parse_statement,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platform_statements"
HEADER = ";".join(COLUMNS)
S1 = (date(2026, 1, 1), date(2026, 6, 30))

LILAS = Lodging(1, "ENR-07019-000012", "Gîte des Lilas", "12 rue des Lilas", "07200", "Aubenas",
                1, "Martin Élodie")
PONT = Lodging(2, "ENR-07019-000013", "Studio du Pont", "4 place du Pont", "07200", "Aubenas",
               1, "Martin Élodie")
GARE = Lodging(3, None, "Maison de la Gare", "8 avenue de la Gare", "07200", "Aubenas", 2,
               "Durand Paul")
EGLISE = Lodging(4, None, "Chambre de l'Église", "15 rue de l'Église", "07200", "Aubenas", 3,
                 "Petit Louis")
CRETES = Lodging(5, None, "Mas des Crêtes", "7 chemin des Crêtes", "07200", "Aubenas", 3,
                 "Petit Louis")
AIRETTE_1 = Lodging(6, None, "Appartement Airette 1", "2 place de l'Airette", "07200", "Aubenas",
                    4, "Roux Claire")
AIRETTE_2 = Lodging(7, None, "Appartement Airette 2", "2 place de l'Airette", "07200", "Aubenas",
                    4, "Roux Claire")
JAURES = Lodging(8, None, "Gîte Jaurès", "5 rue Jean-Jaurès", "07200", "Aubenas", 5,
                 "Blanc Hugo")
OLIVIERS = Lodging(9, None, "Villa des Oliviers", "21 route de Vals", "07200", "Aubenas", 6,
                   "Garnier Anne")
LILAS_VILLENEUVE = Lodging(10, None, "Les Lilas", "12 rue des Lilas", "07170",
                           "Villeneuve-de-Berg", 7, "Durand Paul")
COEUR = Lodging(11, None, "Studio du Cœur", "3 rue du Cœur", "07200", "Aubenas", 8, "Faure Léa")
LODGINGS = [LILAS, PONT, GARE, EGLISE, CRETES, AIRETTE_1, AIRETTE_2, JAURES, OLIVIERS,
            LILAS_VILLENEUVE, COEUR]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def statement(*lines: str, header: str = HEADER, separator: str = ";") -> bytes:
    return "\n".join((header.replace(";", separator), *lines, "")).encode()


def line(number: int, address: str, person_nights: int, amount: str, *,
         reference: str | None = None, platform: str = "Airbnb", postal_code: str = "07200",
         start: date = S1[0], end: date = S1[1], persons: int = 2) -> StatementLine:
    return StatementLine(number, platform, start, end, f"L{number}", address, postal_code,
                         "Aubenas", reference, person_nights, persons, Decimal(amount))


def stay(lodging: Lodging, arrival: str, departure: str, persons: int, exempt: int = 0,
         platform: str = "Airbnb") -> DeclaredPlatformStay:
    return DeclaredPlatformStay(lodging.id, platform, date.fromisoformat(arrival),
                                date.fromisoformat(departure), persons, exempt)


def refused(data: bytes) -> StatementError:
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    return caught.value


# Reading ---------------------------------------------------------------------------------------


def test_the_fixture_is_read_line_by_line():
    lines = parse_statement(fixture("airbnb_2026_s1.csv"))
    assert [item.line for item in lines] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert lines[0] == StatementLine(2, "Airbnb", date(2026, 1, 1), date(2026, 6, 30), "48213377",
                                     "12 rue des Lilas", "07200", "Aubenas", "ENR-07019-000012",
                                     10, 4, Decimal("18.70"))
    assert lines[3].address == "15, R. DE L'EGLISE"  # a quoted value keeps its separator
    assert lines[2].hebergement_reference is None
    assert sum(item.person_nights for item in lines) == 152
    assert sum(item.amount for item in lines) == Decimal("284.24")
    # 1,87 € per person-night on every line
    assert all(item.amount == item.person_nights * Decimal("1.87") for item in lines)


def test_bom_header_case_accents_and_decimal_point():
    header = "\ufeffPlateforme;Période début;PERIODE_FIN;Reference_Annonce;ADRESSE;code_postal;" \
             "Commune;hebergement_reference;Nuitées;personnes;Montant_Collecté"
    data = statement("airbnb;01/01/2026;30/06/2026;X1;12 rue des Lilas;07200;Aubenas;;10;4;18.70",
                     header=header)
    assert data.startswith(b"\xef\xbb\xbf")
    [read] = parse_statement(data)
    assert (read.platform, read.start, read.end, read.amount) == (
        "airbnb", date(2026, 1, 1), date(2026, 6, 30), Decimal("18.70"))


def test_windows_1252():
    data = statement("Airbnb;01/01/2026;30/06/2026;X1;15 rue de l'Église;07200;Aubenas;;12;4;"
                     "22,44").decode().encode("cp1252")
    [read] = parse_statement(data)
    assert read.address == "15 rue de l'Église"
    assert read.amount == Decimal("22.44")


def test_comma_separator_with_a_quoted_decimal_comma():
    data = statement('Airbnb,1/1/2026,30/06/2026,X1,"8 av. de la Gare",07200,Aubenas,,36,9,'
                     '"67,32"', 'Airbnb,01/01/2026,30/06/2026,X2,4 place du Pont,07200,Aubenas,'
                     'ENR-07019-000013,24,8,44.88', separator=",")
    first, second = parse_statement(data)
    assert (first.start, first.amount, first.person_nights) == (date(2026, 1, 1),
                                                                Decimal("67.32"), 36)
    assert (second.hebergement_reference, second.amount) == ("ENR-07019-000013",
                                                              Decimal("44.88"))


def test_an_unquoted_decimal_comma_in_a_comma_file_is_explained():
    error = refused(statement("Airbnb,01/01/2026,30/06/2026,X1,8 av. de la Gare,07200,Aubenas,,"
                              "36,9,67,32", separator=","))
    assert error.errors == ["ligne 2 : plus de valeurs que de colonnes (un montant « 12,50 » "
                            "dans un fichier séparé par des virgules doit être entre guillemets)"]


def test_bad_fixture_lists_every_wrong_line_and_returns_nothing():
    error = refused(fixture("bad.csv"))
    assert isinstance(error, UserError)
    assert error.errors == [
        "ligne 3 : periode_debut « 2026-01-01 » invalide (JJ/MM/AAAA) ; periode_fin "
        "« 31/06/2026 » : cette date n'existe pas ; code_postal « 7200 » invalide (5 chiffres)",
        "ligne 4 : reference_annonce : valeur manquante ; nuitees « -3 » invalide (nombre entier "
        "positif ou nul) ; personnes « deux » invalide (nombre entier positif ou nul) ; "
        "montant_collecte « 67,325 » invalide (un montant en euros positif ou nul, deux "
        "décimales au plus : 12,50) ; periode_fin « 30/06/2026 » antérieure à periode_debut "
        "« 01/07/2026 »",
        "ligne 5 : plateforme « Booking.com » différente de « Airbnb » (ligne 2) : un relevé ne "
        "couvre qu'une plateforme",
        "ligne 6 : adresse : valeur manquante ; commune : valeur manquante ; montant_collecte "
        "« 18 €70 » invalide (un montant en euros positif ou nul, deux décimales au plus : "
        "12,50) ; annonce « 48213377 » déjà relevée ligne 2 pour la même période",
    ]
    assert str(error) == ("Le relevé n'est pas importé : 4 lignes à corriger.\n"
                          + "\n".join(error.errors))


@pytest.mark.parametrize(("cells", "reason"), [
    (";01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;1,87", "plateforme : valeur manquante"),
    ("Airbnb;;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;1,87", "periode_debut : valeur manquante"),
    ("Airbnb;01/01/2026;30-06-2026;X1;1 rue A;07200;Aubenas;;1;1;1,87",
     "periode_fin « 30-06-2026 » invalide (JJ/MM/AAAA)"),
    ("Airbnb;29/02/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;1,87",
     "periode_debut « 29/02/2026 » : cette date n'existe pas"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;;Aubenas;;1;1;1,87",
     "code_postal : valeur manquante"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07 2OO;Aubenas;;1;1;1,87",
     "code_postal « 07 2OO » invalide (5 chiffres)"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;;1;1,87",
     "nuitees : valeur manquante"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;2,5;1;1,87",
     "nuitees « 2,5 » invalide (nombre entier positif ou nul)"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;;1,87",
     "personnes : valeur manquante"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;",
     "montant_collecte : valeur manquante"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;-1,87",
     "montant_collecte « -1,87 » invalide (un montant en euros positif ou nul, deux décimales au "
     "plus : 12,50)"),
    ("Airbnb;01/01/2026;30/06/2026;X1;" + "a" * 201 + ";07200;Aubenas;;1;1;1,87",
     "adresse trop long (200 caractères au plus)"),
    ("Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;" + "E" * 65 + ";1;1;1,87",
     "hebergement_reference trop long (64 caractères au plus)"),
])
def test_each_wrong_value_has_its_reason(cells, reason):
    ok = "Airbnb;01/01/2026;30/06/2026;X0;1 rue B;07200;Aubenas;;1;1;1,87"
    assert refused(statement(ok, cells)).errors == [f"ligne 3 : {reason}"]


def test_amounts_and_counts_as_written():
    lines = parse_statement(statement(
        "Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;0;0;0",
        "Airbnb;01/01/2026;30/06/2026;X2;1 rue B;07200;Aubenas;;1 000;250;1 870,00 €",
        "Airbnb;01/01/2026;30/06/2026;X3;1 rue C;07200;Aubenas;;1;1;1,5"))
    assert [(item.person_nights, item.persons, item.amount) for item in lines] == [
        (0, 0, Decimal("0.00")), (1000, 250, Decimal("1870.00")), (1, 1, Decimal("1.50"))]


def test_one_platform_per_statement_aliases_allowed():
    lines = parse_statement(statement(
        "Booking.com;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;1,87",
        "booking;01/01/2026;30/06/2026;X2;1 rue B;07200;Aubenas;;1;1;1,87"))
    assert [item.platform for item in lines] == ["Booking.com", "booking"]
    error = refused(statement(
        "Airbnb;01/01/2026;30/06/2026;X1;1 rue A;07200;Aubenas;;1;1;1,87",
        "Abritel;01/01/2026;30/06/2026;X2;1 rue B;07200;Aubenas;;1;1;1,87",
        "Booking;01/01/2026;30/06/2026;X3;1 rue C;07200;Aubenas;;1;1;1,87"))
    assert error.errors == [
        "ligne 3 : plateforme « Abritel » différente de « Airbnb » (ligne 2) : un relevé ne couvre "
        "qu'une plateforme",
        "ligne 4 : plateforme « Booking » différente de « Airbnb » (ligne 2) : un relevé ne couvre "
        "qu'une plateforme"]


def test_missing_columns_are_named():
    header = "plateforme;periode_debut;periode_fin;adresse;code_postal;commune;nuitees;montant"
    error = refused(statement("Airbnb;01/01/2026;30/06/2026;1 rue A;07200;Aubenas;1;1,87",
                              header=header))
    assert str(error) == (
        "Colonne(s) absente(s) de la ligne d'en-tête du relevé : reference_annonce, "
        "hebergement_reference, personnes, montant_collecte. Colonnes attendues, dans cet "
        f"ordre : {HEADER}.")
    assert error.errors == [str(error)]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Le relevé est vide : sa première ligne doit nommer les colonnes " + HEADER + "."),
    (b"\xef\xbb\xbf\n \n", "Le relevé est vide : sa première ligne doit nommer les colonnes "
     + HEADER + "."),
    (HEADER.encode() + b"\n\n", "Le relevé ne contient aucune ligne après celle des en-têtes."),
    (b"PK\x03\x04rest", "Ce classeur Excel n'est pas lu : enregistrez le relevé au format CSV."),
    ((HEADER + ";nuitees").encode(),
     "Colonne(s) en double dans la ligne d'en-tête du relevé : nuitees."),
])
def test_files_refused_whole(data, message):
    assert str(refused(data)) == message


# Matching --------------------------------------------------------------------------------------


def declared_for_the_fixture() -> list[DeclaredPlatformStay]:
    return [
        stay(LILAS, "2026-02-10", "2026-02-13", 2),            # 6
        stay(LILAS, "2026-05-05", "2026-05-07", 2),            # 4: 10, as Airbnb says
        stay(PONT, "2026-03-01", "2026-03-06", 4),             # 20 where Airbnb says 24
        stay(GARE, "2026-03-14", "2026-03-20", 4, exempt=1),   # 18
        stay(GARE, "2026-06-28", "2026-07-04", 3),             # 18, arrived in the span
        stay(GARE, "2026-07-01", "2026-07-05", 3),             # next half-year: not counted
        stay(CRETES, "2026-04-01", "2026-04-14", 2),           # 26 where Airbnb says 20
        stay(JAURES, "2026-01-02", "2026-01-12", 3, platform="AirBnB"),  # 30
        stay(OLIVIERS, "2026-04-10", "2026-04-14", 2),         # 8: Airbnb paid nothing
        stay(OLIVIERS, "2026-05-10", "2026-05-12", 2, platform="Booking.com"),  # not Airbnb
        stay(LILAS_VILLENEUVE, "2025-12-20", "2025-12-27", 2),  # before the span
    ]


def test_the_fixture_against_the_collectivite():
    result = match(parse_statement(fixture("airbnb_2026_s1.csv")), LODGINGS,
                   declared_for_the_fixture())
    assert (result.platform, result.start, result.end) == ("Airbnb", *S1)
    assert (result.amount_collected, result.person_nights) == (Decimal("284.24"), 152)
    assert [(item.line.line, item.lodging.name, item.matched_by, item.platform_person_nights,
             item.declared_person_nights, item.status, item.difference)
            for item in result.matched] == [
        (2, "Gîte des Lilas", "reference", 10, 10, CONCORDANT, 0),
        (3, "Studio du Pont", "reference", 24, 20, ECART, -4),
        (4, "Maison de la Gare", "address", 36, 36, CONCORDANT, 0),
        (5, "Chambre de l'Église", "address", 12, 0, ECART, -12),
        (6, "Mas des Crêtes", "address", 20, 26, ECART, 6),
        (9, "Gîte Jaurès", "address", 30, 30, CONCORDANT, 0),
    ]
    assert [(item.line, reason) for item, reason in result.unmatched_lines] == [
        (7, "aucun hébergement à l'adresse « 99 boulevard Gambetta, 07200 Aubenas »"),
        (8, "adresse « 2 pl. de l'Airette, 07200 Aubenas » commune à 2 hébergements "
            "(« Appartement Airette 1 », « Appartement Airette 2 ») : seul le numéro "
            "d'enregistrement permet de choisir"),
    ]
    assert result.unmatched_amount == Decimal("37.40")
    assert result.declared_not_paid == [(OLIVIERS, 8)]
    assert [item.line.line for item in result.ecarts] == [3, 5, 6]


def test_reference_ignores_case_and_spaces_and_wins_over_the_address():
    lines = [line(2, "somewhere else entirely", 10, "18.70", reference=" enr-07019- 000012 ")]
    [found] = match(lines, LODGINGS, []).matched
    assert (found.lodging, found.matched_by) == (LILAS, "reference")


def test_unknown_reference_falls_back_to_the_address():
    lines = [line(2, "8 Avenue de la Gare", 4, "7.48", reference="ENR-07019-999999"),
             line(3, "1 impasse Inconnue", 4, "7.48", reference="ENR-07019-999998")]
    result = match(lines, LODGINGS, [])
    assert [(item.lodging, item.matched_by) for item in result.matched] == [(GARE, "address")]
    assert [(item.line, reason) for item, reason in result.unmatched_lines] == [
        (3, "numéro d'enregistrement « ENR-07019-999998 » inconnu et aucun hébergement à "
            "l'adresse « 1 impasse Inconnue, 07200 Aubenas »")]


@pytest.mark.parametrize(("written", "lodging"), [
    ("12, R. des LILAS", LILAS),
    ("12 r des lilas", LILAS),
    ("  12   rue   des   Lilas. ", LILAS),
    ("8 av de la gare", GARE),
    ("8 Av. De La Gare", GARE),
    ("15 rue de l’eglise", EGLISE),
    ("15 RUE DE L'ÉGLISE", EGLISE),
    ("7 ch. des Cretes", CRETES),
    ("7 Chemin des crêtes", CRETES),
    ("5 rue Jean Jaurès", JAURES),
    ("3 rue du Coeur", COEUR),
])
def test_addresses_match_through_abbreviations_accents_and_punctuation(written, lodging):
    [found] = match([line(2, written, 2, "3.74")], LODGINGS, []).matched
    assert (found.lodging, found.matched_by) == (lodging, "address")


@pytest.mark.parametrize(("written", "postal_code"), [
    ("14 rue des Lilas", "07200"),   # the house number counts
    ("rue des Lilas", "07200"),
    ("12 rue des Lilas", "07000"),   # so does the postal code
    ("12 avenue des Lilas", "07200"),
])
def test_near_addresses_do_not_match(written, postal_code):
    result = match([line(2, written, 2, "3.74", postal_code=postal_code)], LODGINGS, [])
    assert result.matched == []
    assert result.unmatched_lines[0][1] == (f"aucun hébergement à l'adresse « {written}, "
                                            f"{postal_code} Aubenas »")


def test_the_postal_code_separates_two_same_addresses():
    lines = [line(2, "12 rue des Lilas", 2, "3.74", postal_code="07170")]
    [found] = match(lines, LODGINGS, []).matched
    assert found.lodging == LILAS_VILLENEUVE


def test_the_reference_settles_an_ambiguous_address():
    airette = [AIRETTE_1, replace(AIRETTE_2, reference="ENR-07019-000020")]
    lines = [line(2, "2 place de l'Airette", 4, "7.48", reference="ENR-07019-000020"),
             line(3, "2 place de l'Airette", 4, "7.48")]
    result = match(lines, airette, [])
    assert [(item.line.line, item.lodging.id) for item in result.matched] == [(2, 7)]
    assert result.unmatched_lines[0][0].line == 3
    assert "commune à 2 hébergements" in result.unmatched_lines[0][1]


def test_concordant_and_ecart_with_exact_differences():
    declared = [stay(GARE, "2026-01-10", "2026-01-13", 5, exempt=2),   # 3 × 3 = 9
                stay(GARE, "2026-06-30", "2026-07-02", 1),             # 2, arrives on the end
                stay(GARE, "2025-12-31", "2026-01-03", 4),             # before: not counted
                stay(PONT, "2026-02-01", "2026-02-08", 2, exempt=2)]   # 0 person-nights
    result = match([line(2, "8 av. de la Gare", 11, "20.57"),
                    line(3, "4 place du Pont", 3, "5.61")], LODGINGS, declared)
    assert [(item.lodging, item.declared_person_nights, item.platform_person_nights, item.status,
             item.difference) for item in result.matched] == [
        (GARE, 11, 11, CONCORDANT, 0), (PONT, 0, 3, ECART, -3)]
    more = match([line(2, "8 av. de la Gare", 8, "14.96")], LODGINGS, declared)
    assert (more.matched[0].status, more.matched[0].difference) == (ECART, 3)


def test_two_listings_of_one_lodging_are_compared_together():
    declared = [stay(LILAS, "2026-03-01", "2026-03-08", 2)]  # 14
    result = match([line(2, "12 rue des Lilas", 6, "11.22"),
                    line(3, "12 r. des Lilas", 8, "14.96")], LODGINGS, declared)
    assert [(item.line.line, item.platform_person_nights, item.declared_person_nights,
             item.status, item.difference, item.other_lines) for item in result.matched] == [
        (2, 14, 14, CONCORDANT, 0, (3,)), (3, 14, 14, CONCORDANT, 0, (2,))]


def test_declared_but_not_paid_only_for_this_platform_and_span():
    declared = [stay(OLIVIERS, "2026-04-10", "2026-04-14", 2),                 # 8
                stay(OLIVIERS, "2026-06-30", "2026-07-03", 3, exempt=1),       # 6
                stay(OLIVIERS, "2026-07-01", "2026-07-03", 2),                 # after the span
                stay(EGLISE, "2026-03-01", "2026-03-03", 1, platform="Abritel"),
                stay(CRETES, "2026-01-01", "2026-01-02", 2, exempt=2),         # 0, yet declared
                stay(LILAS, "2026-02-01", "2026-02-04", 2)]                    # in the statement
    result = match([line(2, "12 rue des Lilas", 6, "11.22")], LODGINGS, declared)
    assert result.declared_not_paid == [(OLIVIERS, 14), (CRETES, 0)]  # by host, then name
    assert result.matched[0].status == CONCORDANT


def test_booking_and_booking_com_are_one_platform():
    declared = [stay(PONT, "2026-02-01", "2026-02-04", 2, platform="booking.com"),    # 6
                stay(PONT, "2026-03-01", "2026-03-03", 2, platform="Booking"),        # 4
                stay(PONT, "2026-04-01", "2026-04-03", 2, platform="www.booking.com"),  # 4
                stay(PONT, "2026-05-01", "2026-05-03", 2, platform="Airbnb"),         # not it
                stay(GARE, "2026-05-01", "2026-05-03", 2, platform=" BOOKING.COM ")]  # 4
    result = match([line(2, "4 place du Pont", 14, "26.18", platform="Booking")], LODGINGS,
                   declared)
    assert result.platform == "Booking.com"
    assert [(item.lodging, item.declared_person_nights, item.status)
            for item in result.matched] == [(PONT, 14, CONCORDANT)]
    assert result.declared_not_paid == [(GARE, 4)]


def test_abritel_aliases_and_the_collectivite_s_own():
    declared = [stay(PONT, "2026-02-01", "2026-02-04", 2, platform="HomeAway"),   # 6
                stay(PONT, "2026-03-01", "2026-03-03", 2, platform="Vrbo"),       # 4
                stay(GARE, "2026-03-01", "2026-03-03", 2, platform="Gîtes de France"),
                stay(GARE, "2026-04-01", "2026-04-03", 1, platform="GDF")]
    abritel = match([line(2, "4 place du Pont", 10, "18.70", platform="Abritel")], LODGINGS,
                    declared)
    assert (abritel.platform, abritel.matched[0].declared_person_nights) == ("Abritel", 10)
    assert abritel.declared_not_paid == []
    gites = match([line(2, "8 avenue de la Gare", 6, "11.22", platform="gites de france")],
                  LODGINGS, declared, platform_aliases={"GDF": "Gîtes de France"})
    assert (gites.matched[0].declared_person_nights, gites.matched[0].status) == (6, CONCORDANT)


def test_matching_refuses_several_platforms_and_unknown_lodgings():
    with pytest.raises(UserError, match="une seule plateforme"):
        match([line(2, "4 place du Pont", 1, "1.87"),
               line(3, "4 place du Pont", 1, "1.87", platform="Booking")], LODGINGS, [])
    with pytest.raises(ValueError, match="unknown hébergement: 99"):
        match([], LODGINGS, [DeclaredPlatformStay(99, "Airbnb", date(2026, 1, 1),
                                                  date(2026, 1, 2), 1, 0)])


def test_an_empty_statement_matches_nothing():
    result = match([], LODGINGS, declared_for_the_fixture())
    assert (result.platform, result.start, result.matched, result.unmatched_lines,
            result.declared_not_paid, result.amount_collected, result.person_nights) == (
        None, None, [], [], [], Decimal("0.00"), 0)
