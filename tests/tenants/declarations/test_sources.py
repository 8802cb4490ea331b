"""Reading stays from the files hosts have: the register and the platforms' exports, each read
from a fixture in its real format down to the exact rows; then the dates a locale leaves
ambiguous, every way a row or a file can be wrong, the size limits and the speed; last, that no
guest's name, phone or address survives the reading."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tenants.declarations.sources import PLATFORM_COLLECTS, Parsed, SourceError, StayRow, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stays"
REGISTER_HEADER = ("arrivee;depart;personnes;exoneres_mineurs;exoneres_saisonniers;"
                   "exoneres_urgence;prix_nuit_ht;canal;plateforme")
AIRBNB_EN = ('"Confirmation code","Status","Guest name","Contact","# of adults","# of children",'
             '"# of infants","Start date","End date","# of nights","Booked","Listing","Earnings"')
AIRBNB_FR = ('"Code de confirmation","Statut","Nom du voyageur","Contact","# des adultes",'
             '"# des enfants","# des bébés","Date de début","Date de fin","# des nuits","Réservée",'
             '"Annonce","Revenus"')


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def stay(line: int, arrival: str, departure: str, persons: int, minors: int = 0,
         seasonal: int = 0, emergency: int = 0, price: str | None = None,
         channel: str = "direct", platform: str | None = None, external_id: str | None = None,
         approximate: bool = False) -> StayRow:
    return StayRow(line, date.fromisoformat(arrival), date.fromisoformat(departure), persons,
                   minors, seasonal, emergency, None if price is None else Decimal(price),
                   channel, platform, external_id, approximate)


def register(*lines: str, header: str = REGISTER_HEADER) -> bytes:
    return "\n".join((header, *lines, "")).encode()


def airbnb(*rows: tuple[str, str, str], header: str = AIRBNB_EN) -> bytes:
    """Reservations with only what a test varies: (start, end, nights)."""
    lines = [header] + [f'"HM{n:08d}","Confirmed","Guest","","1","0","0","{start}","{end}",'
                        f'"{nights}","2026-01-01","Listing","€100.00"'
                        for n, (start, end, nights) in enumerate(rows)]
    return "\n".join(lines).encode()


# ---- each format, read from a fixture in its real shape -------------------------------------

def test_the_register_in_utf8_with_semicolons():
    parsed = parse(fixture("registre.csv"))
    assert (parsed.format, parsed.label) == ("registre", "registre du logeur")
    assert parsed.rows == [
        stay(2, "2026-07-01", "2026-07-05", 4, minors=2, price="85.50"),
        stay(3, "2026-07-03", "2026-07-04", 2, price="120.00", channel="plateforme",
             platform="Airbnb"),
        stay(4, "2026-07-10", "2026-07-17", 3, seasonal=1, channel="plateforme",
             platform="Abritel"),
        stay(6, "2026-12-28", "2027-01-02", 1, emergency=1, price="0.00", platform="Booking.com"),
    ]
    assert parsed.skipped == parsed.errors == []
    assert [row.nights for row in parsed.rows] == [4, 1, 7, 5]
    assert str(parsed.rows[0].price_per_night) == "85.50"


def test_the_register_saved_by_excel_in_cp1252_with_commas_and_its_own_column_order():
    parsed = parse(fixture("registre_cp1252.csv"))
    assert parsed.rows == [
        stay(2, "2026-02-14", "2026-02-16", 2, price="62.00", channel="plateforme",
             platform="Gîtes de France"),
        stay(3, "2026-02-20", "2026-02-27", 5, minors=3, price="48.50", channel="plateforme",
             platform="Clévacances"),
        stay(4, "2026-03-01", "2026-03-02", 1),
    ]
    assert parsed.errors == []


def test_airbnb_reservations_in_english():
    parsed = parse(fixture("airbnb_reservations_en.csv"))
    assert (parsed.format, parsed.label) == ("airbnb", "export des réservations Airbnb")
    assert parsed.rows == [
        stay(2, "2026-07-03", "2026-07-06", 3, minors=1, price="100.00", channel="plateforme",
             platform="Airbnb", external_id="HMABCD1234", approximate=True),
        # before 2019 Airbnb did not collect the tax: the host did
        stay(4, "2018-12-28", "2019-01-02", 2, minors=1, price="202.50", platform="Airbnb",
             external_id="HMIJKL9012", approximate=True),
        stay(5, "2026-07-20", "2026-07-27", 4, price="93.57", channel="plateforme",
             platform="Airbnb", external_id="HMMNOP3456", approximate=True),  # 655 ÷ 7
    ]
    assert parsed.skipped == ["ligne 3 : réservation annulée (Canceled by guest), ignorée."]
    assert parsed.errors == []


def test_airbnb_reservations_in_french():
    parsed = parse(fixture("airbnb_reservations_fr.csv"))
    assert parsed.rows == [
        stay(2, "2026-08-03", "2026-08-05", 2, price="61.73", channel="plateforme",
             platform="Airbnb", external_id="HMFR000001", approximate=True),  # 123,45 ÷ 2
        stay(4, "2026-07-18", "2026-07-25", 5, minors=3, price="150.00", channel="plateforme",
             platform="Airbnb", external_id="HMFR000003", approximate=True),
        stay(5, "2026-09-01", "2026-09-02", 1, price="80.00", channel="plateforme",
             platform="Airbnb", external_id="HMFR000004", approximate=True),
    ]
    assert parsed.skipped == ["ligne 3 : réservation annulée (Annulée par le voyageur), ignorée."]
    assert parsed.errors == []


@pytest.mark.parametrize("order", ["reservations first", "transactions first"])
def test_airbnb_transactions_give_the_price_of_the_reservations_they_pay(order):
    files = [fixture("airbnb_reservations_en.csv"), fixture("airbnb_transactions_en.csv")]
    parsed = parse(*(files if order == "reservations first" else files[::-1]))
    assert parsed.label == "export des réservations Airbnb et relevé des transactions"
    assert parsed.rows == [
        stay(2, "2026-07-03", "2026-07-06", 3, minors=1, price="110.00", channel="plateforme",
             platform="Airbnb", external_id="HMABCD1234", approximate=True),  # gross 330 ÷ 3
        stay(4, "2018-12-28", "2019-01-02", 2, minors=1, price="202.50", platform="Airbnb",
             external_id="HMIJKL9012", approximate=True),  # no transaction: its earnings
        stay(5, "2026-07-20", "2026-07-27", 4, price="175.23", channel="plateforme",
             platform="Airbnb", external_id="HMMNOP3456", approximate=True),  # 1,226.60 ÷ 7
    ]
    assert parsed.skipped == [
        "ligne 3 : réservation annulée (Canceled by guest), ignorée.",
        "ligne 4 du relevé des transactions : type « Adjustment », pas une réservation, ignorée.",
        "ligne 6 du relevé des transactions : réservation HMZZZZ9999 absente de l'export des "
        "réservations, ignorée.",
    ]
    assert parsed.errors == []


def test_transactions_without_gross_earnings_use_the_amount_and_add_up_monthly_rows():
    transactions = (
        b"Date,Type,Confirmation Code,Start date,Nights,Currency,Amount,Gross earnings\n"
        b"07/04/2026,Reservation,HMABCD1234,07/03/2026,3,EUR,100.00,\n"
        b"08/04/2026,Reservation,HMABCD1234,07/03/2026,3,EUR,50.50,\n")
    parsed = parse(fixture("airbnb_reservations_en.csv"), transactions)
    assert parsed.rows[0].price_per_night == Decimal("50.17")  # 150.50 ÷ 3


def test_airbnb_transactions_alone_are_refused_for_want_of_guest_counts():
    with pytest.raises(SourceError) as error:
        parse(fixture("airbnb_transactions_en.csv"))
    assert str(error.value) == ("Le relevé des transactions Airbnb ne donne pas le nombre de "
                                "voyageurs : joignez-lui l'export des réservations Airbnb, qu'il "
                                "complète.")


def test_a_second_file_is_only_the_airbnb_transactions():
    with pytest.raises(SourceError, match="^Un second fichier n'est lu qu'avec"):
        parse(fixture("registre.csv"), fixture("airbnb_transactions_en.csv"))
    with pytest.raises(SourceError, match="^Un second fichier"):
        parse(fixture("airbnb_reservations_en.csv"), fixture("airbnb_reservations_fr.csv"))


def test_booking_reservations_in_english():
    parsed = parse(fixture("booking_reservations_en.csv"))
    assert (parsed.format, parsed.label) == ("booking", "export des réservations Booking.com")
    assert parsed.rows == [
        stay(2, "2026-07-04", "2026-07-07", 3, minors=1, price="42.21", platform="Booking.com",
             external_id="4012345678", approximate=True),  # 126.6314 EUR ÷ 3
        stay(4, "2026-08-01", "2026-08-08", 2, price="100.07", platform="Booking.com",
             external_id="4034567890", approximate=True),  # no Adults: Children (empty) minors
    ]
    assert parsed.skipped == [
        "ligne 3 : réservation annulée (cancelled_by_guest), ignorée.",
        "ligne 5 : réservation non honorée (no_show), ignorée.",
        "ligne 6 : réservation annulée le 2026-08-20, ignorée.",
    ]
    assert parsed.errors == []


def test_booking_reservations_in_french_latin1_with_semicolons():
    parsed = parse(fixture("booking_reservations_fr.csv"))
    assert parsed.rows == [
        stay(2, "2026-07-11", "2026-07-16", 3, minors=1, price="85.11", platform="Booking.com",
             external_id="5012345678", approximate=True),  # 425,53 EUR ÷ 5
        stay(4, "2026-08-03", "2026-08-10", 2, price="90.00", platform="Booking.com",
             external_id="5034567890", approximate=True),
    ]
    assert parsed.skipped == ["ligne 3 : réservation annulée (cancelled_by_hotel), ignorée."]


def test_booking_without_a_known_book_number_column_takes_the_first_one():
    text = ("Réf.;Réservé par;Arrivée;Départ;Statut;Personnes;Tarif;Durée (nuits)\n"
            "77;Nom, Prénom;2026-07-01;2026-07-03;ok;2;100 EUR;2\n")
    assert parse(text.encode("latin-1")).rows[0].external_id == "77"


def test_booking_persons_are_adults_and_children_when_persons_is_empty():
    text = ("Book number,Check-in,Check-out,Status,Persons,Adults,Children,Price\n"
            "1,2026-07-01,2026-07-03,ok,,2,3,\n")
    assert parse(text.encode()).rows == [stay(2, "2026-07-01", "2026-07-03", 5, minors=3,
                                              platform="Booking.com", external_id="1")]


def test_booking_xls_is_refused_with_the_way_to_get_a_csv():
    with pytest.raises(SourceError) as error:
        parse(fixture("booking_reservations.xls"))
    assert str(error.value) == ("Le fichier .xls de Booking.com n'est pas lu : exportez les "
                                "réservations au format CSV depuis l'extranet.")


def test_booking_headers_from_an_html_export_are_normalised():
    text = ("Book&nbsp;number,\u00a0Check-in ,CHECK-OUT,Status,  Persons,Adults,Price\n"
            "9,2026-07-01,2026-07-02,ok,1,1,50 EUR\n")
    assert parse(text.encode()).rows[0].external_id == "9"


def test_the_platforms_that_collect_and_since_when_are_a_setting():
    assert PLATFORM_COLLECTS == {"Airbnb": date(2019, 1, 1)}
    later = parse(fixture("airbnb_reservations_en.csv"),
                  collected_since={"Airbnb": date(2026, 7, 10)})
    assert [row.channel for row in later.rows] == ["direct", "direct", "plateforme"]
    booking = parse(fixture("booking_reservations_en.csv"),
                    collected_since={"Booking.com": date(2019, 1, 1)})
    assert {row.channel for row in booking.rows} == {"plateforme"}
    assert {row.channel for row in parse(fixture("airbnb_reservations_fr.csv"),
                                         collected_since={}).rows} == {"direct"}


# ---- dates a locale leaves ambiguous ---------------------------------------------------------

@pytest.mark.parametrize(("header", "rows", "expected"), [
    (AIRBNB_EN, [("07/03/2026", "07/06/2026", 3)], ("2026-07-03", "2026-07-06")),  # MDY
    (AIRBNB_FR, [("07/03/2026", "10/03/2026", 3)], ("2026-03-07", "2026-03-10")),  # DMY
    # one day above 12, in any row, settles the file whatever its language
    (AIRBNB_EN, [("07/03/2026", "08/03/2026", 1), ("25/12/2026", "27/12/2026", 2)],
     ("2026-03-07", "2026-03-08")),
    (AIRBNB_FR, [("07/03/2026", "07/06/2026", 3), ("12/25/2026", "12/27/2026", 2)],
     ("2026-07-03", "2026-07-06")),
    (AIRBNB_FR, [("7/3/26", "9/3/26", 2)], ("2026-03-07", "2026-03-09")),  # D/M/YY
    (AIRBNB_EN, [("2026-07-03", "2026-07-05", 2)], ("2026-07-03", "2026-07-05")),
])
def test_airbnb_dates_are_read_one_way_for_the_whole_file(header, rows, expected):
    parsed = parse(airbnb(*rows, header=header))
    assert parsed.errors == []
    first = parsed.rows[0]
    assert (first.arrival.isoformat(), first.departure.isoformat()) == expected


def test_rows_against_the_order_of_the_file_are_errors():
    parsed = parse(airbnb(("25/12/2026", "27/12/2026", 2), ("01/02/2026", "02/02/2026", 1)))
    assert (parsed.errors, parsed.rows[1].arrival) == ([], date(2026, 2, 1))  # English, yet DMY
    parsed = parse(airbnb(("25/12/2026", "27/12/2026", 2), ("12/28/2026", "12/30/2026", 2)))
    assert parsed.errors == ["ligne 2 : date d'arrivée « 25/12/2026 » invalide ; date de départ "
                             "« 27/12/2026 » invalide"]  # both ways at once: the language decides


# ---- rows that are wrong: all their reasons, by line ----------------------------------------

def test_register_rows_are_checked_and_every_reason_is_given():
    parsed = parse(register(
        "01/07/2026;05/07/2026;2;0;0;0;50;direct;",                      # 2: fine
        "03/07/2026;02/07/2026;2;3;0;0;;direct;",                        # 3
        "",                                                              # 4: ignored
        "31/02/2026;xx;0;;;;12,345;avion;",                              # 5
        "01/01/2026;05/01/2027;1000;-1;;;-5;plateforme;",                # 6
        "01/07/2026;02/07/2026;3;2;1;1;9.5 €;PLATEFORME;Airbnb",         # 7
        "01/07/2026;02/07/2026;2;;;;;direct;;en trop",                   # 8
        ";;;;;;;direct;",                                                # 9
    ))
    assert parsed.errors == [
        "ligne 3 : date de départ « 02/07/2026 » antérieure ou égale à l'arrivée ; "
        "3 personnes exonérées pour 2 personnes",
        "ligne 5 : date d'arrivée « 31/02/2026 » invalide (JJ/MM/AAAA) ; date de départ « xx » "
        "invalide (JJ/MM/AAAA) ; prix par nuit « 12,345 » : 2 décimales au plus ; canal « avion » "
        "invalide (direct ou plateforme) ; nombre de personnes « 0 » hors des bornes (de 1 à 999)",
        "ligne 6 : séjour de 369 nuits : 366 au plus ; exonérés mineurs « -1 » invalide (nombre "
        "entier positif ou nul) ; prix par nuit « -5 » négatif ; plateforme manquante pour le "
        "canal plateforme ; nombre de personnes « 1000 » hors des bornes (de 1 à 999)",
        "ligne 7 : 4 personnes exonérées pour 3 personnes",
        "ligne 8 : plus de valeurs que de colonnes (séparateur dans une valeur ?)",
        "ligne 9 : date d'arrivée : valeur manquante ; date de départ : valeur manquante ; "
        "nombre de personnes : valeur manquante",
    ]
    assert parsed.rows == [stay(2, "2026-07-01", "2026-07-05", 2, price="50.00")]


def test_line_numbers_count_the_lines_of_a_value_spread_over_several():
    text = ("Book number,Check-in,Check-out,Status,Persons,Remarks,Price\n"
            '1,2026-07-01,2026-07-02,ok,1,"arrivée tardive\nvers 23 h",50 EUR\n'
            "2,2026-07-05,2026-07-04,ok,1,,50 EUR\n")
    assert parse(text.encode()).errors == [
        "ligne 4 : date de départ « 2026-07-04 » antérieure ou égale à l'arrivée"]


def test_the_nights_an_export_states_must_match_its_dates():
    assert parse(airbnb(("07/03/2026", "07/06/2026", 4))).errors == [
        "ligne 2 : durée « 4 » différente des 3 nuits entre les dates"]
    booking = ("Book number,Check-in,Check-out,Status,Persons,Adults,Price,Duration (nights)\n"
               "1,2026-07-01,2026-07-03,ok,2,3,100 EUR,3\n")
    assert parse(booking.encode()).errors == [
        "ligne 2 : durée « 3 » différente des 2 nuits entre les dates ; 3 adultes pour 2 "
        "personnes"]


def test_an_amount_in_another_currency_is_an_error():
    text = AIRBNB_EN + '\n"HM1","Confirmed","","","1","0","0","2026-07-01","2026-07-02","1",' \
                       '"2026-01-01","Listing","$120.00"\n'
    assert parse(text.encode()).errors == [
        "ligne 2 : revenus « $120.00 » dans une autre devise que l'euro"]


def test_airbnb_requests_that_never_became_stays_are_skipped():
    text = AIRBNB_EN + '\n"HM1","Expired","","","1","0","0","2026-07-01","2026-07-02","1",' \
                       '"2026-01-01","Listing",""\n'
    parsed = parse(text.encode())
    assert (parsed.rows, parsed.skipped) == ([], ["ligne 2 : réservation expirée (Expired), "
                                                  "ignorée."])


# ---- files that cannot be read at all --------------------------------------------------------

def test_an_unknown_header_is_refused_with_the_headers_found():
    with pytest.raises(SourceError) as error:
        parse(b"Nom;Date;Montant\nDupont;01/07/2026;50\n")
    assert str(error.value) == ("Ce fichier n'est ni le registre du logeur ni un export Airbnb ou "
                                "Booking.com reconnu ; colonnes trouvées : « nom », « date », "
                                "« montant ».")


def test_a_register_header_must_have_every_column_and_no_other():
    header = REGISTER_HEADER.replace("exoneres_urgence;", "") + ";commentaire"
    with pytest.raises(SourceError) as error:
        parse(register("01/07/2026;02/07/2026;1;0;0;;direct;;", header=header))
    assert str(error.value) == ("La ligne d'en-tête du registre ne convient pas : colonne(s) "
                                "absente(s) : exoneres_urgence ; colonne(s) inconnue(s) : "
                                "commentaire.")


def test_a_payout_statement_without_guest_counts_is_refused_with_what_to_export():
    with pytest.raises(SourceError, match="^Le relevé des versements Booking.com"):
        parse(b"Type,Statement Descriptor,Reference number,Check-in date\n")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Le fichier est vide."),
    (b"\n \n", "Le fichier est vide."),
    (REGISTER_HEADER.encode() + b"\n\n", "Le fichier ne contient aucune ligne après celle des "
                                         "en-têtes."),
    (b"PK\x03\x04rest", "Ce classeur Excel n'est pas lu : enregistrez-le au format CSV."),
])
def test_empty_or_binary_files_are_refused(data, message):
    with pytest.raises(SourceError) as error:
        parse(data)
    assert str(error.value) == message


def test_separators_and_byte_order_marks_are_recognised():
    row = "01/07/2026;02/07/2026;1;0;0;0;50;direct;"
    expected = [stay(2, "2026-07-01", "2026-07-02", 1, price="50.00")]
    assert parse(b"\xef\xbb\xbf" + register(row)).rows == expected
    assert parse(register(row).replace(b";", b"\t")).rows == expected
    assert parse(register(row).replace(b";", b",")).rows == expected
    assert parse(register(row).decode().encode("utf-16")).rows == expected


# ---- size and speed --------------------------------------------------------------------------

def generated_register(count: int) -> bytes:
    lines, first = [], date(2026, 1, 1)
    for n in range(count):
        arrival = first + timedelta(days=n % 360)
        departure = arrival + timedelta(days=1 + n % 14)
        channel = "plateforme;Airbnb" if n % 3 == 0 else "direct;"
        lines.append(f"{arrival:%d/%m/%Y};{departure:%d/%m/%Y};{1 + n % 6};{n % 2};;0;"
                     f"{40 + n % 90},{n % 100:02d};{channel}")
    return register(*lines)


def test_more_than_20000_rows_are_refused():
    assert len(parse(generated_register(20_000)).rows) == 20_000
    with pytest.raises(SourceError) as error:
        parse(generated_register(20_001))
    assert str(error.value) == "Le fichier dépasse 20 000 lignes : découpez-le."


def test_10000_register_lines_are_all_read():
    """(How fast: `bench/declarations.py`.)"""
    parsed = parse(generated_register(10_000))
    assert (len(parsed.rows), parsed.errors) == (10_000, [])


# ---- privacy -----------------------------------------------------------------------------------

PERSONAL = {
    "airbnb_reservations_en.csv": ["Emma", "Thompson", "O'Brien", "Rossi", "Müller", "+44",
                                   "7700 900123", "+49 151"],
    "airbnb_reservations_fr.csv": ["Camille", "Martin", "Bernard", "Chloé", "Durand", "+33 6"],
    "booking_reservations_en.csv": ["Schmidt", "Anna", "Dupuis", "Giulia", "Smith", "Garcia",
                                    "Hauptstra", "Berlin", "rue de la Paix", "Milano", "+49 30",
                                    "+39", "Madrid", "London"],
    "booking_reservations_fr.csv": ["Lefèvre", "Hélène", "Moreau", "Roux", "Benoît", "Lyon",
                                    "Église", "Tilleuls", "Bruxelles", "+33 4", "+32"],
}


@pytest.mark.parametrize("name", sorted(PERSONAL))
def test_no_guest_name_contact_or_address_is_kept(name):
    parsed: Parsed = parse(fixture(name))
    if name == "airbnb_reservations_en.csv":
        parsed = parse(fixture(name), fixture("airbnb_transactions_en.csv"))
    kept = repr(parsed)
    assert parsed.rows
    for personal in PERSONAL[name] + (["Olivia", "Brown", "IBAN"] if "airbnb_r" in name else []):
        assert personal not in kept, personal
