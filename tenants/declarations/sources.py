"""A host's stays, read from the file they already have: the product's register, or a platform's
export (Airbnb reservations, with its transaction history if given; Booking.com reservations).

The file is recognised by its header, never by its name, since hosts rename files. Each row
becomes a `StayRow`; cancelled bookings are reported in `skipped`, and every wrong row in
`errors` with all its reasons at once, so the host fixes the file in one go (the caller imports
nothing while there is an error). Only what the tax needs is read: guest names, contacts, phones
and addresses are never looked at. Platform amounts cover the whole stay and include fees, so the
price per night drawn from them is flagged approximate for the host to confirm. The formats and
their sources are in the reference on booking exports (`§` below). Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

MAX_ROWS = 20_000
MAX_NIGHTS = 366
MAX_PERSONS = 999
MAX_PLATFORM = 100
MAX_AMOUNT = Decimal(10_000_000)  # a stay's price, said "10 millions": hundredths hold it
CENT = Decimal("0.01")
PLATFORM_COLLECTS = {"Airbnb": date(2019, 1, 1)}  # since when each platform collects the tax

REGISTER_COLUMNS = ("arrivee", "depart", "personnes", "exoneres_mineurs", "exoneres_saisonniers",
                    "exoneres_urgence", "prix_nuit_ht", "canal", "plateforme")
CHANNELS = ("direct", "plateforme")
COUNTS = {str(number): number for number in range(MAX_PERSONS + 1)}  # int() for most cells
AIRBNB = {"code": ("confirmation code", "code de confirmation"), "status": ("status", "statut"),
          "adults": ("# of adults", "# des adultes"), "start": ("start date", "date de début"),
          "children": ("# of children", "# des enfants"), "end": ("end date", "date de fin"),
          "infants": ("# of infants", "# des bébés"), "nights": ("# of nights", "# des nuits"),
          "earnings": ("earnings", "revenus")}
TRANSACTIONS = {"type": ("type",), "code": AIRBNB["code"], "currency": ("currency", "devise"),
                "gross": ("gross earnings", "revenus bruts"), "amount": ("amount", "montant")}
# The French names of Book number, Adults, Children and Cancellation date are unconfirmed (§2.1).
BOOKING = {"id": ("book number", "numéro de réservation", "n° de réservation", "référence"),
           "status": ("status", "statut"), "arrival": ("check-in", "arrivée"),
           "departure": ("check-out", "départ"), "persons": ("persons", "people", "personnes"),
           "adults": ("adults", "adultes"), "children": ("children", "enfants"),
           "price": ("price", "tarif"), "nights": ("duration (nights)", "durée (nuits)"),
           "cancelled": ("cancellation date", "date d'annulation")}
BOOKING_NAMES = {"booked by", "réservé par", "guest name(s)", "nom du client"}
BOOKING_CANCELLED = {"cancelled_by_guest": "annulée", "cancelled_by_hotel": "annulée",
                     "no_show": "non honorée"}
# Requests that never became stays; the reference names only cancellations (§1.1).
AIRBNB_NOT_STAYS = (("cancel", "annulée"), ("annul", "annulée"), ("declin", "refusée"),
                    ("refus", "refusée"), ("expir", "expirée"))
TRANSACTION_STAYS = {"reservation", "réservation"}
TRANSACTION_SILENT = {"payout", "versement"}  # they only group the rows they pay
REFUSED = (  # known files without guest counts: say which file to bring instead
    ({"statement descriptor"}, "Le relevé des versements Booking.com ne donne pas le nombre de "
     "voyageurs : exportez plutôt la liste des réservations depuis l'extranet."),
    ({"reservation id", "gross booking amount"}, "Le relevé des versements Abritel ne donne pas "
     "le nombre de voyageurs : saisissez ces séjours dans le registre du logeur."),
    ({"reservation number", "total payment"}, "La liste abrégée de Booking.com ne donne pas le "
     "nombre de voyageurs : exportez la liste complète des réservations depuis l'extranet."),
)
TRANSACTIONS_ALONE = ("Le relevé des transactions Airbnb ne donne pas le nombre de voyageurs : "
                      "joignez-lui l'export des réservations Airbnb, qu'il complète.")

SLASH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
PLAIN_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
NOT_NUMBER = re.compile(r"[^\d.,-]")
NOT_CURRENCY = re.compile(r"[\d\s.,+-]")


class SourceError(ValueError):
    """The file cannot be read at all; str(error) is one French sentence."""


@dataclass(frozen=True)
class StayRow:
    line: int                        # its line in the file (the header is line 1)
    arrival: date
    departure: date                  # the morning the guests leave: nights = departure − arrival
    persons: int                     # every occupant, exempt ones included
    exempt_minors: int
    exempt_seasonal: int
    exempt_emergency: int
    price_per_night: Decimal | None  # excluding tax, 2 decimals (the whole accommodation)
    channel: str                     # "direct" or "plateforme" (a platform collected the tax)
    platform: str | None             # "Airbnb", "Booking.com", or the register's text
    external_id: str | None          # confirmation code, book number
    approximate_price: bool          # derived from a platform's amount ÷ nights

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


@dataclass
class Parsed:
    format: str                      # "registre", "airbnb", "booking"
    label: str                       # French: "registre du logeur", "export des réservations …"
    rows: list[StayRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # French lines, one per ignored row
    errors: list[str] = field(default_factory=list)   # "ligne N : raison ; raison": import nothing


@dataclass
class _Table:
    names: list[str]                           # normalised header names, in the file's order
    rows: list[tuple[int, list[str]]]          # line and stripped cells, padded to the header

    def columns(self, spec: dict[str, tuple[str, ...]], required: tuple[str, ...],
                label: str) -> dict[str, int | None]:
        found = {key: next((self.names.index(name) for name in names if name in self.names),
                           None) for key, names in spec.items()}
        missing = [" ou ".join(spec[key][:2]) for key in required if found[key] is None]
        if missing:
            raise SourceError(f"Colonne(s) absente(s) de l'{label} : {', '.join(missing)}.")
        return found

    def each(self, file: str = "") -> Iterator[_Row]:
        width = len(self.names)
        for line, cells in self.rows:
            row = _Row(line, cells, file)
            if len(cells) > width and any(cells[width:]):
                row.reasons.append("plus de valeurs que de colonnes (séparateur dans une valeur ?)")
            yield row


class _Row:
    """A data row being read: its reasons pile up so that the host sees them all at once."""

    __slots__ = ("line", "cells", "reasons", "file")

    def __init__(self, line: int, cells: list[str], file: str) -> None:
        self.line, self.cells, self.reasons, self.file = line, cells, [], file

    @property
    def where(self) -> str:
        return f"ligne {self.line}{self.file}"

    def text(self, index: int | None) -> str:
        return "" if index is None else self.cells[index]

    def count(self, index: int | None, label: str, *, required: bool = False) -> int | None:
        text = self.text(index)
        if (value := COUNTS.get(text)) is not None:
            return value
        if text.isascii() and text.isdigit() and len(text) <= 9:  # not int("1" * 5000)
            return int(text)
        if text:
            self.reasons.append(f"{label} « {text} » invalide (nombre entier positif ou nul)")
        elif required:
            self.reasons.append(f"{label} : valeur manquante")
        else:
            return 0
        return None

    def amount(self, index: int | None, label: str, *, comma_decimal: bool = True,
               places: int | None = None) -> Decimal | None:
        text = self.text(index)
        if not text:
            return None
        try:
            value = _parse_amount(text, comma_decimal)
        except ValueError as error:
            self.reasons.append(f"{label} « {text} » {error}")
            return None
        if value < 0:
            self.reasons.append(f"{label} « {text} » négatif")
        elif value >= MAX_AMOUNT:
            self.reasons.append(f"{label} « {text} » trop grand (moins de 10 millions d'euros)")
        elif places is not None and -int(value.as_tuple().exponent) > places:
            self.reasons.append(f"{label} « {text} » : {places} décimales au plus")
        else:
            return value
        return None

    def dates(self, arrival_at: int | None, departure_at: int | None, day_first: bool,
              nights_at: int | None = None, hint: str = "") -> tuple[date, date] | None:
        found = []
        for index, label in ((arrival_at, "date d'arrivée"), (departure_at, "date de départ")):
            text = self.text(index)
            try:
                found.append(_parse_date(text, day_first))
            except ValueError:
                self.reasons.append(f"{label} « {text} » invalide{hint}" if text else
                                    f"{label} : valeur manquante")
        if len(found) < 2:
            return None
        nights = (found[1] - found[0]).days
        if nights <= 0:
            self.reasons.append(f"date de départ « {self.text(departure_at)} » antérieure ou "
                                "égale à l'arrivée")
        elif nights > MAX_NIGHTS:
            self.reasons.append(f"séjour de {nights} nuits : {MAX_NIGHTS} au plus")
        elif (written := self.text(nights_at)) and written != str(nights):
            self.reasons.append(f"durée « {written} » différente des {nights} nuits entre les "
                                "dates")
        return (found[0], found[1]) if nights > 0 else None

    def keep(self, parsed: Parsed, dates: tuple[date, date] | None, persons: int | None,
             exempt: tuple[int | None, ...], *, channel: str, platform: str | None,
             external_id: str | None = None, price: Decimal | None = None,
             total: Decimal | None = None) -> None:
        """The checks across values come last: each needs the values it compares to be valid."""
        exempted = None if None in exempt else sum(exempt)  # type: ignore[arg-type]
        if persons is not None and not 1 <= persons <= MAX_PERSONS:
            self.reasons.append(f"nombre de personnes « {persons} » hors des bornes (de 1 à "
                                f"{MAX_PERSONS})")
        elif persons is not None and exempted is not None and exempted > persons:
            self.reasons.append(f"{exempted} personnes exonérées pour {persons} "
                                f"personne{'s' if persons > 1 else ''}")
        if self.reasons or dates is None or persons is None:
            if self.reasons:
                parsed.errors.append(f"{self.where} : " + " ; ".join(self.reasons))
            return
        if total is not None:
            price = total / (dates[1] - dates[0]).days
        minors, seasonal, emergency = exempt
        parsed.rows.append(StayRow(
            self.line, dates[0], dates[1], persons, minors or 0, seasonal or 0, emergency or 0,
            None if price is None else price.quantize(CENT, ROUND_HALF_UP), channel, platform,
            external_id, total is not None))


def parse(data: bytes, extra: bytes | None = None, *,
          collected_since: Mapping[str, date] = PLATFORM_COLLECTS) -> Parsed:
    """`extra` can only be Airbnb's transaction history, for its prices; the two files come in
    either order, as a host picks both in one dialog."""
    table = _read(data)
    kind = _detect(table)
    transactions = None
    if extra is not None:
        other = _read(extra)
        if {kind, _detect(other)} != {"airbnb", "transactions"}:
            raise SourceError("Un second fichier n'est lu qu'avec l'export des réservations "
                              "Airbnb : le relevé des transactions Airbnb.")
        table, transactions = (other, table) if kind == "transactions" else (table, other)
        kind = "airbnb"
    if kind == "transactions":
        raise SourceError(TRANSACTIONS_ALONE)
    if not table.rows:
        raise SourceError("Le fichier ne contient aucune ligne après celle des en-têtes.")
    if kind == "registre":
        return _register(table)
    if kind == "booking":
        return _booking(table, collected_since)
    return _airbnb(table, transactions, collected_since)


def _read(data: bytes) -> _Table:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError("Le fichier .xls de Booking.com n'est pas lu : exportez les réservations "
                          "au format CSV depuis l'extranet.")
    if data.startswith(b"PK\x03\x04"):
        raise SourceError("Ce classeur Excel n'est pas lu : enregistrez-le au format CSV.")
    text = decode_text(data)
    if "\x00" in text:
        raise SourceError("Ce fichier n'est pas un fichier texte CSV.")
    header, rows = read_rows(text, (";", ",", "\t"), MAX_ROWS, SourceError,
                             f"Le fichier dépasse {MAX_ROWS:_} lignes : découpez-le."
                             .replace("_", " "), pad=True)
    if header is None:
        raise SourceError("Le fichier est vide.")
    return _Table([_normalise(name) for name in header], rows)


def read_rows(text: str, delimiters: tuple[str, ...], max_rows: int,
              error: type[Exception], too_many: str,
              pad: bool) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """A CSV text's header (None when there is none) and its rows with the line each starts on
    (a quoted value may span several lines), blank lines skipped, the delimiter the header
    uses most (the first of `delimiters` on a tie); `pad` fills short rows to the header's
    width. Shared by the registers and the platforms' statements (`tenants.recovery`)."""
    header_line = re.sub(r'"[^"]*"', "", text.lstrip().partition("\n")[0])
    delimiter = max(delimiters, key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append((line, cells + [""] * (len(header) - len(cells)) if pad else cells))
            if len(rows) > max_rows:
                raise error(too_many)
    except csv.Error:
        raise error(f"Le fichier CSV est mal formé à la ligne {reader.line_num}.") from None
    return header, rows


def decode_text(data: bytes) -> str:
    """Exports are UTF-8, Excel on Windows writes cp1252, Booking's French CSV is Latin-1 (read
    alike but for five bytes no text uses)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16", errors="replace")  # cut short: the header check refuses it
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _normalise(name: str) -> str:
    name = unicodedata.normalize("NFC", name).lower().replace("&nbsp;", " ").replace("\ufeff", "")
    return " ".join(name.split())  # split() takes NBSP for a space too


def _detect(table: _Table) -> str:
    names = set(table.names)
    if names & {"# of adults", "# des adultes"}:
        return "airbnb"
    if "type" in names and names & set(AIRBNB["code"]):
        return "transactions"
    if "book number" in names or {"réservé par", "durée (nuits)"} <= names:
        return "booking"
    for needed, message in REFUSED:
        if needed <= names:
            raise SourceError(message)
    if names & set(REGISTER_COLUMNS):
        return "registre"
    found = ", ".join(f"« {name} »" for name in table.names if name)
    raise SourceError("Ce fichier n'est ni le registre du logeur ni un export Airbnb ou "
                      f"Booking.com reconnu ; colonnes trouvées : {found}.")


@lru_cache(maxsize=4096)  # a file repeats its dates and prices: 10,000 lines stay fast
def _parse_date(text: str, day_first: bool) -> date:
    if match := SLASH_DATE.fullmatch(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        year += 2000 if len(match[3]) == 2 else 0
        return date(year, second, first) if day_first else date(year, first, second)
    if match := ISO_DATE.fullmatch(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    raise ValueError(text)


def _day_first(table: _Table, columns: tuple[int | None, ...], default: bool) -> bool:
    """DD/MM or MM/DD for the whole file, from any part that can only be a day (§5.3); when
    none or both ways show, the language of the headers decides."""
    day_first = month_first = False
    for _line, cells in table.rows:
        for index in columns:
            if index is not None and (match := SLASH_DATE.fullmatch(cells[index])):
                day_first |= int(match[1]) > 12
                month_first |= int(match[2]) > 12
    return day_first if day_first != month_first else default


@lru_cache(maxsize=4096)
def _parse_amount(text: str, comma_decimal: bool) -> Decimal:
    """An amount as exports write it: a currency sign or code, spaces or commas in thousands.
    A lone comma is the decimal one, except in dot-decimal files before exactly three digits."""
    if PLAIN_NUMBER.fullmatch(text) and (comma_decimal or "," not in text):
        return Decimal(text.replace(",", "."))
    currency = NOT_CURRENCY.sub("", text)
    if currency.upper() not in ("", "€", "EUR"):
        foreign = len(currency) == 1 or (len(currency) == 3 and currency.isalpha())
        raise ValueError("dans une autre devise que l'euro" if foreign else "invalide")
    digits = NOT_NUMBER.sub("", text)
    if "," in digits and "." in digits:
        thousands = "," if digits.rfind(",") < digits.rfind(".") else "."
        digits = digits.replace(thousands, "").replace(",", ".")
    elif digits.count(",") == 1 and (comma_decimal or len(digits.rpartition(",")[2]) != 3):
        digits = digits.replace(",", ".")
    else:
        digits = digits.replace(",", "")
    if not NUMBER.fullmatch(digits):
        raise ValueError("invalide")
    return Decimal(digits)


def _channel(platform: str, dates: tuple[date, date] | None,
             collected_since: Mapping[str, date]) -> str:
    since = collected_since.get(platform)
    return "plateforme" if since is not None and dates and dates[0] >= since else "direct"


def _register(table: _Table) -> Parsed:
    missing = [name for name in REGISTER_COLUMNS if name not in table.names]
    unknown = [name for name in table.names if name and name not in REGISTER_COLUMNS]
    if missing or unknown:
        raise SourceError("La ligne d'en-tête du registre ne convient pas : " + " ; ".join(
            f"{label} : {', '.join(names)}" for label, names in (
                ("colonne(s) absente(s)", missing), ("colonne(s) inconnue(s)", unknown)) if names)
            + ".")
    (arrival, departure, persons, minors, seasonal, emergency, price, channel,
     platform) = (table.names.index(name) for name in REGISTER_COLUMNS)
    parsed = Parsed("registre", "registre du logeur")
    for row in table.each():
        dates = row.dates(arrival, departure, True, hint=" (JJ/MM/AAAA)")
        count = row.count(persons, "nombre de personnes", required=True)
        exempt = (row.count(minors, "exonérés mineurs"),
                  row.count(seasonal, "exonérés saisonniers"),
                  row.count(emergency, "exonérés hébergés en urgence"))
        amount = row.amount(price, "prix par nuit", places=2)
        written, named = row.cells[channel], row.cells[platform] or None
        if written.lower() not in CHANNELS:
            row.reasons.append(f"canal « {written} » invalide (direct ou plateforme)")
        elif written.lower() == "plateforme" and named is None:
            row.reasons.append("plateforme manquante pour le canal plateforme")
        if named is not None and len(named) > MAX_PLATFORM:
            row.reasons.append(f"plateforme trop longue ({MAX_PLATFORM} caractères au plus)")
        row.keep(parsed, dates, count, exempt, channel=written.lower(), platform=named,
                 price=amount)
    return parsed


def _airbnb(table: _Table, transactions: _Table | None,
            collected_since: Mapping[str, date]) -> Parsed:
    label = "export des réservations Airbnb"
    at = table.columns(AIRBNB, ("adults", "start", "end"), label)
    day_first = _day_first(table, (at["start"], at["end"]), default="# des adultes" in table.names)
    parsed = Parsed("airbnb", label + (" et relevé des transactions" if transactions else ""))
    paid = Parsed("airbnb", "relevé des transactions")  # reported after the reservations
    earned, first_seen = _earned(transactions, paid) if transactions else ({}, {})
    codes: set[str | None] = set()
    for row in table.each():
        code = row.text(at["code"]) or None
        codes.add(code)
        status = row.text(at["status"])
        not_stay = next((said for word, said in AIRBNB_NOT_STAYS if word in status.lower()), None)
        if not_stay:
            parsed.skipped.append(f"{row.where} : réservation {not_stay} ({status}), ignorée.")
            continue
        dates = row.dates(at["start"], at["end"], day_first, at["nights"])
        adults = row.count(at["adults"], "nombre d'adultes", required=True)
        children = row.count(at["children"], "nombre d'enfants")
        infants = row.count(at["infants"], "nombre de bébés")
        minors = None if children is None or infants is None else children + infants
        total = earned[code] if code in earned else row.amount(at["earnings"], "revenus")
        row.keep(parsed, dates, None if adults is None or minors is None else adults + minors,
                 (minors, 0, 0), channel=_channel("Airbnb", dates, collected_since),
                 platform="Airbnb", external_id=code, total=total)
    parsed.skipped += paid.skipped + [
        f"{where} : réservation {code} absente de l'export des réservations, ignorée."
        for code, where in first_seen.items() if code not in codes]
    parsed.errors += paid.errors
    return parsed


def _earned(table: _Table, paid: Parsed) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Reservation rows summed by code, as a long stay is paid in monthly rows (§1.2); with
    where each code first shows, to report those the reservations export lacks."""
    at = table.columns(TRANSACTIONS, ("type", "code"), "relevé des transactions Airbnb")
    comma_decimal = "montant" in table.names or "revenus bruts" in table.names
    earned: dict[str, Decimal] = {}
    first_seen: dict[str, str] = {}
    for row in table.each(" du relevé des transactions"):
        kind, code = row.text(at["type"]), row.text(at["code"])
        if kind.lower() in TRANSACTION_SILENT:
            continue
        if kind.lower() not in TRANSACTION_STAYS:
            paid.skipped.append(f"{row.where} : type « {kind} », pas une réservation, ignorée.")
            continue
        if not code:
            row.reasons.append("code de confirmation : valeur manquante")
        if (currency := row.text(at["currency"]).upper()) not in ("", "EUR"):
            row.reasons.append(f"montant en {currency} : seuls les euros sont repris")
        source = at["gross"] if row.text(at["gross"]) else at["amount"]
        amount = row.amount(source, "montant", comma_decimal=comma_decimal)
        if row.reasons:
            paid.errors.append(f"{row.where} : " + " ; ".join(row.reasons))
        elif amount is not None:
            earned[code] = earned.get(code, Decimal(0)) + amount
            first_seen.setdefault(code, row.where)
    return earned, first_seen


def _booking(table: _Table, collected_since: Mapping[str, date]) -> Parsed:
    label = "export des réservations Booking.com"
    at = table.columns(BOOKING, ("arrival", "departure"), label)
    if at["persons"] is None and at["adults"] is None:
        raise SourceError(f"Colonne(s) absente(s) de l'{label} : persons ou personnes.")
    if at["id"] is None and table.names[0] not in BOOKING_NAMES:
        at["id"] = 0  # the book number comes first in every layout seen (§2.1)
    parsed = Parsed("booking", label)
    for row in table.each():
        status, cancelled = row.text(at["status"]), row.text(at["cancelled"])
        said = BOOKING_CANCELLED.get(status.lower(), "annulée" if "cancel" in status.lower()
                                     else "")
        if said or cancelled:
            why = f"{said} ({status})" if said else f"annulée le {cancelled}"
            parsed.skipped.append(f"{row.where} : réservation {why}, ignorée.")
            continue
        dates = row.dates(at["arrival"], at["departure"], True, at["nights"])
        adults = row.count(at["adults"], "nombre d'adultes") if row.text(at["adults"]) else None
        children = row.count(at["children"], "nombre d'enfants")
        if row.text(at["persons"]) or adults is None or children is None:
            persons = row.count(at["persons"], "nombre de personnes", required=True)
        else:
            persons = adults + children
        minors = children if adults is None or persons is None else persons - adults
        if minors is not None and minors < 0:
            row.reasons.append(f"{adults} adultes pour {persons} personnes")
        row.keep(parsed, dates, persons, (minors, 0, 0), platform="Booking.com",
                 channel=_channel("Booking.com", dates, collected_since),
                 external_id=row.text(at["id"]) or None, total=row.amount(at["price"], "tarif"))
    return parsed
