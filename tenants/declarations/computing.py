"""What a declaration owes, through the tax engine only: the same stay gives exactly the
calculator's amount, line by line, and the declaration's amount is their sum.

Réel: each stay of the registre is taxed for its nights within the period (a stay over the
period's end is split night by night: its other nights belong to the next period's
declaration, which carries it); stays whose tax a platform collected are counted apart and owe
nothing here. Forfait: the capacity × the nights open (the period's days within the perception
periods, less the host's closures), the abattement chosen by the nights open in the whole
perception period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.core.validation import plain
from tenants.declarations.calendar import Period
from tenants.hosts.models import Hebergement
from tenants.tax import calculation, deliberations
from tenants.tax.calculation import PROPORTIONAL, Regime
from tenants.tax.law import law

ZERO = Decimal("0.00")
EXEMPT_REASONS = {"mineurs": "mineurs", "saisonniers": "titulaires d'un contrat saisonnier",
                  "urgence": "hébergement d'urgence ou relogement temporaire",
                  "loyer": "loyer inférieur au seuil de la délibération"}
ZERO_REASONS = {"ferme": "hébergement fermé", "aucune_location": "aucune location",
                "plateforme": "toutes les nuitées via une plateforme qui a collecté la taxe"}


@dataclass(frozen=True)
class StayInput:
    """A stay as the engine needs it (a stored line, or a line not yet saved)."""

    arrival: date
    departure: date
    persons: int
    exempt_minors: int = 0
    exempt_seasonal: int = 0
    exempt_emergency: int = 0
    price_per_night: Decimal | None = None
    channel: str = "direct"
    platform: str | None = None
    carried: bool = False        # arrived in an earlier period: its nights here are counted here

    @classmethod
    def of(cls, stay, carried: bool = False) -> StayInput:
        return cls(stay.arrival, stay.departure, stay.persons, stay.exempt_minors,
                   stay.exempt_seasonal, stay.exempt_emergency, stay.price_per_night,
                   stay.channel, stay.platform, carried)

    @property
    def exempt(self) -> int:
        return self.exempt_minors + self.exempt_seasonal + self.exempt_emergency


@dataclass(frozen=True)
class Line:
    stay: StayInput
    first_night: date
    nights: int                          # within the period
    quote: calculation.Quote | None      # None: a platform collected the tax
    taxable_nights: int
    exempt_nights: dict[str, int]
    platform_nights: int
    amount: Decimal


@dataclass(frozen=True)
class Forfait:
    units: int
    nights_open: int
    band_nights: int
    quotes: tuple[calculation.Quote, ...]
    spans: tuple[tuple[date, date, int], ...] = ()   # per quote: first day, last day, nights open


@dataclass(frozen=True)
class Summary:
    regime: Regime
    category: int
    deliberation: deliberations.InForce
    lines: tuple[Line, ...] = ()
    forfait: Forfait | None = None
    taxable_nights: int = 0
    exempt_nights: dict[str, int] = field(default_factory=dict)
    platform_nights: int = 0
    amount: Decimal = ZERO

    @property
    def exempt_total(self) -> int:
        return sum(self.exempt_nights.values())


def resolve(session: Session, hebergement: Hebergement, year: int) -> deliberations.InForce:
    """The deliberation in force for the hébergement's commune: by its INSEE code, else by its
    commune's name, else the only one there is."""
    available = deliberations.in_force_views(session, year)
    if not available:
        raise UserError(f"Aucune délibération de la collectivité ne fixe la taxe de séjour pour "
                        f"{year} : la déclaration ne peut pas être calculée.")
    if hebergement.insee:
        found = next((c for c in available if c.insee == hebergement.insee), None)
        if found is None:
            raise UserError(f"La commune {hebergement.insee} de l'hébergement n'est couverte par "
                            f"aucune délibération de {year}.")
        return found
    by_name = [c for c in available if plain(c.name) == plain(hebergement.city)]
    if len(by_name) == 1:
        return by_name[0]
    if len({c.deliberation.id for c in available}) == 1:
        return available[0]
    raise UserError(f"La commune « {hebergement.city} » de l'hébergement ne se trouve pas parmi "
                    "celles des délibérations : votre collectivité doit préciser son code INSEE.")


def _category(hebergement: Hebergement) -> tuple[int, int]:
    return law().classify(hebergement.nature, hebergement.classement)


def regime_of(session: Session, schema: str, hebergement: Hebergement,
              period: Period) -> Regime:
    chosen = resolve(session, hebergement, period.start.year)
    nature, _category_ = _category(hebergement)
    return deliberations.rules(chosen.deliberation, schema).regime(nature)


def summarize(session: Session, schema: str, hebergement: Hebergement, period: Period,
              stays: list[StayInput]) -> Summary:
    """Every line's engine result and the totals; UserError for what cannot be computed (no
    deliberation, a price missing for unclassified accommodation…)."""
    chosen = resolve(session, hebergement, period.start.year)
    rules = deliberations.rules(chosen.deliberation, schema)
    nature, category = _category(hebergement)
    regime = rules.regime(nature)
    if regime is Regime.FORFAIT:
        return _forfait(rules, chosen, category, hebergement, period)
    lines = tuple(_line(rules, category, period, stay, number)
                  for number, stay in enumerate(stays, start=1))
    exempt: dict[str, int] = {}
    for line in lines:
        for reason, count in line.exempt_nights.items():
            exempt[reason] = exempt.get(reason, 0) + count
    return Summary(regime, category, chosen, lines,
                   taxable_nights=sum(line.taxable_nights for line in lines),
                   exempt_nights={r: exempt[r] for r in EXEMPT_REASONS if exempt.get(r)},
                   platform_nights=sum(line.platform_nights for line in lines),
                   amount=sum((line.amount for line in lines), ZERO))


def _line(rules, category: int, period: Period, stay: StayInput, number: int) -> Line:
    first = max(stay.arrival, period.start)
    last = min(stay.departure - timedelta(days=1), period.end)
    nights = (last - first).days + 1
    if nights <= 0:
        return Line(stay, first, 0, None, 0, {}, 0, ZERO)
    if stay.channel == "plateforme":
        return Line(stay, first, nights, None, 0, {}, nights * stay.persons, ZERO)
    if category == PROPORTIONAL and stay.price_per_night is None:
        raise UserError(f"Séjour n° {number} (arrivée le {stay.arrival.strftime('%d/%m/%Y')}) : "
                        "pour un hébergement sans classement, le prix de la nuitée hors taxes "
                        "est nécessaire.")
    try:
        quote = calculation.reel(rules, category=category, first_night=first, nights=nights,
                                 persons=stay.persons, exempt=stay.exempt,
                                 price_per_night=stay.price_per_night)
    except calculation.NoTariff:
        raise UserError(f"La délibération ne fixe pas de tarif pour la "
                        f"{law().category_name(category)}.") from None
    exempt = {"mineurs": stay.exempt_minors * nights, "saisonniers": stay.exempt_seasonal * nights,
              "urgence": stay.exempt_emergency * nights}
    taxable = quote.taxable_nights
    if quote.reason is calculation.Reason.LOYER_INFERIEUR_SEUIL:
        exempt["loyer"] = (stay.persons - stay.exempt) * nights
    return Line(stay, first, nights, quote, taxable, {k: v for k, v in exempt.items() if v}, 0,
                quote.amount)


def _forfait(rules, chosen, category: int, hebergement: Hebergement, period: Period) -> Summary:
    closed = _closed_days(hebergement)
    quotes, spans, open_total, band_total = [], [], 0, 0
    for start, end, _perception in rules.spans():
        first, last = max(start, period.start), min(end, period.end)
        inside = _open_days(first, last, closed)
        if inside <= 0:
            continue
        spans.append((first, last, inside))
        band = _open_days(start, end, closed)
        try:
            quotes.append(calculation.forfait(rules, category=category, day=first,
                                              units=hebergement.capacity, nights_open=inside,
                                              band_nights=band))
        except calculation.NoTariff:
            raise UserError(f"La délibération ne fixe pas de tarif pour la "
                            f"{law().category_name(category)}.") from None
        open_total += inside
        band_total = max(band_total, band)
    return Summary(Regime.FORFAIT, category, chosen,
                   forfait=Forfait(hebergement.capacity, open_total, band_total, tuple(quotes),
                                   tuple(spans)),
                   taxable_nights=sum(q.taxable_nights for q in quotes),
                   amount=sum((q.amount for q in quotes), ZERO))


def _closed_days(hebergement: Hebergement) -> set[int]:
    days: set[int] = set()
    for closure in hebergement.closures:
        days.update(range(closure.starts_on.toordinal(), closure.ends_on.toordinal() + 1))
    return days


def _open_days(first: date, last: date, closed: set[int]) -> int:
    if last < first:
        return 0
    return sum(1 for day in range(first.toordinal(), last.toordinal() + 1) if day not in closed)


def closed_throughout(hebergement: Hebergement, period: Period) -> bool:
    """The host said the hébergement is closed every day of the period."""
    return _open_days(period.start, period.end, _closed_days(hebergement)) == 0
