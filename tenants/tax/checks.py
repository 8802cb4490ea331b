"""The law's checks on a deliberation, before it is stored (DELTA import or console): each
problem is one French sentence naming the category and the bound. Pure: no Flask, no SQLAlchemy.

- every tariff within the year's legal grid (floor and ceiling per category);
- the proportional rate between 1 % and 5 %;
- no category above a higher category of the same nature (L2333-30);
- no forfait on unclassified accommodation (L2333-26), abattements between 10 % and 80 %;
- periods that exist and do not overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tenants.core.dates import french_date
from tenants.core.money import french
from tenants.tax.delta import DeliberationData, GridLine, PeriodData
from tenants.tax.law import PROPORTIONAL, UNCLASSIFIED_NATURE, Law


def period_label(period: PeriodData, year: int) -> str:
    start, end = _day(year, period.start), _day(year, period.end)
    if start is None or end is None:
        return "période"
    return f"période du {_short(start)} au {_short(end)}"


def _short(day: date) -> str:
    return french_date(day).rsplit(" ", 1)[0]


def _day(year: int, month_day: tuple[int, int]) -> date | None:
    try:
        return date(year, *month_day)
    except ValueError:
        return None


def problems(data: DeliberationData, year: int, grid: Mapping[int, GridLine],
             law: Law) -> list[str]:
    """What the law refuses in `data` for `year`; empty when it may be stored."""
    found = []
    if not grid:
        return [f"La grille légale de {year} n'est pas connue : elle est chargée avec le fichier "
                "DELTA de la DGFiP de l'année ; importez-le d'abord."]
    if not data.periods:
        found.append("Au moins une période de perception est nécessaire.")
    for period in data.periods:
        found += _period_problems(period, year, grid, law)
    found += _overlaps(data.periods, year)
    regimes = dict(data.regimes)
    if regimes.get(UNCLASSIFIED_NATURE) == "forfait":
        found.append("Forfait refusé pour les hébergements sans classement ou en attente de "
                     "classement : ils sont toujours taxés au réel (article L2333-26 du CGCT).")
    for band in data.bands:
        if not law.abattement_floor <= band.rate <= law.abattement_ceiling:
            found.append(f"Abattement de {french(band.rate, '%')} hors des bornes légales "
                         f"({french(law.abattement_floor, '%')} à "
                         f"{french(law.abattement_ceiling, '%')}, article L2333-41 du CGCT).")
        if band.nights_max is not None and band.nights_max < band.nights_min:
            found.append(f"Abattement de {french(band.rate, '%')} : de {band.nights_min} à "
                         f"{band.nights_max} nuits, la tranche est vide.")
    for label, value in (("nuit", data.low_rent_night), ("semaine", data.low_rent_week),
                         ("mois", data.low_rent_month)):
        if value is not None and value < 0:
            found.append(f"Loyer minimum par {label} négatif.")
    return found


def _period_problems(period: PeriodData, year: int, grid, law: Law) -> list[str]:
    where = period_label(period, year)
    if _day(year, period.start) is None or _day(year, period.end) is None:
        return [f"{where.capitalize()} : date impossible."]
    found = []
    tariffs = dict(period.tariffs)
    for category, amount in sorted(tariffs.items()):
        line = grid.get(category)
        name = law.category_name(category)
        unit = "%" if category == PROPORTIONAL else "€"
        if category == PROPORTIONAL and not (
                law.proportional_floor <= amount <= law.proportional_ceiling):
            found.append(f"{where.capitalize()} : {name} : taux de {french(amount, '%')} hors "
                         f"des bornes légales ({french(law.proportional_floor, '%')} à "
                         f"{french(law.proportional_ceiling, '%')}).")
        elif line is None:
            found.append(f"{where.capitalize()} : {name} : aucune borne légale pour {year}.")
        elif amount < line.floor:
            found.append(f"{where.capitalize()} : {name} : {french(amount, unit)} est en dessous "
                         f"du plancher légal {year} de {french(line.floor, unit)}.")
        elif amount > line.ceiling:
            found.append(f"{where.capitalize()} : {name} : {french(amount, unit)} est au-dessus "
                         f"du plafond légal {year} de {french(line.ceiling, unit)}.")
    for chain in law.chains:
        adopted = [(c, tariffs[c]) for c in chain if c in tariffs]
        for (higher, above), (lower, below) in zip(adopted, adopted[1:], strict=False):
            if below > above:
                found.append(
                    f"{where.capitalize()} : {law.category_name(lower)} : {french(below)} "
                    f"dépasse le tarif de la {law.category_name(higher)} ({french(above)}) ; "
                    "une catégorie ne peut être taxée plus qu'une catégorie supérieure "
                    "(article L2333-30 du CGCT).")
    return found


def _overlaps(periods, year: int) -> list[str]:
    days: dict[int, str] = {}
    for period in periods:
        start, end = _day(year, period.start), _day(year, period.end)
        if start is None or end is None:
            continue
        ordinals = (range(start.toordinal(), end.toordinal() + 1) if start <= end else
                    [*range(start.toordinal(), date(year, 12, 31).toordinal() + 1),
                     *range(date(year, 1, 1).toordinal(), end.toordinal() + 1)])
        label = period_label(period, year)
        for ordinal in ordinals:
            other = days.setdefault(ordinal, label)
            if other != label:
                return [f"La {label} chevauche la {other} : une nuit ne relève que d'une "
                        "période."]
    return []
