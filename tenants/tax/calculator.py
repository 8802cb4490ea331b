"""The public calculator: what a stay (or, au forfait, an accommodation for a period) owes,
from the deliberation in force, with its breakdown. The page (`/calculette`) and its JSON twin
(`/api/calculette`) read the same parameters with the same French messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from tenants.core.money import HUNDREDTH
from tenants.hosts.natures import CLASSEMENTS, NATURES
from tenants.tax import calculation, deliberations
from tenants.tax.calculation import PROPORTIONAL, ROUNDING, Regime
from tenants.tax.law import law
from tenants.tax.models import Deliberation

MAX_NIGHTS = 366
MAX_PERSONS = 10_000
_PRICE = re.compile(r"\d{1,7}(?:[.,]\d{1,2})?")
_INSEE = re.compile(r"(?:\d{5}|2[AB]\d{3})")


class Invalid(ValueError):
    """Bad parameters: `errors` maps each parameter to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


class NotFound(LookupError):
    """Nothing to compute from: no deliberation, or no tariff for the category."""


@dataclass(frozen=True)
class Query:
    day: date
    nature: str
    classement: str
    commune: str | None
    nights: int
    persons: int | None
    exempt: int
    price: Decimal | None
    capacity: int | None


def parse(params: Mapping[str, str]) -> Query:
    """The parameters as typed (`date`, `nature`, `classement`, `commune`, `nuits`,
    `personnes`, `exoneres`, `prix_nuit_ht`, `capacite`), checked; Invalid otherwise."""
    errors: dict[str, str] = {}

    def text(name):
        return (params.get(name) or "").strip()

    def whole(name, low, high, label, required=True):
        value = text(name)
        if not value:
            if required:
                errors[name] = f"Indiquez {label}."
            return None
        # isdecimal, not isdigit: int() refuses "²"; and not "1" × 5000, past int()'s limit
        if not value.isdecimal() or len(value) > 9 or not low <= int(value) <= high:
            errors[name] = f"{label.capitalize()} : un nombre entier de {low} à {high} est attendu."
            return None
        return int(value)

    day = None
    try:
        day = date.fromisoformat(text("date"))
    except ValueError:
        errors["date"] = ("Indiquez la date de la première nuit (ou, au forfait, un jour de la "
                          "période) au format AAAA-MM-JJ.")
    nature, classement = text("nature"), text("classement")
    if nature not in NATURES:
        errors["nature"] = "Choisissez la nature de l'hébergement dans la liste."
    elif classement not in NATURES[nature][1]:
        allowed = ", ".join(CLASSEMENTS[c] for c in NATURES[nature][1])
        errors["classement"] = (f"Classement impossible pour un(e) {NATURES[nature][0].lower()} "
                                f"(attendu : {allowed}).")
    commune = text("commune") or None
    if commune is not None and not _INSEE.fullmatch(commune):
        errors["commune"] = "Code INSEE de la commune invalide (5 caractères, par exemple 07019)."
    nights = whole("nuits", 1, MAX_NIGHTS, "le nombre de nuits")
    persons = whole("personnes", 1, MAX_PERSONS, "le nombre de personnes", required=False)
    exempt = whole("exoneres", 0, MAX_PERSONS, "le nombre de personnes exonérées",
                   required=False) or 0
    if persons is not None and exempt > persons:
        errors["exoneres"] = "Il ne peut y avoir plus de personnes exonérées que de personnes."
    capacity = whole("capacite", 1, MAX_PERSONS, "la capacité d'accueil", required=False)
    price = None
    raw_price = text("prix_nuit_ht").replace(" ", "")
    if raw_price:
        if _PRICE.fullmatch(raw_price):
            price = Decimal(raw_price.replace(",", ".")).quantize(HUNDREDTH)
        else:
            errors["prix_nuit_ht"] = ("Prix de la nuitée hors taxes : un montant en euros est "
                                      "attendu (par exemple 85,50).")
    if errors:
        raise Invalid(errors)
    return Query(day, nature, classement, commune, nights, persons, exempt, price, capacity)


@dataclass(frozen=True)
class Answer:
    query: Query
    deliberation: Deliberation
    commune: deliberations.InForce | None  # None: not asked, one deliberation for all
    quote: calculation.Quote

    def as_json(self) -> dict:
        q = self.quote
        line = q.tariff
        return {
            "regime": q.regime.value,
            "categorie": q.category,
            "tarif_communal": _money(line.communal) if line else None,
            "taxes_additionnelles": [
                {"code": code, "taux": _money(rate), "montant": _money(amount)}
                for code, rate, amount in (line.additional if line else ())],
            "tarif": _money(line.total) if line else None,
            "nuitees_taxables": q.taxable_nights,
            "abattement": _money(q.abattement) if q.abattement is not None else None,
            "montant": _money(q.amount),
            "motif": q.reason.value if q.reason else None,
            "arrondi": ROUNDING,
            "commune": ({"insee": self.commune.insee, "nom": self.commune.name}
                        if self.commune else None),
            "deliberation": {"adoptee_le": self.deliberation.adopted_on.isoformat(),
                             "collectivite": self.deliberation.name},
            "periodes": [{"debut": _day_month(p.period.start), "fin": _day_month(p.period.end),
                          "tarif": _money(p.tariff.total), "nuitees_taxables": p.taxable_nights,
                          "montant": _money(p.amount)} for p in q.parts],
        }


def _money(amount: Decimal) -> str:
    return str(amount.quantize(HUNDREDTH))


def _day_month(month_day: tuple[int, int]) -> str:
    return f"{month_day[1]:02d}/{month_day[0]:02d}"


def communes(session: Session, year: int) -> list[deliberations.InForce]:
    return list(deliberations.in_force_views(session, year))


def quote(session: Session, schema: str, query: Query) -> Answer:
    """The tax the query owes; Invalid for what the deliberation makes impossible, NotFound
    when there is nothing to compute from."""
    chosen = _commune(_available(session, query.day), query.commune)
    rules = deliberations.rules(chosen.deliberation, schema)
    nature, category = law().classify(query.nature, query.classement)
    try:
        if rules.regime(nature) is Regime.FORFAIT:
            result = _forfait(rules, category, query)
        else:
            result = _reel(rules, category, query)
            last = date.fromordinal(query.day.toordinal() + query.nights - 1)
            if last.year != query.day.year:  # the nights after 31 December: next year's rules
                result = _and_next_year(session, schema, chosen, category, query, result, last)
    except calculation.NoTariff:
        raise NotFound(f"la délibération en vigueur ne fixe pas de tarif pour la "
                       f"{law().category_name(category)}") from None
    return Answer(query, chosen.deliberation, chosen if query.commune else None, result)


def _available(session: Session, day: date) -> list[deliberations.InForce]:
    available = deliberations.in_force_views(session, day.year)
    if not available:
        raise NotFound(f"aucune délibération ne fixe la taxe de séjour pour "
                       f"{day.strftime('%d/%m/%Y')}")
    return available


def _and_next_year(session, schema, chosen, category, query, first, last) -> calculation.Quote:
    new_year = date(last.year, 1, 1)
    following = next((c for c in _available(session, new_year) if c.insee == chosen.insee),
                     None)
    if following is None:
        raise NotFound(f"aucune délibération ne fixe la taxe de séjour de la commune pour "
                       f"{new_year.strftime('%d/%m/%Y')}")
    rules = deliberations.rules(following.deliberation, schema)
    rest = (last - new_year).days + 1
    second = _reel(rules, category, Query(new_year, query.nature, query.classement,
                                          query.commune, rest, query.persons, query.exempt,
                                          query.price, query.capacity))
    parts = first.parts + second.parts
    return calculation.Quote(
        calculation.REEL, category, parts, first.taxable_nights + second.taxable_nights,
        first.amount + second.amount, None,
        None if parts else (first.reason or second.reason))


def _commune(available, insee: str | None) -> deliberations.InForce:
    if insee is not None:
        chosen = next((c for c in available if c.insee == insee), None)
        if chosen is None:
            raise Invalid({"commune": "Cette commune n'est pas couverte par les délibérations de "
                                      "la collectivité pour cette année."})
        return chosen
    if len({c.deliberation.id for c in available}) > 1:
        names = ", ".join(f"{c.insee} ({c.name})" for c in available[:8])
        raise Invalid({"commune": f"Précisez la commune de l'hébergement : {names}."})
    return available[0]


def _reel(rules, category: int, query: Query) -> calculation.Quote:
    errors = {}
    if query.persons is None:
        errors["personnes"] = "Indiquez le nombre de personnes hébergées."
    if category == PROPORTIONAL and query.price is None:
        errors["prix_nuit_ht"] = ("Pour un hébergement sans classement, indiquez le prix de la "
                                  "nuitée hors taxes (la taxe en est un pourcentage).")
    if errors:
        raise Invalid(errors)
    return calculation.reel(rules, category=category, first_night=query.day,
                            nights=query.nights, persons=query.persons, exempt=query.exempt,
                            price_per_night=query.price)


def _forfait(rules, category: int, query: Query) -> calculation.Quote:
    if query.capacity is None:
        raise Invalid({"capacite": "Au forfait, indiquez la capacité d'accueil (nombre "
                                   "d'unités) de l'hébergement."})
    period = rules.period_of(query.day)
    if period is not None:
        longest = calculation.period_length(period, query.day.year)
        if query.nights > longest:
            raise Invalid({"nuits": f"Au forfait, indiquez les nuits d'ouverture dans la "
                                    f"période : {longest} au plus."})
    return calculation.forfait(rules, category=category, day=query.day, units=query.capacity,
                               nights_open=query.nights)
