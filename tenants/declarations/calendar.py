"""The collectivité's declaration calendar: which periods hosts declare (months, quarters,
half-years or years), how they are named (`2026-07`, `2026-T3`, `2026-S2`, `2026`), and by when
each is due (a day of the month after it ends). Pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from tenants.core.dates import MONTHS


class Frequency(enum.StrEnum):
    MENSUELLE = "mensuelle"
    TRIMESTRIELLE = "trimestrielle"
    SEMESTRIELLE = "semestrielle"
    ANNUELLE = "annuelle"

    @property
    def months(self) -> int:
        return {"mensuelle": 1, "trimestrielle": 3, "semestrielle": 6, "annuelle": 12}[self]

    @property
    def every(self) -> str:
        return {"mensuelle": "chaque mois", "trimestrielle": "chaque trimestre",
                "semestrielle": "chaque semestre", "annuelle": "chaque année"}[self]

    @property
    def example(self) -> str:
        return {"mensuelle": "2026-07", "trimestrielle": "2026-T3", "semestrielle": "2026-S2",
                "annuelle": "2026"}[self]


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date          # included
    key: str           # "2026-07", "2026-T3", "2026-S2", "2026"

    @property
    def label(self) -> str:
        months = (self.end.month - self.start.month) + 1
        if months == 1:
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        if months == 3:
            rank = (self.start.month - 1) // 3 + 1
            return f"{'1er' if rank == 1 else f'{rank}e'} trimestre {self.start.year}"
        if months == 6:
            return f"{'1er' if self.start.month == 1 else '2e'} semestre {self.start.year}"
        return f"année {self.start.year}"

    @property
    def of_label(self) -> str:
        """"Déclaration {of_label}": de juillet 2026, d'octobre 2026, du 3e trimestre 2026,
        de l'année 2026."""
        label = self.label
        if label.startswith("année"):
            return f"de l'{label}"
        if label[0].isdigit():
            return f"du {label}"
        return f"d'{label}" if label[0] in "aeiouyâ" else f"de {label}"

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def deadline(self, day: int) -> date:
        """`day` of the month after the period (1–28: every month has it)."""
        after = self.end + timedelta(days=1)
        return date(after.year, after.month, day)

    def next(self) -> Period:
        return _period_at(self.end + timedelta(days=1), _frequency_of(self))

    def previous(self) -> Period:
        return _period_at(self.start - timedelta(days=1), _frequency_of(self))


def _frequency_of(period: Period) -> Frequency:
    return {1: Frequency.MENSUELLE, 3: Frequency.TRIMESTRIELLE, 6: Frequency.SEMESTRIELLE,
            12: Frequency.ANNUELLE}[period.end.month - period.start.month + 1]


def _period_at(day: date, frequency: Frequency) -> Period:
    size = frequency.months
    first_month = (day.month - 1) // size * size + 1
    start = date(day.year, first_month, 1)
    last_month = first_month + size - 1
    end = (date(day.year + 1, 1, 1) if last_month == 12
           else date(day.year, last_month + 1, 1)) - timedelta(days=1)
    rank = (first_month - 1) // size + 1
    key = {Frequency.MENSUELLE: f"{day.year}-{first_month:02d}",
           Frequency.TRIMESTRIELLE: f"{day.year}-T{rank}",
           Frequency.SEMESTRIELLE: f"{day.year}-S{rank}",
           Frequency.ANNUELLE: f"{day.year}"}[frequency]
    return Period(start, end, key)


def period_of(day: date, frequency: Frequency | str) -> Period:
    """The period holding `day`."""
    return _period_at(day, Frequency(frequency))


_KEYS = {Frequency.MENSUELLE: re.compile(r"(\d{4})-(\d{2})"),
         Frequency.TRIMESTRIELLE: re.compile(r"(\d{4})-T([1-4])"),
         Frequency.SEMESTRIELLE: re.compile(r"(\d{4})-S([12])"),
         Frequency.ANNUELLE: re.compile(r"(\d{4})")}


def parse(key: str, frequency: Frequency | str) -> Period:
    """A period's name as typed (`2026-07`, `2026-T3`, `2026-S2`, `2026`), in the calendar's
    frequency; ValueError with a French sentence otherwise."""
    frequency = Frequency(frequency)
    match = _KEYS[frequency].fullmatch((key or "").strip().upper())
    if match is None:
        raise ValueError(f"Période « {key} » invalide : la collectivité fait déclarer "
                         f"{frequency.every} (par exemple {frequency.example}).")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(f"Période « {key} » invalide : année hors de portée.")
    if frequency is Frequency.ANNUELLE:
        return period_of(date(year, 1, 1), frequency)
    rank = int(match.group(2))
    if frequency is Frequency.MENSUELLE and not 1 <= rank <= 12:
        raise ValueError(f"Période « {key} » invalide : le mois va de 01 à 12.")
    month = rank if frequency is Frequency.MENSUELLE else (rank - 1) * frequency.months + 1
    return period_of(date(year, month, 1), frequency)


def between(first: date, last: date, frequency: Frequency | str) -> list[Period]:
    """Every period from the one holding `first` to the one holding `last`."""
    periods, current = [], period_of(first, frequency)
    while current.start <= last:
        periods.append(current)
        current = current.next()
    return periods


def from_key(key: str) -> Period:
    """A period from its key alone (its form tells the frequency: `2026-07`, `2026-T3`…), for
    what was recorded under an earlier calendar."""
    for frequency, pattern in _KEYS.items():
        if pattern.fullmatch(key or ""):
            return parse(key, frequency)
    raise ValueError(f"Période « {key} » invalide.")
