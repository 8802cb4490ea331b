"""The collectivité's deliberations: stored (checked, versioned, journaled), found (the one in
force for a commune and a year, the history), and handed to the engine as `Rules`."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.core.dates import french_date, utcnow
from tenants.tax import calculation, checks
from tenants.tax.delta import BandData, Commune, DeliberationData, GridLine, PeriodData
from tenants.tax.law import law
from tenants.tax.models import (
    Band,
    Deliberation,
    DeliberationCommune,
    LegalGridLine,
    Period,
    Regime,
    Tariff,
)


class Source(enum.StrEnum):
    DELTA = "delta"
    CONSOLE = "console"


class Outcome(enum.StrEnum):
    LOADED = "chargée"
    CHANGED = "modifiée"
    UNCHANGED = "inchangée"


def describe(data: DeliberationData) -> str:
    """How a deliberation is named in a report: who adopted it, when."""
    return f"{data.name} (délibération du {french_date(data.adopted_on)})"


# --- the legal grid ---------------------------------------------------------------------------


def grid(session: Session, year: int) -> dict[int, GridLine]:
    return {row.category: GridLine(row.category, row.floor, row.ceiling, row.unit, row.label)
            for row in session.scalars(sa.select(LegalGridLine)
                                       .where(LegalGridLine.year == year))}


def store_grid(session: Session, year: int, lines: dict[int, GridLine],
               current: dict[int, GridLine] | None = None) -> bool:
    """The year's grid as the DELTA file gives it (`current`: as stored, when already read);
    True if anything changed."""
    if current is None:
        current = grid(session, year)
    if current == lines:
        return False
    session.execute(sa.delete(LegalGridLine).where(LegalGridLine.year == year))
    session.add_all(LegalGridLine(year=year, category=line.category, floor=line.floor,
                                  ceiling=line.ceiling, unit=line.unit, label=line.label)
                    for line in lines.values())
    return True


def known_years(session: Session) -> list[int]:
    return list(session.scalars(sa.select(LegalGridLine.year).distinct()
                                .order_by(LegalGridLine.year)))


# --- storing ------------------------------------------------------------------------------


def fingerprint(data: DeliberationData) -> str:
    """What applies, whatever the DELTA entry date: the same text gives the same print."""
    content = {
        "name": data.name, "siren": data.siren, "insee": data.insee,
        "adopted_on": data.adopted_on.isoformat(),
        "communes": [[c.insee, c.name] for c in data.communes],
        "regimes": [list(r) for r in data.regimes],
        "periods": [[list(p.start), list(p.end), [[c, str(a)] for c, a in p.tariffs]]
                    for p in data.periods],
        "low_rent": [str(v) if v is not None else None
                     for v in (data.low_rent_night, data.low_rent_week, data.low_rent_month)],
        "additional": list(data.additional),
        "bands": [[str(b.rate), b.nights_min, b.nights_max] for b in data.bands],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def key_of(data: DeliberationData) -> str:
    return f"{data.siren or data.insee or 'console'}:{data.adopted_on.isoformat()}"


def store(session: Session, data: DeliberationData, year: int, source: Source, by: Actor,
          key: str | None = None) -> tuple[Outcome, Deliberation]:
    """Check `data` against the law and store it as a new version of its deliberation (or
    nothing, when the latest version already says the same); UserError lists what the law
    refuses. `key`: the deliberation a correction replaces."""
    batch = Batch(session, year, source, by)
    outcome = batch.store(data, key)
    (row_id,) = batch.flush() or (batch.latest[key or key_of(data)][2],)
    return outcome, session.get(Deliberation, row_id)


class Batch:
    """Storing many deliberations of one year (a DELTA import writes hundreds): the grid and
    the latest version of each deliberation are read once, and what is new is written in a
    handful of statements (one per table), not one per row."""

    def __init__(self, session: Session, year: int, source: Source, by: Actor,
                 the_grid: dict[int, GridLine] | None = None):
        self.session, self.year, self.source, self.by = session, year, source, by
        self.grid = grid(session, year) if the_grid is None else the_grid
        self.latest: dict[str, tuple[int, str, int]] | None = None  # key → version, print, id
        self.queued: list[tuple[DeliberationData, str, int, str, bool]] = []

    def _previous(self, key: str):
        if self.latest is None:
            rows = self.session.execute(_current_versions(self.year).with_only_columns(
                Deliberation.key, Deliberation.version, Deliberation.fingerprint,
                Deliberation.id)).all()
            self.latest = {row.key: (row.version, row.fingerprint, row.id) for row in rows}
        return self.latest.get(key)

    def store(self, data: DeliberationData, key: str | None = None) -> Outcome:
        """Check and queue (UserError: refused, nothing queued); `flush` writes."""
        found = checks.problems(data, self.year, self.grid, law())
        if found:
            raise UserError(" ".join(found))
        key = key or key_of(data)
        print_ = fingerprint(data)
        previous = self._previous(key)
        if previous is not None and previous[1] == print_:
            return Outcome.UNCHANGED
        version = previous[0] + 1 if previous else 1
        self.latest[key] = (version, print_, 0)
        self.queued.append((data, key, version, print_, previous is not None))
        return Outcome.CHANGED if previous else Outcome.LOADED

    def flush(self) -> list[int]:
        """Write what was queued; returns the new versions' ids, in order."""
        if not self.queued:
            return []
        session = self.session
        ids = session.scalars(
            sa.insert(Deliberation).returning(Deliberation.id, sort_by_parameter_order=True),
            [self._values(data, key, version, print_)
             for data, key, version, print_, _corrected in self.queued]).all()
        periods = [(row_id, position, period) for row_id, (data, *_rest) in
                   zip(ids, self.queued, strict=True)
                   for position, period in enumerate(data.periods)]
        period_ids = session.scalars(
            sa.insert(Period).returning(Period.id, sort_by_parameter_order=True),
            [{"deliberation_id": row_id, "position": position, "start_month": p.start[0],
              "start_day": p.start[1], "end_month": p.end[0], "end_day": p.end[1]}
             for row_id, position, p in periods]).all() if periods else []
        children = {DeliberationCommune: [], Regime: [], Band: [], Tariff: []}
        for row_id, (data, key, version, _print, corrected) in zip(ids, self.queued,
                                                                  strict=True):
            children[DeliberationCommune] += [
                {"deliberation_id": row_id, "insee": c.insee, "name": c.name}
                for c in data.communes]
            children[Regime] += [{"deliberation_id": row_id, "nature": n, "regime": r}
                                 for n, r in data.regimes]
            children[Band] += [{"deliberation_id": row_id, "rate": b.rate,
                                "nights_min": b.nights_min, "nights_max": b.nights_max}
                               for b in data.bands]
            self.latest[key] = (version, self.latest[key][1], row_id)
            journal.record(session, f"tax.deliberation_{'corrected' if corrected else 'recorded'}",
                           self.by, target=describe(data)[:200], deliberation_id=row_id,
                           year=self.year, version=version, source=str(self.source))
        for period_id, (_row_id, _position, period) in zip(period_ids, periods, strict=True):
            children[Tariff] += [{"period_id": period_id, "category": c, "amount": a}
                                 for c, a in period.tariffs]
        for model, values in children.items():
            if values:
                session.execute(sa.insert(model), values)
        self.queued = []
        return list(ids)

    def _values(self, data: DeliberationData, key: str, version: int, print_: str) -> dict:
        codes = set(data.additional)
        return {
            "year": self.year, "key": key, "version": version, "source": str(self.source),
            "siren": data.siren or None, "name": data.name, "insee": data.insee,
            "adopted_on": data.adopted_on, "entered_on": data.entered_on,
            "low_rent_night": data.low_rent_night, "low_rent_week": data.low_rent_week,
            "low_rent_month": data.low_rent_month,
            "departementale": "departementale" in codes, "regionale": "regionale" in codes,
            "idfm": "idfm" in codes, "lgv": "lgv" in codes, "fingerprint": print_,
            "recorded_at": utcnow(), "recorded_by": self.by.label or self.by.kind.value}


def to_data(row: Deliberation) -> DeliberationData:
    """A stored version as the checks and the console's form see it."""
    return DeliberationData(
        siren=row.siren or "", name=row.name, insee=row.insee, departement=None,
        entered_on=row.entered_on, adopted_on=row.adopted_on,
        communes=tuple(Commune(c.insee, c.name) for c in row.communes),
        regimes=tuple((r.nature, r.regime) for r in row.regimes),
        periods=tuple(PeriodData((p.start_month, p.start_day), (p.end_month, p.end_day),
                                 tuple((t.category, t.amount) for t in p.tariffs))
                      for p in row.periods),
        low_rent_night=row.low_rent_night, low_rent_week=row.low_rent_week,
        low_rent_month=row.low_rent_month, additional=row.additional,
        bands=tuple(BandData(b.rate, b.nights_min, b.nights_max) for b in row.bands))


# --- finding ------------------------------------------------------------------------------


def _current_versions(year: int | None = None):
    """The latest version of each deliberation (of `year`)."""
    latest = (sa.select(Deliberation.key, Deliberation.year,
                        sa.func.max(Deliberation.version).label("version"))
              .group_by(Deliberation.key, Deliberation.year))
    if year is not None:
        latest = latest.where(Deliberation.year == year)
    latest = latest.subquery()
    return (sa.select(Deliberation)
            .join(latest, sa.and_(latest.c.key == Deliberation.key,
                                  latest.c.year == Deliberation.year,
                                  latest.c.version == Deliberation.version)))


_ORDER = (Deliberation.adopted_on.desc(), Deliberation.entered_on.desc().nulls_last(),
          Deliberation.id.desc())


@dataclass(frozen=True)
class InForce:
    insee: str
    name: str
    deliberation: Deliberation | DeliberationView


def in_force(session: Session, year: int) -> list[InForce]:
    """Per commune of the collectivité's deliberations of `year`, the one in force: the latest
    version of each, and of those covering the commune, the one adopted last."""
    rows = session.scalars(_current_versions(year).options(selectinload(Deliberation.communes))
                           .order_by(*_ORDER)).all()
    chosen: dict[str, InForce] = {}
    for row in rows:  # adopted last first: the first to claim a commune keeps it
        for commune in row.communes:
            chosen.setdefault(commune.insee, InForce(commune.insee, commune.name, row))
    return sorted(chosen.values(), key=lambda f: (f.name, f.insee))


@dataclass(frozen=True)
class DeliberationView:
    """What the calculator and the declarations need of a deliberation in force, with its engine
    rules built: served from memory (plateforme/content.py) until the collectivité's tariffs
    change."""

    id: int
    name: str
    year: int
    version: int
    adopted_on: date
    engine_rules: calculation.Rules


@content.cached
def in_force_views(session: Session, year: int) -> tuple[InForce, ...]:
    """`in_force` as plain values shared by every request: the calculator and every
    declaration's amounts read the deliberations from memory, not from the database."""
    return tuple(InForce(f.insee, f.name, DeliberationView(
        f.deliberation.id, f.deliberation.name, f.deliberation.year, f.deliberation.version,
        f.deliberation.adopted_on, _build_rules(f.deliberation)))
        for f in in_force(session, year))


def history(session: Session, year: int | None = None) -> list[Deliberation]:
    query = sa.select(Deliberation).order_by(Deliberation.year.desc(), *_ORDER,
                                             Deliberation.version.desc())
    if year is not None:
        query = query.where(Deliberation.year == year)
    return list(session.scalars(query))


def years(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Deliberation.year).distinct()
                                .order_by(Deliberation.year.desc())))


def territory(session: Session, siren: str | None) -> set[str]:
    """The communes the collectivité's own deliberations cover (those it adopted, by its SIREN,
    or typed in its console): not those of other deliberations stored for a commune of its, or
    the territory would grow at each import."""
    own = sa.or_(Deliberation.source == Source.CONSOLE.value, Deliberation.siren == siren) \
        if siren else Deliberation.source == Source.CONSOLE.value
    return set(session.scalars(sa.select(DeliberationCommune.insee).distinct()
                               .join(Deliberation).where(own)))


def versions_of(session: Session, row: Deliberation) -> list[Deliberation]:
    return list(session.scalars(sa.select(Deliberation).where(
        Deliberation.key == row.key, Deliberation.year == row.year)
        .order_by(Deliberation.version.desc())))


# --- for the engine -------------------------------------------------------------------------

_RULES: dict[tuple[str, int], calculation.Rules] = {}


def rules(row: Deliberation, schema: str) -> calculation.Rules:
    """The engine's view of a stored version, built once per process (a version never
    changes: a correction is another version)."""
    if isinstance(row, DeliberationView):
        return row.engine_rules
    cached = _RULES.get((schema, row.id))
    if cached is None:
        if len(_RULES) > 5_000:
            _RULES.clear()
        cached = _RULES[(schema, row.id)] = _build_rules(row)
    return cached


def _build_rules(row: Deliberation) -> calculation.Rules:
    the_law = law()
    first_day = date(row.year, 1, 1)
    return calculation.Rules(
        year=row.year,
        periods=tuple(calculation.Period((p.start_month, p.start_day), (p.end_month, p.end_day),
                                         {t.category: t.amount for t in p.tariffs})
                      for p in row.periods),
        regimes={r.nature: calculation.Regime(r.regime) for r in row.regimes},
        additional=tuple(calculation.AdditionalTax(t.code, t.rate)
                         for t in the_law.additional_in_force(row.additional, first_day)),
        low_rent=calculation.LowRent(row.low_rent_night, row.low_rent_week,
                                     row.low_rent_month),
        bands=tuple(calculation.Band(b.rate, b.nights_min, b.nights_max) for b in row.bands))
