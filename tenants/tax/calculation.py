"""The tax engine: every euro of the taxe de séjour is computed here, and only here.

Pure functions over `Decimal` (no Flask, no SQLAlchemy, no float), typed, fast: the calculator,
declarations, payments and recovery all call them, so they agree to the cent.

Réel: taxable person-nights = nights × (persons − exempt persons). The proportional tariff of
unclassified accommodation = rate × (price per night excluding tax ÷ all occupants, exempt ones
included), rounded to the cent, capped at the highest tariff the collectivité adopted for the
period (rule since 2021). Occupants of premises whose rent is strictly below the deliberation's
low-rent threshold are exempt. Nights outside every perception period are not taxed.
Forfait: tariff × capacity units × nights open in the period × (1 − abattement of the band the
nights open fall in).

Rounding policy (no official text fixes it; this is the product's, printed on every document and
on the calculator, `ROUNDING`): the communal tariff per person (or unit) per night to the cent,
half up; each additional tax = its rate × the communal tariff, to the cent, half up; the tariff =
communal + additional taxes; the amount = tariff × taxable person-nights (forfait: × units ×
nights × (1 − abattement)), to the cent, half up.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import NamedTuple

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
ONE = Decimal(1)
PROPORTIONAL = 9
WEEK, MONTH = 7, 30  # nights a weekly and a monthly low-rent threshold are compared over

ROUNDING = ("Arrondi : le tarif communal par personne (ou par unité) et par nuit est arrondi au "
            "centime le plus proche, chaque taxe additionnelle (son taux × le tarif communal) "
            "aussi, puis le montant total (tarif × nuitées taxables) ; un demi-centime est "
            "arrondi au centime supérieur.")


class Regime(enum.StrEnum):
    REEL = "reel"
    FORFAIT = "forfait"


class Reason(enum.StrEnum):
    """Why nothing is due."""

    HORS_PERIODE = "hors_periode"
    LOYER_INFERIEUR_SEUIL = "loyer_inferieur_seuil"


# Plain names for the hot path (an enum's class attribute costs a descriptor call each time).
REEL, FORFAIT = Regime.REEL, Regime.FORFAIT


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """A perception period of a year, with its own tariffs: `start` and `end` as (month, day),
    both included; a period whose end comes before its start runs over the new year.
    `tariffs`: category → € per person (or unit) per night; category 9: the rate in %."""

    start: tuple[int, int]
    end: tuple[int, int]
    tariffs: Mapping[int, Decimal]

    @cached_property
    def cap(self) -> Decimal | None:
        """The highest tariff the collectivité adopted for the period: the proportional
        tariff's ceiling."""
        fixed = [amount for category, amount in self.tariffs.items() if category != PROPORTIONAL]
        return cents(max(fixed)) if fixed else None


@dataclass(frozen=True)
class AdditionalTax:
    code: str
    rate: Decimal  # %

    @cached_property
    def factor(self) -> Decimal:
        return self.rate / HUNDRED  # exact: a rate has two decimals


@dataclass(frozen=True)
class Band:
    """Forfait: the abattement (in %) for a number of nights open between the bounds."""

    rate: Decimal
    nights_min: int
    nights_max: int | None = None

    def covers(self, nights: int) -> bool:
        return self.nights_min <= nights and (self.nights_max is None or nights <= self.nights_max)


@dataclass(frozen=True)
class LowRent:
    """The rent strictly below which occupants are exempt (L2333-31), per night, week or month
    (a week is 7 nights, a month 30); None where the deliberation sets none."""

    per_night: Decimal | None = None
    per_week: Decimal | None = None
    per_month: Decimal | None = None

    def exempts(self, price_per_night: Decimal | None) -> bool:
        if price_per_night is None:
            return False
        night, week, month = self.per_night, self.per_week, self.per_month
        return ((night is not None and price_per_night < night)
                or (week is not None and price_per_night * WEEK < week)
                or (month is not None and price_per_night * MONTH < month))


@dataclass(frozen=True)
class Rules:
    """One deliberation for one year, as the engine needs it: the additional taxes are those
    the law applies that year to the deliberation's territory."""

    year: int
    periods: tuple[Period, ...]
    regimes: Mapping[int, Regime] = field(default_factory=dict)  # DELTA nature → regime
    additional: tuple[AdditionalTax, ...] = ()
    low_rent: LowRent = LowRent()
    bands: tuple[Band, ...] = ()
    # Computed once, used by every stay line: each period's days of the year as ordinal
    # ranges, and each period's fixed tariffs with their additional taxes.
    _fixed: dict = field(default_factory=dict, compare=False, repr=False)
    _proportional: dict = field(default_factory=dict, compare=False, repr=False)

    def regime(self, nature: int) -> Regime:
        return self.regimes.get(nature, REEL)

    @cached_property
    def _ranges(self) -> tuple[tuple[int, int, Period], ...]:
        """(first day, last day, period) of the year, as ordinals: a period over the new year
        is two ranges."""
        first, last = date(self.year, 1, 1).toordinal(), date(self.year, 12, 31).toordinal()
        ranges = []
        for period in self.periods:
            start = date(self.year, *period.start).toordinal()
            end = date(self.year, *_clamp(self.year, period.end)).toordinal()
            if start <= end:
                ranges.append((start, end, period))
            else:
                ranges += [(start, last, period), (first, end, period)]
        return tuple(ranges)

    def spans(self) -> list[tuple[date, date, Period]]:
        """Each perception period's days of the year, as (first day, last day, period): one
        over the new year is two spans."""
        return [(date.fromordinal(start), date.fromordinal(end), period)
                for start, end, period in self._ranges]

    def period_of(self, day: date) -> Period | None:
        ordinal = day.toordinal()
        for start, end, period in self._ranges:
            if start <= ordinal <= end:
                return period
        return None

    def run_of(self, first_night: date, nights: int) -> Period | None:
        """The period holding every one of the nights, if one does."""
        first = first_night.toordinal()
        last = first + nights - 1
        for start, end, period in self._ranges:
            if start <= first <= end:
                return period if last <= end else None
        return None

    def abattement(self, nights_open: int) -> Decimal:
        return next((band.rate for band in self.bands if band.covers(nights_open)), ZERO)


def _clamp(year: int, month_day: tuple[int, int]) -> tuple[int, int]:
    """29 February in a year that has none is the 28th."""
    month, day = month_day
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return 2, 28
    return month, day


class Tariff(NamedTuple):
    """Per person (or unit) and per night: the communal tariff, each additional tax
    `(code, rate, amount)`, and their sum."""

    communal: Decimal
    additional: tuple[tuple[str, Decimal, Decimal], ...]
    total: Decimal


def _with_additional(rules: Rules, communal: Decimal) -> Tariff:
    if not rules.additional:
        return Tariff(communal, (), communal)
    parts = tuple([(tax.code, tax.rate, (tax.factor * communal).quantize(CENT, ROUND_HALF_UP))
                   for tax in rules.additional])
    total = communal
    for part in parts:
        total += part[2]
    return Tariff(communal, parts, total)


def tariff(rules: Rules, period: Period, category: int, price_per_night: Decimal | None = None,
           occupants: int | None = None) -> Tariff | None:
    """The tariff of `category` in `period`, None when the collectivité adopted none. The
    proportional one needs the price per night excluding tax and every occupant."""
    if category != PROPORTIONAL:
        cached = rules._fixed.get((id(period), category))
        if cached is None:
            amount = period.tariffs.get(category)
            if amount is None:
                return None
            cached = rules._fixed[(id(period), category)] = _with_additional(rules, cents(amount))
        return cached
    rate = period.tariffs.get(PROPORTIONAL)
    if rate is None:
        return None
    if price_per_night is None or not occupants:
        raise ValueError("the proportional tariff needs the price per night and the occupants")
    communal = (rate * price_per_night / (occupants * HUNDRED)).quantize(CENT, ROUND_HALF_UP)
    cap = period.cap
    if cap is not None and communal > cap:
        communal = cap
    # The additional taxes depend on the communal tariff alone, which the cap bounds: a few
    # hundred values at most per deliberation, each computed once.
    by_communal = rules._proportional
    found = by_communal.get(communal)
    if found is None:
        if len(by_communal) > 10_000:  # no cap adopted: bound the memory anyway
            by_communal.clear()
        found = by_communal[communal] = _with_additional(rules, communal)
    return found


class Part(NamedTuple):
    """The nights of a stay in one perception period."""

    period: Period
    tariff: Tariff
    taxable_nights: int   # person-nights (forfait: unit-nights)
    amount: Decimal


class Quote(NamedTuple):
    # Named tuples, not dataclasses: a declaration of thousands of lines builds one per line.
    regime: Regime
    category: int
    parts: tuple[Part, ...]
    taxable_nights: int
    amount: Decimal
    abattement: Decimal | None = None   # forfait: in %
    reason: Reason | None = None

    @property
    def tariff(self) -> Tariff | None:
        return self.parts[0].tariff if self.parts else None


class NoTariff(LookupError):
    """The collectivité adopted no tariff for that category in that period."""


def reel(rules: Rules, *, category: int, first_night: date, nights: int, persons: int,
         exempt: int = 0, price_per_night: Decimal | None = None) -> Quote:
    """What a stay owes au réel: `nights` from `first_night` (nights of another year, or
    outside every perception period, are not taxed here)."""
    if nights < 1 or persons < 1 or not 0 <= exempt <= persons:
        raise ValueError("a stay has nights, persons, and no more exempt persons than persons")
    if price_per_night is not None and rules.low_rent.exempts(price_per_night):
        return Quote(Regime.REEL, category, (), 0, ZERO, None, Reason.LOYER_INFERIEUR_SEUIL)
    taxable_persons = persons - exempt
    first = rules.run_of(first_night, nights)
    if first is not None:
        line = tariff(rules, first, category, price_per_night, persons)
        if line is None:
            raise NoTariff(category)
        person_nights = nights * taxable_persons
        amount = (line.total * person_nights).quantize(CENT, ROUND_HALF_UP)
        return Quote(REEL, category, (Part(first, line, person_nights, amount),),
                     person_nights, amount)
    runs = _nights_by_period(rules, first_night, nights)
    parts = []
    for period, count in runs:
        line = tariff(rules, period, category, price_per_night, persons)
        if line is None:
            raise NoTariff(category)
        person_nights = count * taxable_persons
        parts.append(Part(period, line, person_nights, cents(line.total * person_nights)))
    if not parts:
        return Quote(Regime.REEL, category, (), 0, ZERO, reason=Reason.HORS_PERIODE)
    return Quote(Regime.REEL, category, tuple(parts), sum(p.taxable_nights for p in parts),
                 sum((p.amount for p in parts), ZERO))


def _nights_by_period(rules: Rules, first_night: date, nights: int):
    """How many of the nights fall in each period (by intersecting ordinal ranges, not by
    walking the nights)."""
    first = first_night.toordinal()
    last = first + nights - 1
    counts: dict[int, list] = {}
    for start, end, period in rules._ranges:
        overlap = min(end, last) - max(start, first) + 1
        if overlap > 0:
            counts.setdefault(id(period), [period, 0])[1] += overlap
    return [(period, count) for period, count in counts.values()]


def forfait(rules: Rules, *, category: int, day: date, units: int, nights_open: int,
            band_nights: int | None = None) -> Quote:
    """What an accommodation owes au forfait for a period: `day` is any day of it, `units` its
    capacity units, `nights_open` the nights it is open in the period. `band_nights`: the nights
    open that choose the abattement's band when they differ (a month declared of a perception
    period open longer: the band is the whole period's); `nights_open` by default."""
    if category == PROPORTIONAL:
        raise ValueError("unclassified accommodation is always taxed au réel")
    if units < 1 or nights_open < 1:
        raise ValueError("a forfait has capacity units and nights open")
    period = rules.period_of(day)
    if period is None:
        return Quote(Regime.FORFAIT, category, (), 0, ZERO, reason=Reason.HORS_PERIODE)
    line = tariff(rules, period, category)
    if line is None:
        raise NoTariff(category)
    abattement = rules.abattement(nights_open if band_nights is None else band_nights)
    unit_nights = units * nights_open
    amount = cents(line.total * unit_nights * (ONE - abattement / HUNDRED))
    return Quote(Regime.FORFAIT, category, (Part(period, line, unit_nights, amount),),
                 unit_nights, amount, abattement=abattement)


def period_length(period: Period, year: int) -> int:
    """How many days `period` has in `year` (the most nights a forfait can count in it)."""
    start = date(year, *_clamp(year, period.start))
    end = date(year, *_clamp(year, period.end))
    if start <= end:
        return (end - start).days + 1
    return (date(year, 12, 31) - start).days + 1 + (end - date(year, 1, 1)).days + 1
