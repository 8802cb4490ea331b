"""The DGFiP's DELTA file: every collectivité's taxe de séjour deliberation, read as a stream.

The file is several megabytes of one-line XML from outside: it is parsed by defusedxml (no DTD,
no entity, so no billion laughs nor external fetch) and streamed, each deliberation dropped once
built, so memory stays flat whatever its size. `read()` consumes only the header (version, date,
grid) and hands back an iterator over the rest of the same stream: a truncated file is found out
only at its end, hence the iterator, not `read()`, raises it; callers load nothing until it is
exhausted. Any problem is one `DeltaError` whose text, in French, says where it is. Unknown
elements are ignored, so a later minor version of the format still loads. Pure: no Flask, no
SQLAlchemy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

SUPPORTED_MAJOR = "2"
MONTHS = {name: number for number, name in enumerate(
    ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
     "octobre", "novembre", "decembre"), start=1)}
REGIMES = {"reel": "reel", "forfaitaire": "forfait"}
ADDITIONAL = {"taxeAdditionnelleDepartementale": "departementale",
              "taxeAdditionnelleRegionale": "regionale", "taxeAdditionnelleLGV": "lgv",
              "taxeAdditionnelleArticleL2531-18": "idfm"}
NATURES, CATEGORIES = range(1, 12), range(1, 10)
#: What it reads is stored in 32-bit integers (amounts and rates as hundredths, nights whole):
#: two decimals at most, below ten million.
DECIMAL_RE = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
DATE_RE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
DAY_MONTH_RE = re.compile(r"([0-9]{1,2})(?:er)?\s+([a-z]+)")
INSEE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
SIREN_RE = re.compile(r"[0-9]{9}")
LEAP_YEAR = 2000  # a (month, day) is checked against a leap year: 29 février is a real day


class DeltaError(ValueError):
    """The file cannot be loaded; str(error) is one French sentence (nothing was loaded)."""


class _Invalid(Exception):
    """A value is wrong; the caller knows where it is and turns it into a DeltaError."""


@dataclass(frozen=True)
class GridLine:          # one category of the legal grid of the file's year
    category: int        # 1–9
    floor: Decimal
    ceiling: Decimal
    unit: str            # "€" or "%"
    label: str


@dataclass(frozen=True)
class Commune:
    insee: str           # 5 characters (2A/2B for Corsica allowed)
    name: str


@dataclass(frozen=True)
class PeriodData:
    start: tuple[int, int]                     # (month, day)
    end: tuple[int, int]                       # (month, day), included
    tariffs: tuple[tuple[int, Decimal], ...]   # (category, amount) sorted by category


@dataclass(frozen=True)
class BandData:
    rate: Decimal                # % abattement
    nights_min: int
    nights_max: int | None       # None: open-ended


@dataclass(frozen=True)
class DeliberationData:
    siren: str                   # the deliberating collectivité
    name: str
    insee: str | None            # the deliberating commune's INSEE (None for an EPCI)
    departement: str | None
    entered_on: date | None      # saisie/date
    adopted_on: date             # deliberation/date
    communes: tuple[Commune, ...]            # covered (a commune's own: itself), in file order
    regimes: tuple[tuple[int, str], ...]     # (nature 1–11, "reel" or "forfait"), sorted
    periods: tuple[PeriodData, ...]          # in file order
    low_rent_night: Decimal | None
    low_rent_week: Decimal | None
    low_rent_month: Decimal | None
    additional: tuple[str, ...]  # sorted codes: "departementale", "idfm", "lgv", "regionale"
    bands: tuple[BandData, ...]


@dataclass
class DeltaFile:
    version: str
    date: date
    year: int                    # date.year
    grid: dict[int, GridLine]    # category → line (from <categories>)
    deliberations: Iterator[DeliberationData]   # streamed: consumed once, lazily


def read(source) -> DeltaFile:
    """source: a path (str or Path) or a binary file object."""
    events = _events(source)
    header: dict[str, Element] = {}
    depth, root = 0, None
    for event, elem in events:
        if event == "start":
            depth += 1
            if depth == 1 and elem.tag != "delta":
                raise DeltaError(f"Fichier DELTA invalide : l'élément racine est « {elem.tag} » "
                                 "au lieu de « delta », rien n'a été chargé.")
            if depth == 1:
                root = elem
            elif depth == 2 and elem.tag == "deliberations":
                return _delta_file(header, _deliberations(events, root, elem))
            continue
        depth -= 1
        if depth == 1:  # a child of the root is complete: keep what the header needs, drop it
            if elem.tag in ("version", "date", "categories"):
                header.setdefault(elem.tag, elem)
            root.remove(elem)
    return _delta_file(header, iter(()))


def _events(source) -> Iterator[tuple[str, Element]]:
    """A DTD is refused outright: DELTA has none, and it is how entity bombs and external
    fetches come in. The parser's errors become one French sentence."""
    try:
        yield from iterparse(source, events=("start", "end"), forbid_dtd=True)
    except ParseError as error:
        line, column = error.position
        raise DeltaError(f"Fichier DELTA tronqué ou mal formé (ligne {line}, colonne "
                         f"{column + 1}) : rien n'a été chargé.") from None
    except DefusedXmlException:
        raise DeltaError("Fichier DELTA refusé : il contient des déclarations (DTD ou entités) "
                         "interdites, rien n'a été chargé.") from None
    except (LookupError, ValueError) as error:  # the encoding its XML declaration names
        if not isinstance(error, LookupError | UnicodeError) and "encoding" not in str(error):
            raise
        raise DeltaError("Fichier DELTA illisible : l'encodage que nomme sa déclaration XML "
                         "n'est pas pris en charge (UTF-8 attendu), rien n'a été chargé.") \
            from None


def _delta_file(header: dict[str, Element], deliberations) -> DeltaFile:
    """The header is checked before any deliberation is read: a file of another version or
    without its grid is refused before it could half-load."""
    version = _text(header.get("version"))
    if version is None or header.get("date") is None or header.get("categories") is None:
        raise DeltaError("Fichier DELTA invalide : l'en-tête (version, date et catégories) est "
                         "incomplet ou placé après les délibérations, rien n'a été chargé.")
    if version.split(".")[0] != SUPPORTED_MAJOR:
        raise DeltaError(f"Version « {version} » du fichier DELTA non prise en charge (seule la "
                         f"version {SUPPORTED_MAJOR} est lue) : rien n'a été chargé.")
    try:
        day = _date(_text(header["date"]), "date du fichier")
        grid = _grid(header["categories"], day.year)
    except _Invalid as error:
        raise DeltaError(f"Fichier DELTA invalide : {error}, rien n'a été chargé.") from None
    return DeltaFile(version, day, day.year, grid, deliberations)


def _grid(categories: Element, year: int) -> dict[int, GridLine]:
    """The grid of the file's year: that of the latest millésime not after it."""
    millesimes = {int(m.get("annee") or 0): m for m in categories.iter("millesime")
                  if (m.get("annee") or "0").isdecimal() and len(m.get("annee") or "") <= 4}
    years = [y for y in millesimes if y <= year] or list(millesimes)
    if not years:
        raise _Invalid("les catégories ne contiennent aucun millésime")
    grid = {}
    for line in millesimes[max(years)].iter("categorie"):
        category = _number(line.get("id"), CATEGORIES, "catégorie de la grille")
        what = f"catégorie {category} de la grille"
        floor = _decimal(line.findtext("tarification/plancher"), f"plancher de la {what}")
        ceiling = _decimal(line.findtext("tarification/plafond"), f"plafond de la {what}")
        unit = _text(line.find("tarification/unite"))
        if floor is None or ceiling is None or floor > ceiling or unit not in ("€", "%"):
            raise _Invalid(f"la {what} n'a pas de plancher, de plafond et d'unité cohérents")
        grid[category] = GridLine(category, floor, ceiling, unit, _text(line.find("libelle")) or "")
    if not grid:
        raise _Invalid("la grille tarifaire est vide")
    return grid


def _deliberations(events, root: Element, container: Element) -> Iterator[DeliberationData]:
    """Each deliberation is cleared once built, and so is the root once they end: left alone,
    iterparse builds the whole tree, about seven times the file's size."""
    depth, number = 2, 0
    for event, elem in events:
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 2 and container is not None:
            built = _deliberation(elem, number + 1) if elem.tag == "deliberation" else None
            container.clear()
            if built is not None:
                number += 1
                yield built
        elif depth == 1:  # the deliberations (or what follows them) are over
            root.clear()
            container = None


def _deliberation(elem: Element, number: int) -> DeliberationData:
    """Its name and SIREN are read first, so that any error can say which deliberation it is."""
    author = elem.find("saisie/collectiviteDeliberante")
    author = author if author is not None else Element("collectiviteDeliberante")
    siren, name = author.get("siren", "").strip(), _text(author.find("nom")) or ""
    said = ", ".join(part for part in (name, siren and f"SIREN {siren}") if part)
    where = f"délibération n° {number}" + (f" ({said})" if said else "")
    try:
        if not SIREN_RE.fullmatch(siren):
            raise _Invalid(f"SIREN « {siren} » invalide" if siren else "SIREN absent")
        adopted = _date(_text(elem.find("date")), "date d'adoption")
        insee = _insee(_text(author.find("codeInsee")))
        covered = tuple(_commune(c) for c in elem.iterfind("collectivites/collectivite"))
        periods = tuple(_period(p, i) for i, p in enumerate(elem.iterfind("periodes/periode"), 1))
        if not periods:
            raise _Invalid("aucune période de perception")
        entered = _text(elem.find("saisie/date"))
        return DeliberationData(
            siren=siren, name=name, insee=insee,
            departement=_text(author.find("departement/numero")),
            entered_on=_date(entered, "date de saisie") if entered else None,
            adopted_on=adopted,
            communes=covered or ((Commune(insee, name),) if insee else ()),
            regimes=_regimes(elem), periods=periods,
            low_rent_night=_decimal(elem.findtext("loyerMaximumNuit"), "loyer maximum par nuit"),
            low_rent_week=_decimal(elem.findtext("loyerMaximumSemaine"),
                                   "loyer maximum par semaine"),
            low_rent_month=_decimal(elem.findtext("loyerMaximumMois"), "loyer maximum par mois"),
            additional=_additional(elem), bands=_bands(elem))
    except _Invalid as error:
        raise DeltaError(f"Fichier DELTA invalide : {where} : {error}.") from None


def _commune(elem: Element) -> Commune:
    insee, name = _insee(_text(elem.find("codeInsee"))), _text(elem.find("nom")) or ""
    if insee is None:
        raise _Invalid(f"la commune couverte « {name} » n'a pas de code INSEE")
    return Commune(insee, name)


def _regimes(elem: Element) -> tuple[tuple[int, str], ...]:
    regimes = {}
    for regime in elem.iterfind("regimes/regime"):
        nature = _number(regime.get("natureId"), NATURES, "nature du régime")
        text = _text(regime) or ""
        if _plain(text) not in REGIMES or nature in regimes:
            raise _Invalid(f"régime « {text} » de la nature {nature} inconnu ou en double "
                           "(Réel ou Forfaitaire attendu)")
        regimes[nature] = REGIMES[_plain(text)]
    return tuple(sorted(regimes.items()))


def _period(elem: Element, index: int) -> PeriodData:
    """An empty tariff is a category the collectivité left out, not an error."""
    tariffs = {}
    for tariff in elem.iterfind("tarifs/tarif"):
        category = _number(tariff.get("categorieId"), CATEGORIES, f"catégorie (période {index})")
        amount = _decimal(tariff.text, f"tarif de la catégorie {category} (période {index})")
        if category in tariffs:
            raise _Invalid(f"la catégorie {category} a deux tarifs dans la période {index}")
        if amount is not None:
            tariffs[category] = amount
    return PeriodData(_day_month(elem.findtext("dateDebut"), f"début de la période {index}"),
                      _day_month(elem.findtext("dateFin"), f"fin de la période {index}"),
                      tuple(sorted(tariffs.items())))


def _additional(elem: Element) -> tuple[str, ...]:
    codes = []
    for flag, code in ADDITIONAL.items():
        value = _text(elem.find(flag)) or "false"
        if value.lower() not in ("true", "false"):
            raise _Invalid(f"{flag} « {value} » invalide (true ou false attendu)")
        codes += [code] if value.lower() == "true" else []
    return tuple(sorted(codes))


def _bands(elem: Element) -> tuple[BandData, ...]:
    bands = []
    for index, band in enumerate(elem.iterfind("abattements/abattement"), start=1):
        what = f"tranche d'abattement n° {index}"
        rate = _decimal(band.findtext("taux"), f"taux de la {what}")
        low = _decimal(band.findtext("nuiteMin"), f"nuitée minimale de la {what}")
        high = _decimal(band.findtext("nuiteMax"), f"nuitée maximale de la {what}")
        if rate is None or rate > 100 or low is None or low % 1 or (high is not None and (
                high % 1 or high < low)):
            raise _Invalid(f"la {what} est incohérente (taux de 0 à 100 %, nuitées entières "
                           "croissantes attendus)")
        bands.append(BandData(rate, int(low), None if high is None else int(high)))
    return tuple(bands)


def _text(elem: Element | None) -> str | None:
    """Missing and empty mean the same in DELTA (an EPCI's `<codeInsee/>`, no threshold)."""
    text = elem.text.strip() if elem is not None and elem.text else ""
    return text or None


def _plain(text: str) -> str:
    """Lower case without accents: « Décembre » and « decembre » are the same month."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _decimal(text: str | None, what: str) -> Decimal | None:
    """DELTA writes positive dot decimals: a comma or a sign is refused, never guessed at."""
    text = (text or "").strip()
    if text and not DECIMAL_RE.fullmatch(text):
        raise _Invalid(f"{what} « {text} » invalide (nombre positif à point décimal attendu)")
    return Decimal(text) if text else None


def _number(text: str | None, allowed: range, what: str) -> int:
    if not (text or "").isdecimal() or len(text) > 4 or int(text) not in allowed:
        raise _Invalid(f"{what} « {text or ''} » inconnue")
    return int(text)


def _date(text: str | None, what: str) -> date:
    match = DATE_RE.fullmatch(text or "")
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except (TypeError, ValueError):
        raise _Invalid(f"{what} « {text} » invalide" if text else f"{what} absente") from None


def _day_month(text: str | None, what: str) -> tuple[int, int]:
    if not (text or "").strip():
        raise _Invalid(f"pas de {what}")
    match = DAY_MONTH_RE.fullmatch(_plain(text.strip()))
    try:
        month, day = MONTHS[match[2]], int(match[1])
        date(LEAP_YEAR, month, day)
    except (TypeError, KeyError, ValueError):
        raise _Invalid(f"{what} « {text} » invalide (jour et mois attendus, "
                       "comme « 01 janvier »)") from None
    return month, day


def _insee(text: str | None) -> str | None:
    if text is not None and not INSEE_RE.fullmatch(text.upper()):
        raise _Invalid(f"code INSEE « {text} » invalide")
    return text.upper() if text else None
