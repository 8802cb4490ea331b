"""Where every hébergement stands, for the collectivité (a period's page, its export, the
reminders) and for a host (their dashboard): a few queries for thousands of hébergements, the
states computed here the one way `filing.state_of` says."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager

from tenants.core.validation import plain
from tenants.declarations import calendar
from tenants.declarations.calendar import Period
from tenants.declarations.filing import Calendar, State, Status, state_of
from tenants.declarations.models import Declaration
from tenants.hosts.models import Hebergement, Host
from tenants.hosts.natures import NATURES
from tenants.tax.law import law

ZERO = Decimal("0.00")
DECLARED = (State.DECLAREE, State.RECTIFIEE)
NOT_DECLARED = (State.A_DECLARER, State.EN_RETARD, State.BROUILLON)
#: The console's filters: their code in the URL, their label, the states they keep.
FILTERS = {"en_retard": ("En retard", (State.EN_RETARD,)),
           "non_declarees": ("Non déclarées", NOT_DECLARED),
           "declarees": ("Déclarées", DECLARED),
           "brouillons": ("Brouillons", (State.BROUILLON,))}


@dataclass(frozen=True)
class Row:
    hebergement_id: int
    name: str
    reference: str | None
    host_id: int
    host_name: str
    host_email: str | None
    nature: str
    category: str
    state: State
    declaration_id: int | None     # the version counted (the validated one, else the draft)
    version: int | None
    regime: str | None
    taxable_nights: int
    exempt_nights: int
    platform_nights: int
    amount: Decimal                # validated: due; draft: so far; none: 0

    @property
    def declared(self) -> bool:
        return self.state in DECLARED


@dataclass
class Totals:
    count: int = 0
    taxable_nights: int = 0
    exempt_nights: int = 0
    platform_nights: int = 0
    amount: Decimal = ZERO

    def add(self, row: Row) -> None:
        self.count += 1
        self.taxable_nights += row.taxable_nights
        self.exempt_nights += row.exempt_nights
        self.platform_nights += row.platform_nights
        self.amount += row.amount


@dataclass
class Overview:
    period: Period
    deadline: date
    states: dict[State, int] = field(default_factory=dict)
    by_category: dict[tuple[str, str], Totals] = field(default_factory=dict)
    declared: Totals = field(default_factory=Totals)


def _concerned(start: date, period: Period, declared: bool) -> bool:
    """Asked of the host from the period of their start date; an earlier period counts only
    when somebody recorded it (history brought from another platform)."""
    return declared or period.end >= start


def period_rows(session: Session, period: Period, cal: Calendar, today: date,
                host_id: int | None = None) -> list[Row]:
    """Every hébergement concerned by the period (of one host, or all), by name."""
    deadline = cal.deadline(period)
    query = (sa.select(Hebergement.id, Hebergement.name, Hebergement.reference,
                       Hebergement.nature, Hebergement.classement, Hebergement.started_on,
                       Hebergement.created_at, Host.id.label("host_id"), Host.last_name,
                       Host.first_name, Host.email)
             .join(Host, Host.id == Hebergement.host_id)
             .order_by(Hebergement.name, Hebergement.id))
    declarations = (sa.select(Declaration.id, Declaration.hebergement_id, Declaration.version,
                              Declaration.status, Declaration.regime,
                              Declaration.taxable_nights, Declaration.exempt_nights,
                              Declaration.platform_nights, Declaration.amount)
                    .where(Declaration.period == period.key)
                    .order_by(Declaration.hebergement_id, Declaration.version.desc()))
    if host_id is not None:
        query = query.where(Hebergement.host_id == host_id)
        declarations = declarations.join(Hebergement).where(Hebergement.host_id == host_id)
    found: dict[int, list] = defaultdict(list)
    for declaration in session.execute(declarations):
        found[declaration.hebergement_id].append(declaration)
    classify, category_name = law().classify, law().category_name
    rows = []
    for h in session.execute(query):
        versions = found.get(h.id, [])
        if not _concerned(h.started_on or h.created_at.date(), period, bool(versions)):
            continue
        state = state_of(versions, deadline, today)
        counted = next((d for d in versions if d.status == Status.VALIDEE),
                       versions[0] if versions else None)
        _nature, category = classify(h.nature, h.classement)
        rows.append(Row(
            h.id, h.name, h.reference, h.host_id, f"{h.last_name} {h.first_name}", h.email,
            NATURES.get(h.nature, (h.nature,))[0], category_name(category), state,
            counted.id if counted else None, counted.version if counted else None,
            counted.regime if counted else None,
            counted.taxable_nights if counted else 0, counted.exempt_nights if counted else 0,
            counted.platform_nights if counted else 0, counted.amount if counted else ZERO))
    return rows


def _table(period: Period, cal: Calendar, today: date):
    """The period's hébergements as one SQL table, for a page of thousands: each concerned
    hébergement, its state (`state_of`'s rules, in SQL: the tests hold both to the same
    answers), the version counted (the validated one, else the draft)."""
    per = (sa.select(Declaration.hebergement_id.label("hid"),
                     sa.func.max(sa.case((Declaration.status == Status.VALIDEE.value,
                                          Declaration.version))).label("validated"),
                     sa.func.max(Declaration.version).label("latest"))
           .where(Declaration.period == period.key).group_by(Declaration.hebergement_id)
           .subquery())
    late = today > cal.deadline(period)
    state = sa.case((per.c.validated > 1, State.RECTIFIEE.value),
                    (per.c.validated == 1, State.DECLAREE.value),
                    *(() if late else ((per.c.latest.is_not(None), State.BROUILLON.value),)),
                    else_=(State.EN_RETARD if late else State.A_DECLARER).value)
    counted = aliased(Declaration)
    next_day = datetime.combine(period.end + timedelta(days=1), time())
    return (sa.select(Hebergement.id, Hebergement.name, Hebergement.reference,
                      Hebergement.nature, Hebergement.classement,
                      Host.id.label("host_id"), Host.last_name, Host.first_name, Host.email,
                      state.label("state"), counted.id.label("declaration_id"),
                      counted.version, counted.regime,
                      sa.func.coalesce(counted.taxable_nights, 0).label("taxable_nights"),
                      sa.func.coalesce(counted.exempt_nights, 0).label("exempt_nights"),
                      sa.func.coalesce(counted.platform_nights, 0).label("platform_nights"),
                      sa.func.coalesce(counted.amount, ZERO).label("amount"))
            .join(Host, Host.id == Hebergement.host_id)
            .outerjoin(per, per.c.hid == Hebergement.id)
            .outerjoin(counted, sa.and_(
                counted.hebergement_id == Hebergement.id, counted.period == period.key,
                counted.version == sa.func.coalesce(per.c.validated, per.c.latest)))
            .where(sa.or_(per.c.latest.is_not(None), Hebergement.started_on <= period.end,
                          sa.and_(Hebergement.started_on.is_(None),
                                  Hebergement.created_at < next_day)))
            .subquery())


def overview(session: Session, period: Period, cal: Calendar, today: date) -> Overview:
    """The period's counts per state and totals of what is declared, by nature and category
    (computed by the database)."""
    t = _table(period, cal, today)
    result = Overview(period, cal.deadline(period), states={state: 0 for state in State})
    for state, count in session.execute(sa.select(t.c.state, sa.func.count())
                                        .group_by(t.c.state)):
        result.states[State(state)] += count
    classify, category_name = law().classify, law().category_name
    for row in session.execute(
            sa.select(t.c.nature, t.c.classement, sa.func.count(),
                      sa.func.sum(t.c.taxable_nights), sa.func.sum(t.c.exempt_nights),
                      sa.func.sum(t.c.platform_nights), sa.func.sum(t.c.amount))
            .where(t.c.state.in_([s.value for s in DECLARED]))
            .group_by(t.c.nature, t.c.classement)):
        nature, classement, count, taxable, exempt, platform, amount = row
        key = (NATURES.get(nature, (nature,))[0],
               category_name(classify(nature, classement)[1]))
        for totals in (result.by_category.setdefault(key, Totals()), result.declared):
            totals.count += count
            totals.taxable_nights += taxable
            totals.exempt_nights += exempt
            totals.platform_nights += platform
            totals.amount += amount
    result.by_category = dict(sorted(result.by_category.items()))
    return result


def listing(session: Session, period: Period, cal: Calendar, today: date,
            state: str | None = None, minimum: Decimal | None = None, search: str = "",
            page: int = 1, per_page: int = 50) -> tuple[list[Row], int]:
    """One page of the period's hébergements, filtered, by name; and how many match."""
    t = _table(period, cal, today)
    where = []
    if state in FILTERS:
        where.append(t.c.state.in_([s.value for s in FILTERS[state][1]]))
    if minimum is not None:
        where.append(t.c.amount >= minimum)
    words = plain(search).split()
    if words:  # accent-insensitive: compared in Python, on a few columns
        where.append(t.c.id.in_([
            ident for ident, *text in session.execute(
                sa.select(t.c.id, t.c.name, t.c.reference, t.c.last_name, t.c.first_name))
            if all(word in plain(" ".join(part or "" for part in text)) for word in words)]))
    count = session.scalar(sa.select(sa.func.count()).select_from(t).where(*where))
    classify, category_name = law().classify, law().category_name
    rows = [Row(r.id, r.name, r.reference, r.host_id, f"{r.last_name} {r.first_name}", r.email,
                NATURES.get(r.nature, (r.nature,))[0],
                category_name(classify(r.nature, r.classement)[1]), State(r.state),
                r.declaration_id, r.version, r.regime, r.taxable_nights, r.exempt_nights,
                r.platform_nights, r.amount)
            for r in session.execute(sa.select(t).where(*where).order_by(t.c.name, t.c.id)
                                     .limit(per_page).offset((page - 1) * per_page))]
    return rows, count


# --- a host's own ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One hébergement × period, as the host sees it."""

    hebergement: Hebergement
    period: Period
    deadline: date
    state: State
    amount: Decimal | None         # the validated amount, or the draft's so far
    validated: Declaration | None  # the version in force, for its état récapitulatif


def host_entries(session: Session, host: Host, cal: Calendar,
                 today: date) -> dict[int, list[Entry]]:
    """Per hébergement of the host, newest period first: every period asked of them since their
    start date (the current one included), and any earlier one recorded."""
    ids = [h.id for h in host.hebergements]
    found: dict[tuple[int, str], list[Declaration]] = defaultdict(list)
    if ids:
        for declaration in session.scalars(
                sa.select(Declaration).where(Declaration.hebergement_id.in_(ids))
                .order_by(Declaration.version.desc())):
            found[(declaration.hebergement_id, declaration.period)].append(declaration)
    entries: dict[int, list[Entry]] = {}
    for hebergement in host.hebergements:
        periods = {p.key: p for p in calendar.between(hebergement.start_date, today,
                                                      cal.frequency)}
        for (hebergement_id, key), versions in found.items():
            if hebergement_id == hebergement.id and key not in periods:
                periods[key] = Period(versions[0].period_start, versions[0].period_end, key)
        listed = []
        for period in sorted(periods.values(), reverse=True):
            versions = found.get((hebergement.id, period.key), [])
            deadline = cal.deadline(period)
            validated = next((d for d in versions if d.status == Status.VALIDEE), None)
            counted = validated or (versions[0] if versions else None)
            listed.append(Entry(hebergement, period, deadline,
                                state_of(versions, deadline, today),
                                counted.amount if counted else None, validated))
        entries[hebergement.id] = listed
    return entries


def to_do(entries: dict[int, list[Entry]]) -> list[Entry]:
    """What the host still has to declare, oldest deadline first."""
    return sorted((e for listed in entries.values() for e in listed if e.state in NOT_DECLARED),
                  key=lambda e: (e.deadline, e.hebergement.name))


def receipts(session: Session, host: Host) -> list[Declaration]:
    """The host's validated declarations (rectified ones too), newest period first: each has
    its état récapitulatif."""
    return list(session.scalars(
        sa.select(Declaration).join(Hebergement)
        .options(contains_eager(Declaration.hebergement))
        .where(Hebergement.host_id == host.id,
               Declaration.status.in_((Status.VALIDEE, Status.REMPLACEE)))
        .order_by(Declaration.period_start.desc(), Hebergement.name, Declaration.version.desc())))


# --- the export -----------------------------------------------------------------------------

EXPORT_COLUMNS = ("hebergement_reference", "periode", "etat", "nuitees_taxables",
                  "nuitees_exonerees", "nuitees_plateforme", "montant")


def export_rows(rows: list[Row], period: Period) -> list[tuple]:
    """`flask declarations export` and the console's CSV: nuitées are person-nights, amounts
    with a `.`; what is declared only (a draft's figures so far are not a declaration: 0)."""
    return [(row.reference or "", period.key, row.state.value,
             *((row.taxable_nights, row.exempt_nights, row.platform_nights, f"{row.amount:.2f}")
               if row.declared else (0, 0, 0, "0.00"))) for row in rows]


def history(session: Session, host: Host) -> list[Declaration]:
    """Every version of every declaration of the host's hébergements, newest period first."""
    return list(session.scalars(
        sa.select(Declaration).join(Hebergement)
        .options(contains_eager(Declaration.hebergement))
        .where(Hebergement.host_id == host.id)
        .order_by(Declaration.period_start.desc(), Hebergement.name,
                  Declaration.version.desc())))
