"""The law of the taxe de séjour as data (`law.toml`): DELTA's natures and categories, the
order of categories (L2333-30), the additional taxes with the date each applies from, and how
the product's natures and classements map to DELTA's. Pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

LAW_FILE = Path(__file__).with_name("law.toml")
PROPORTIONAL = 9
UNCLASSIFIED_NATURE = 10


@dataclass(frozen=True)
class AdditionalTaxLaw:
    code: str            # "departementale", "regionale", "idfm", "lgv": the API's codes
    label: str
    rate: Decimal        # a percentage of the communal tariff
    since: date
    article: str
    flag: str            # the DELTA element that says it applies to a deliberation


@dataclass(frozen=True)
class Law:
    natures: dict[int, str]
    categories: dict[int, str]
    category_names: dict[int, str]
    chains: tuple[tuple[int, ...], ...]
    proportional_floor: Decimal
    proportional_ceiling: Decimal
    abattement_floor: Decimal
    abattement_ceiling: Decimal
    additional_taxes: tuple[AdditionalTaxLaw, ...]
    mapping: dict[tuple[str, str], tuple[int, int]]   # (nature, classement) → (DELTA nature, cat.)

    def classify(self, nature: str, classement: str) -> tuple[int, int]:
        """(DELTA nature, category) of one of the product's (nature, classement); KeyError for
        a pair the product does not know."""
        return self.mapping[(nature, classement)]

    def additional_in_force(self, codes, day: date) -> tuple[AdditionalTaxLaw, ...]:
        """Those of `codes` (a deliberation's) that the law applies on `day`."""
        return tuple(t for t in self.additional_taxes if t.code in codes and t.since <= day)

    def additional(self, code: str) -> AdditionalTaxLaw:
        return next(t for t in self.additional_taxes if t.code == code)

    def category_name(self, category: int) -> str:
        return f"catégorie {category} ({self.category_names[category]})"


@cache
def law() -> Law:
    data = tomllib.loads(LAW_FILE.read_text(encoding="utf-8"))
    mapping = {}
    for entry in data["mapping"]:
        for classement, category in entry["classements"].items():
            nature = UNCLASSIFIED_NATURE if category == PROPORTIONAL else entry["delta_nature"]
            mapping[(entry["nature"], classement)] = (nature, category)
    return Law(
        natures={int(k): v for k, v in data["natures"].items()},
        categories={int(k): v for k, v in data["categories"].items()},
        category_names={int(k): v for k, v in data["category_names"].items()},
        chains=tuple(tuple(chain) for chain in data["chains"]),
        proportional_floor=Decimal(data["proportional"]["floor"]),
        proportional_ceiling=Decimal(data["proportional"]["ceiling"]),
        abattement_floor=Decimal(data["abattement"]["floor"]),
        abattement_ceiling=Decimal(data["abattement"]["ceiling"]),
        additional_taxes=tuple(
            AdditionalTaxLaw(code=t["code"], label=t["label"], rate=Decimal(t["rate"]),
                             since=t["since"], article=t["article"], flag=t["flag"])
            for t in data["additional_taxes"]),
        mapping=mapping)
