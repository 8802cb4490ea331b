"""The platforms' half-yearly statements, read and set against what the hosts declared.

Why: a platform that collects the taxe de séjour (Airbnb, Booking.com, Abritel…) pays it to the
collectivité twice a year with a statement of what it collected, listing by listing. Matching
that statement with the hébergements and with the stays hosts declared "via a platform that
collected the tax" makes sure that nobody is chased for a tax a platform already paid, and that
a host claiming platform stays that no platform paid for is flagged.

The format (one statement = one file for one platform), a CSV with a required header line:

    plateforme;periode_debut;periode_fin;reference_annonce;adresse;code_postal;commune;hebergement_reference;nuitees;personnes;montant_collecte

- columns in this order; their names are read regardless of case (accents and spaces are
  tolerated too: « Période début » is `periode_debut`); other columns are ignored;
- separator `;` or `,` (a decimal comma then needs quotes: "12,50"); UTF-8 with or without BOM,
  or Windows-1252 (Excel's CSV);
- `plateforme`: the platform's name, the same on every line (else the statement is refused);
- `periode_debut`, `periode_fin`: the span the line covers, `JJ/MM/AAAA`;
- `reference_annonce`: the platform's listing id;
- `adresse`, `code_postal` (5 digits), `commune`: the listing's address as the platform has it;
- `hebergement_reference`: optional, the collectivité's registration number when the platform
  knows it (« ENR-07019-000012 »);
- `nuitees`: the number of person-nights taxed (a whole number ≥ 0);
- `personnes`: the number of persons (a whole number ≥ 0);
- `montant_collecte`: the tax collected, in euros, `12,50` or `12.50` (two decimals at most).

Reading is all or nothing: every wrong line is reported at once (« ligne N : raison ; raison »,
the header being line 1) so the statement is fixed in one go, and nothing is returned while one
line is wrong. Pure: no Flask, no SQLAlchemy; the caller turns the hébergements and the declared
stays into the plain values below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from plateforme.errors import UserError
from tenants.declarations import sources

COLUMNS = ("plateforme", "periode_debut", "periode_fin", "reference_annonce", "adresse",
           "code_postal", "commune", "hebergement_reference", "nuitees", "personnes",
           "montant_collecte")
OPTIONAL = frozenset({"hebergement_reference"})
MAX_LINES = 50_000
MAX_LENGTHS = {"plateforme": 100, "reference_annonce": 100, "adresse": 200, "commune": 100,
               "hebergement_reference": 64}  # as long as the hébergements' own columns
CENT = Decimal("0.01")
CONCORDANT, ECART = "concordant", "ecart"
#: Names a platform goes by → the name it is compared under. Keys are written as `_platform_key`
#: reduces them: folded, without "www." nor a final ".com" or ".fr", letters and digits only.
PLATFORM_ALIASES = {"airbnb": "Airbnb", "booking": "Booking.com", "abritel": "Abritel",
                    "homeaway": "Abritel", "vrbo": "Abritel", "abritelhomeaway": "Abritel"}
#: Street words as platforms and hosts abbreviate them; each side is expanded before comparing.
ABBREVIATIONS = {"r": "rue", "av": "avenue", "ave": "avenue", "ch": "chemin", "chem": "chemin",
                 "che": "chemin", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard",
                 "pl": "place", "imp": "impasse", "rte": "route", "all": "allee", "sq": "square",
                 "crs": "cours", "fg": "faubourg", "fbg": "faubourg", "st": "saint",
                 "ste": "sainte", "res": "residence", "ld": "lieu dit", "lieudit": "lieu dit"}
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})  # other signs part words
REPEATS = {"b": "bis", "t": "ter", "q": "quater"}  # "12 b" after a house number is "12 bis"

DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
COUNT_RE = re.compile(r"\d{1,9}")
AMOUNT_RE = re.compile(r"\d{1,12}(?:[.,]\d{1,2})?")
SPACES_RE = re.compile(r"[\s\u00a0\u202f]+")


class StatementError(UserError):
    """The statement is refused; `errors` lists each wrong line (« ligne N : … ») or holds the one
    reason the whole file is refused. str(error) is the French message to show."""

    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors) or [message]


@dataclass(frozen=True)
class StatementLine:
    line: int                          # its line in the file (the header is line 1)
    platform: str                      # as written
    start: date                        # first day the line covers
    end: date                          # last day the line covers (included)
    listing: str                       # the platform's listing id
    address: str
    postal_code: str
    city: str
    hebergement_reference: str | None  # the collectivité's registration number, when known
    person_nights: int                 # person-nights taxed
    persons: int
    amount: Decimal                    # tax collected, two decimals


@dataclass(frozen=True)
class Lodging:
    """An hébergement of the collectivité, as matching needs it."""

    id: int
    reference: str | None              # registration number
    name: str
    address: str
    postal_code: str
    city: str
    host_id: int
    host_name: str


@dataclass(frozen=True)
class DeclaredPlatformStay:
    """A stay a host declared "via a platform that collected the tax"."""

    hebergement_id: int
    platform: str                      # as the host wrote it
    arrival: date
    departure: date                    # the morning the guests leave
    persons: int
    exempt: int                        # exempt persons among them

    @property
    def person_nights(self) -> int:
        return (self.departure - self.arrival).days * max(self.persons - self.exempt, 0)


@dataclass(frozen=True)
class MatchedLine:
    """A statement line and its hébergement. The comparison is the hébergement's: when several
    lines (two listings) lead to one hébergement, their person-nights are added up and each of
    them carries the same comparison, the others' line numbers in `other_lines`."""

    line: StatementLine
    lodging: Lodging
    matched_by: str                    # "reference" or "address"
    platform_person_nights: int        # what the platform taxed for this hébergement
    declared_person_nights: int        # what its host declared via this platform in the span
    status: str                        # CONCORDANT or ECART
    difference: int                    # declared − platform: > 0, the host claims nights unpaid
    other_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Matching:
    platform: str | None               # the name it is compared under (None: empty statement)
    start: date | None                 # the statement's span: first start, last end
    end: date | None
    matched: list[MatchedLine]
    unmatched_lines: list[tuple[StatementLine, str]]   # with the French reason
    declared_not_paid: list[tuple[Lodging, int]]       # with the person-nights declared
    amount_collected: Decimal                          # every line's amount
    person_nights: int                                 # every line's person-nights

    @property
    def ecarts(self) -> list[MatchedLine]:
        return [matched for matched in self.matched if matched.status == ECART]

    @property
    def unmatched_amount(self) -> Decimal:
        return sum((line.amount for line, _reason in self.unmatched_lines), Decimal("0.00"))


# Reading ---------------------------------------------------------------------------------------


def parse_statement(data: bytes) -> list[StatementLine]:
    """Every line of the statement, in the file's order; StatementError (a UserError) listing
    every wrong line, or the one reason the file cannot be read."""
    header, rows = _read(data)
    at = _columns(header)
    if not rows:
        raise StatementError("Le relevé ne contient aucune ligne après celle des en-têtes.")
    lines: list[StatementLine] = []
    errors: list[str] = []
    first_platform: tuple[str, str, int] | None = None  # key, as written, line
    seen: dict[tuple[str, date, date], int] = {}
    for number, cells in rows:
        reasons: list[str] = []
        if len(cells) > len(header) and any(cells[len(header):]):
            reasons.append("plus de valeurs que de colonnes (un montant « 12,50 » dans un fichier "
                           "séparé par des virgules doit être entre guillemets)")
        cell = {name: cells[index] if index < len(cells) else "" for name, index in at.items()}
        platform = _text(cell["plateforme"], "plateforme", reasons)  # the columns' order
        start = _date(cell["periode_debut"], "periode_debut", reasons)
        end = _date(cell["periode_fin"], "periode_fin", reasons)
        listing = _text(cell["reference_annonce"], "reference_annonce", reasons)
        address = _text(cell["adresse"], "adresse", reasons)
        postal_code = _postal_code(cell["code_postal"], "code_postal", reasons)
        city = _text(cell["commune"], "commune", reasons)
        reference = _text(cell["hebergement_reference"], "hebergement_reference", reasons)
        person_nights = _count(cell["nuitees"], "nuitees", reasons)
        persons = _count(cell["personnes"], "personnes", reasons)
        amount = _amount(cell["montant_collecte"], "montant_collecte", reasons)
        if start and end and end < start:  # then what compares lines or values
            reasons.append(f"periode_fin « {cell['periode_fin']} » antérieure à periode_debut "
                           f"« {cell['periode_debut']} »")
        if platform:
            key = _platform_key(platform, PLATFORM_ALIASES)
            if first_platform is None:
                first_platform = (key, platform, number)
            elif key != first_platform[0]:
                reasons.append(f"plateforme « {platform} » différente de « {first_platform[1]} » "
                               f"(ligne {first_platform[2]}) : un relevé ne couvre qu'une "
                               "plateforme")
        if listing and start and end:
            if (before := seen.setdefault((listing.casefold(), start, end), number)) != number:
                reasons.append(f"annonce « {listing} » déjà relevée ligne "
                               f"{before} pour la même période")
        if reasons or None in (start, end, person_nights, persons, amount):  # never the latter
            errors.append(f"ligne {number} : " + " ; ".join(reasons))
            continue
        lines.append(StatementLine(number, platform, start, end, listing, address, postal_code,
                                   city, reference or None, person_nights, persons, amount))
    if errors:
        count = len(errors)
        raise StatementError(
            f"Le relevé n'est pas importé : {count} ligne{'s' if count > 1 else ''} à corriger.\n"
            + "\n".join(errors), errors)
    return lines


def _read(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StatementError("Ce classeur Excel n'est pas lu : enregistrez le relevé au format "
                             "CSV.")
    text = sources.decode_text(data)
    if "\x00" in text:
        raise StatementError("Ce fichier n'est pas un fichier texte CSV.")
    header, rows = sources.read_rows(text, (";", ","), MAX_LINES, StatementError,
                                     f"Le relevé dépasse {MAX_LINES:_} lignes."
                                     .replace("_", " "), pad=False)
    if header is None:
        raise StatementError("Le relevé est vide : sa première ligne doit nommer les colonnes "
                             + ";".join(COLUMNS) + ".")
    return header, rows


def _columns(header: list[str]) -> dict[str, int]:
    names = [_column_name(name) for name in header]
    doubled = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if doubled:
        raise StatementError("Colonne(s) en double dans la ligne d'en-tête du relevé : "
                             + ", ".join(doubled) + ".")
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise StatementError("Colonne(s) absente(s) de la ligne d'en-tête du relevé : "
                             + ", ".join(missing) + ". Colonnes attendues, dans cet ordre : "
                             + ";".join(COLUMNS) + ".")
    return {name: names.index(name) for name in COLUMNS}


def _column_name(name: str) -> str:
    """« Période début », "PERIODE_DEBUT" and "periode-debut" all name `periode_debut`."""
    return re.sub(r"[^a-z0-9]+", "_", _fold(name.replace("\ufeff", ""))).strip("_")


def _text(text: str, column: str, reasons: list[str]) -> str:
    text = " ".join(text.split())
    if not text and column not in OPTIONAL:
        reasons.append(f"{column} : valeur manquante")
    elif len(text) > MAX_LENGTHS[column]:
        reasons.append(f"{column} trop long ({MAX_LENGTHS[column]} caractères au plus)")
    return text


def _postal_code(text: str, column: str, reasons: list[str]) -> str:
    postal_code = SPACES_RE.sub("", text)
    if not postal_code:
        reasons.append(f"{column} : valeur manquante")
    elif not re.fullmatch(r"\d{5}", postal_code):
        reasons.append(f"{column} « {text} » invalide (5 chiffres)")
    return postal_code


def _date(text: str, column: str, reasons: list[str]) -> date | None:
    if not text:
        reasons.append(f"{column} : valeur manquante")
        return None
    if found := DATE_RE.fullmatch(text):
        try:
            return date(int(found[3]), int(found[2]), int(found[1]))
        except ValueError:
            reasons.append(f"{column} « {text} » : cette date n'existe pas")
            return None
    reasons.append(f"{column} « {text} » invalide (JJ/MM/AAAA)")
    return None


def _count(text: str, column: str, reasons: list[str]) -> int | None:
    if not text:
        reasons.append(f"{column} : valeur manquante")
    elif COUNT_RE.fullmatch(SPACES_RE.sub("", text)):
        return int(SPACES_RE.sub("", text))
    else:
        reasons.append(f"{column} « {text} » invalide (nombre entier positif ou nul)")
    return None


def _amount(text: str, column: str, reasons: list[str]) -> Decimal | None:
    written = SPACES_RE.sub("", text).removesuffix("€")
    if not text:
        reasons.append(f"{column} : valeur manquante")
    elif AMOUNT_RE.fullmatch(written):
        return Decimal(written.replace(",", ".")).quantize(CENT)
    else:
        reasons.append(f"{column} « {text} » invalide (un montant en euros positif ou nul, "
                       "deux décimales au plus : 12,50)")
    return None


# Matching --------------------------------------------------------------------------------------


def match(lines: Sequence[StatementLine], lodgings: Iterable[Lodging],
          declared: Iterable[DeclaredPlatformStay],
          platform_aliases: Mapping[str, str] | None = None) -> Matching:
    """Each line to its hébergement (by registration number, else by address), each matched
    hébergement's person-nights compared with those its host declared via this platform for
    stays arriving in the line's span, and the hébergements whose hosts declared such stays
    but which no line names. `platform_aliases` adds names (alias → name) to PLATFORM_ALIASES.

    Every stay must be of one of `lodgings` (ValueError otherwise): a stay left out would hide a
    host from `declared_not_paid`."""
    aliases = {**PLATFORM_ALIASES, **{_platform_key(alias, {}): name
                                      for alias, name in (platform_aliases or {}).items()}}
    lodgings = list(lodgings)
    keys = {_platform_key(line.platform, aliases) for line in lines}
    if len(keys) > 1:
        raise UserError("Un rapprochement ne porte que sur le relevé d'une seule plateforme.")
    key = next(iter(keys), None)
    known = {lodging.id for lodging in lodgings}
    stays: dict[int, list[DeclaredPlatformStay]] = {}
    for stay in declared:
        if stay.hebergement_id not in known:
            raise ValueError(f"stay of an unknown hébergement: {stay.hebergement_id}")
        if _platform_key(stay.platform, aliases) == key:
            stays.setdefault(stay.hebergement_id, []).append(stay)

    by_reference: dict[str, list[Lodging]] = {}
    by_address: dict[tuple[str, str], list[Lodging]] = {}
    for lodging in lodgings:
        if lodging.reference and (reference := _reference_key(lodging.reference)):
            by_reference.setdefault(reference, []).append(lodging)
        if address := _address_key(lodging.address):
            by_address.setdefault((address, _postal_key(lodging.postal_code)), []).append(lodging)

    found: list[tuple[StatementLine, Lodging, str]] = []
    unmatched: list[tuple[StatementLine, str]] = []
    for line in lines:
        lodging, how, reason = _find(line, by_reference, by_address)
        if lodging is None:
            unmatched.append((line, reason))
        else:
            found.append((line, lodging, how))

    groups: dict[int, list[StatementLine]] = {}
    for line, lodging, _how in found:
        groups.setdefault(lodging.id, []).append(line)
    compared: dict[int, tuple[int, int]] = {}
    for lodging_id, group in groups.items():
        declared_nights = sum(stay.person_nights for stay in stays.get(lodging_id, ())
                              if any(line.start <= stay.arrival <= line.end for line in group))
        compared[lodging_id] = (sum(line.person_nights for line in group), declared_nights)
    matched = []
    for line, lodging, how in found:
        platform_nights, declared_nights = compared[lodging.id]
        difference = declared_nights - platform_nights
        matched.append(MatchedLine(
            line, lodging, how, platform_nights, declared_nights,
            CONCORDANT if difference == 0 else ECART, difference,
            tuple(other.line for other in groups[lodging.id] if other is not line)))

    start = min((line.start for line in lines), default=None)
    end = max((line.end for line in lines), default=None)
    declared_not_paid = []
    if start and end:
        for lodging in lodgings:
            in_span = [stay for stay in stays.get(lodging.id, ())
                       if start <= stay.arrival <= end]
            if in_span and lodging.id not in groups:
                declared_not_paid.append((lodging, sum(stay.person_nights for stay in in_span)))
    declared_not_paid.sort(key=lambda item: (item[0].host_name, item[0].name, item[0].id))
    platform = None
    if lines:
        platform = aliases.get(_platform_key(lines[0].platform, {}), lines[0].platform)
    return Matching(platform, start, end, matched, unmatched, declared_not_paid,
                    sum((line.amount for line in lines), Decimal("0.00")),
                    sum(line.person_nights for line in lines))


def _find(line: StatementLine, by_reference: Mapping[str, list[Lodging]],
          by_address: Mapping[tuple[str, str], list[Lodging]]
          ) -> tuple[Lodging | None, str, str]:
    """The line's hébergement, how it was found, or why none was."""
    reference = _reference_key(line.hebergement_reference or "")
    if reference and len(candidates := by_reference.get(reference, [])) == 1:
        return candidates[0], "reference", ""
    where = f"« {line.address}, {line.postal_code} {line.city} »"
    address = _address_key(line.address)
    candidates = by_address.get((address, _postal_key(line.postal_code)), []) if address else []
    if len(candidates) == 1:
        return candidates[0], "address", ""
    if len(candidates) > 1:
        names = ", ".join(f"« {lodging.name} »" for lodging in candidates)
        return None, "", (f"adresse {where} commune à {len(candidates)} hébergements ({names}) : "
                          "seul le numéro d'enregistrement permet de choisir")
    if reference:
        return None, "", (f"numéro d'enregistrement « {line.hebergement_reference} » inconnu et "
                          f"aucun hébergement à l'adresse {where}")
    return None, "", f"aucun hébergement à l'adresse {where}"


def _fold(text: str) -> str:
    """Lower case without accents: « Église » and "EGLISE" are the same word."""
    text = "".join(char if char.isascii() or unicodedata.combining(char) else " "
                   for char in unicodedata.normalize("NFKD", text.translate(LIGATURES)))
    return text.encode("ascii", "ignore").decode().lower().strip()


def _platform_key(name: str, aliases: Mapping[str, str]) -> str:
    """What a platform is compared on: « Booking.com », "booking" and "www.booking.com" are one;
    through `aliases` (reduced keys → name), "HomeAway" is Abritel."""
    key = re.sub(r"[^a-z0-9]+", "", re.sub(r"\.(com|fr)$", "",
                                           _fold(name).removeprefix("www.")))
    if key in aliases:
        return _platform_key(aliases[key], {})
    return key


def _reference_key(reference: str) -> str:
    return SPACES_RE.sub("", reference).casefold()


def _postal_key(postal_code: str) -> str:
    return re.sub(r"\D", "", postal_code)


def _address_key(address: str) -> str:
    """An address as compared: folded, without punctuation, street words expanded, the house
    number kept ("12, R. de l'Église" → "12 rue de l eglise"; "8bis" → "8 bis")."""
    words = re.findall(r"[a-z]+|\d+", _fold(address))
    expanded = []
    for index, word in enumerate(words):
        if index and words[index - 1].isdigit() and word in REPEATS:
            expanded.append(REPEATS[word])
        else:
            expanded.append(ABBREVIATIONS.get(word, word))
    return " ".join(expanded)
