"""The communes of France and their groupings, and the communes each collectivité covers.

The official divisions come from `data/communes.json.gz`, an extract of Etalab's
`@etalab/decoupage-administratif` rebuilt by `scripts/communes` (data/README.md): read once
per process, at the first lookup, so that a process that never asks pays nothing. A
collectivité created with its SIREN or INSEE code gets its name, kind and communes from it; the
département and region of a commune serve the DELTA import and the additional taxes.

The communes a collectivité covers are kept in the shared schema (`covered_communes`), so
that the platform's home page finds a collectivité by one of its communes' names or postal
codes without opening any collectivité's schema.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from plateforme import registry
from plateforme.database import SharedModel
from plateforme.errors import UserError
from plateforme.registry import Collectivite

DATA = Path(__file__).with_name("data") / "communes.json.gz"

#: The EPCIs' types in the extract, as the registry's kinds.
EPCI_KINDS = {"CC": "communaute_de_communes", "CA": "communaute_d_agglomeration",
              "CU": "communaute_urbaine", "METRO": "metropole", "MET69": "metropole"}
#: The extract abbreviates ("CC du Bassin d'Aubenas"); hosts read the full name.
_ABBREVIATIONS = {"CC ": "Communauté de communes ", "CA ": "Communauté d'agglomération ",
                  "CU ": "Communauté urbaine "}

POSTAL_CODE_RE = re.compile(r"\d{5}")
QUERY_MIN, QUERY_MAX = 2, 100
FIND_LIMIT = 20


@dataclass(frozen=True)
class Division:
    """A département or a region."""

    code: str
    name: str


@dataclass(frozen=True)
class Commune:
    """A commune of the extract, or one an operator typed (INSEE code, name, postal codes)."""

    insee: str
    name: str
    postal_codes: tuple[str, ...] = ()
    siren: str | None = None
    departement: str | None = None


@dataclass(frozen=True)
class Territory:
    """What a SIREN or an INSEE code tells of a collectivité to create."""

    name: str
    kind: str
    siren: str | None
    insee: str | None
    communes: tuple[Commune, ...]


class _Extract:
    def __init__(self, raw: dict):
        self.version: str = raw["version"]
        self.regions = {code: Division(code, name) for code, name in raw["r"].items()}
        self.departements = {code: (Division(code, name), region)
                             for code, (name, region) in raw["d"].items()}
        self.communes = {insee: Commune(insee, name, tuple(postal), siren, dep)
                         for insee, name, siren, postal, dep in raw["c"]}
        self.by_siren = {c.siren: c for c in self.communes.values() if c.siren}
        self.epcis = {siren: (name, kind, tuple(members))
                      for siren, name, kind, members in raw["e"]}


@functools.cache
def _extract() -> _Extract:
    with gzip.open(DATA, "rt", encoding="utf-8") as file:
        return _Extract(json.load(file))


# --- the official divisions -----------------------------------------------------------------


def commune(insee: str) -> Commune | None:
    return _extract().communes.get(insee)


def epci(siren: str) -> Territory | None:
    found = _extract().epcis.get(siren)
    if found is None:
        return None
    name, kind, members = found
    for short, full in _ABBREVIATIONS.items():
        if name.startswith(short):
            name = full + name[len(short):]
            break
    return Territory(name=name, kind=EPCI_KINDS.get(kind, "autre"), siren=siren, insee=None,
                     communes=tuple(_extract().communes[m] for m in members))


def _commune_territory(found: Commune | None) -> Territory | None:
    if found is None:
        return None
    return Territory(name=found.name, kind="commune", siren=found.siren, insee=found.insee,
                     communes=(found,))


def territory_for_siren(siren: str) -> Territory | None:
    """An EPCI's or a commune's SIREN (a mairie's starts with 21)."""
    return epci(siren) or _commune_territory(_extract().by_siren.get(siren))


def territory_for_insee(insee: str) -> Territory | None:
    return _commune_territory(commune(insee))


def departement_of(insee: str) -> Division | None:
    found = commune(insee)
    return _extract().departements[found.departement][0] if found else None


def region_of(insee: str) -> Division | None:
    found = commune(insee)
    if found is None:
        return None
    return _extract().regions[_extract().departements[found.departement][1]]


# --- search keys ----------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def search_key(text: str) -> str:
    """Lower case, no accents, words of letters and digits separated by one space: « Saint-
    Étienne » and « saint etienne » give the same key, and « saint-e » is a prefix of it."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", text))


# --- the communes each collectivité covers --------------------------------------------------


class CoveredCommune(SharedModel):
    __tablename__ = "covered_communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(
        sa.ForeignKey("collectivites.id", ondelete="CASCADE"), index=True)
    insee: Mapped[str] = mapped_column(sa.String(5))
    name: Mapped[str] = mapped_column(sa.String(200))
    # Space-separated, in order: few communes have more than one.
    postal_codes: Mapped[str] = mapped_column(sa.String(200), default="")
    # `search_key(name)`, searched by range (key >= q and key < q's successor): a plain B-tree
    # index serves it on both backends. PostgreSQL compares in the "C" collation, byte order
    # like SQLite's, where a language's collation would skip spaces and break the range.
    search_key: Mapped[str] = mapped_column(
        sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql"), index=True)

    __table_args__ = (sa.UniqueConstraint("collectivite_id", "insee"),)

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()


def covered(session: Session, collectivite: Collectivite) -> list[CoveredCommune]:
    return list(session.scalars(
        sa.select(CoveredCommune).where(CoveredCommune.collectivite_id == collectivite.id)
        .order_by(CoveredCommune.search_key, CoveredCommune.insee)))


def _checked(entry: Commune) -> Commune:
    insee = registry.validate_insee(entry.insee)
    if insee is None:
        raise UserError("Le code INSEE de chaque commune est obligatoire.")
    name = " ".join((entry.name or "").split())
    if not name or len(name) > 200:
        raise UserError(f"Le nom de la commune {insee} est obligatoire (200 caractères au plus).")
    postal_codes = tuple(sorted({p.strip() for p in entry.postal_codes if p.strip()}))
    for code in postal_codes:
        if not POSTAL_CODE_RE.fullmatch(code):
            raise UserError(f"Code postal « {code} » invalide pour {name} : 5 chiffres attendus.")
    if len(" ".join(postal_codes)) > 200:
        raise UserError(f"Trop de codes postaux pour {name}.")
    return Commune(insee, name, postal_codes)


def set_covered(session: Session, collectivite: Collectivite,
                communes: Iterable[Commune]) -> list[CoveredCommune]:
    """Replace the communes `collectivite` covers (a code given twice: the last one counts).
    Checks every entry before changing anything; does not commit."""
    entries = {c.insee: c for c in map(_checked, communes)}
    if collectivite.id is None:
        session.flush()
    session.execute(sa.delete(CoveredCommune)
                    .where(CoveredCommune.collectivite_id == collectivite.id))
    rows = [CoveredCommune(collectivite_id=collectivite.id, insee=c.insee, name=c.name,
                           postal_codes=" ".join(c.postal_codes), search_key=search_key(c.name))
            for c in entries.values()]
    session.add_all(rows)
    session.flush()
    return rows


def find(session: Session, query: str,
         limit: int = FIND_LIMIT) -> list[tuple[CoveredCommune, Collectivite]]:
    """The covered communes whose name, or one of whose postal codes, starts with `query`
    (accents, case and punctuation ignored), each with the active collectivité covering it."""
    key = search_key(query or "")
    if len(key) < QUERY_MIN:
        raise UserError("Saisissez au moins deux lettres du nom de la commune, ou le début de "
                        "son code postal.")
    if len(key) > QUERY_MAX:
        raise UserError(f"Votre recherche dépasse {QUERY_MAX} caractères.")
    if key.isdigit():
        # Postal codes: a scan of this small table (one row per covered commune) is cheap.
        match = sa.or_(CoveredCommune.postal_codes.startswith(key),
                       CoveredCommune.postal_codes.contains(f" {key}"))
    else:
        successor = key[:-1] + chr(ord(key[-1]) + 1)
        match = sa.and_(CoveredCommune.search_key >= key, CoveredCommune.search_key < successor)
    query = (sa.select(CoveredCommune, Collectivite)
             .join(Collectivite, Collectivite.id == CoveredCommune.collectivite_id)
             .where(match, Collectivite.status == "active")
             .options(selectinload(Collectivite.domains))
             .order_by(CoveredCommune.search_key, CoveredCommune.insee, Collectivite.name)
             .limit(limit))
    return [(row, collectivite) for row, collectivite in session.execute(query)]
