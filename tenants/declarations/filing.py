"""A host's declaration for a period, from the first draft to the locked version: stays added,
changed, imported or removed, "0 nuitée", the totals kept up to date, validation (the lock, the
état récapitulatif, the email) and rectification (a new version). Plain functions on a session;
each journaled with who acted."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import french_date, utcnow
from tenants.core.money import french
from tenants.core.urls import tenant_url
from tenants.declarations import calendar, computing
from tenants.declarations.calendar import Frequency, Period
from tenants.declarations.computing import EXEMPT_REASONS, ZERO_REASONS, StayInput, Summary
from tenants.declarations.models import Declaration, Stay
from tenants.declarations.sources import StayRow
from tenants.hosts.models import Hebergement
from tenants.tax.calculation import ROUNDING, Regime

MAX_STAY_NIGHTS = 366


class Status(enum.StrEnum):
    BROUILLON = "brouillon"
    VALIDEE = "validee"
    REMPLACEE = "remplacee"


class State(enum.StrEnum):
    """Where an hébergement stands for a period (the codes of `flask declarations export`)."""

    A_DECLARER = "a_declarer"
    EN_RETARD = "en_retard"
    BROUILLON = "brouillon"
    DECLAREE = "declaree"
    RECTIFIEE = "rectifiee"

    @property
    def label(self) -> str:
        return {"a_declarer": "À déclarer", "en_retard": "En retard", "brouillon": "Brouillon",
                "declaree": "Déclarée", "rectifiee": "Rectifiée"}[self.value]


# --- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    frequency: Frequency
    deadline_day: int

    def period(self, key: str) -> Period:
        try:
            return calendar.parse(key, self.frequency)
        except ValueError as error:
            raise UserError(str(error)) from None

    def of(self, day: date) -> Period:
        return calendar.period_of(day, self.frequency)

    def deadline(self, period: Period) -> date:
        return period.deadline(self.deadline_day)


def calendar_of(session: Session) -> Calendar:
    values = settings.current(session)
    return Calendar(Frequency(values.declaration_frequency), values.declaration_deadline_day)


def due_periods(hebergement: Hebergement, cal: Calendar, today: date) -> list[Period]:
    """What the host is asked to declare: from the period of the hébergement's start date to the
    last one ended by `today` (the current one too, to be filled in as it goes)."""
    return calendar.between(hebergement.start_date, today, cal.frequency)


def reference(hebergement_id: int, period: str) -> str:
    return f"D-{period}-{hebergement_id:06d}"


# --- finding --------------------------------------------------------------------------------


def versions(session: Session, hebergement_id: int, period: str) -> list[Declaration]:
    """Newest first."""
    return list(session.scalars(sa.select(Declaration).where(
        Declaration.hebergement_id == hebergement_id, Declaration.period == period)
        .order_by(Declaration.version.desc())))


def current(session: Session, hebergement_id: int, period: str) -> Declaration | None:
    found = versions(session, hebergement_id, period)
    return found[0] if found else None


def stay_count(session: Session, declaration: Declaration) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Stay)
                          .where(Stay.declaration_id == declaration.id))


def stays_page(session: Session, declaration: Declaration, page: int,
               per_page: int) -> list[Stay]:
    """A page of a declaration's lines (a register may hold thousands)."""
    return list(session.scalars(sa.select(Stay).where(Stay.declaration_id == declaration.id)
                                .order_by(Stay.arrival, Stay.id)
                                .limit(per_page).offset((page - 1) * per_page)))


def by_reference(session: Session, reference: str) -> Hebergement | None:
    return session.scalar(sa.select(Hebergement).where(Hebergement.reference == reference.strip()))


def stay_of(session: Session, hebergement_id: int, period: str, stay_id: int) -> Stay | None:
    """A line of the period's current draft."""
    return session.scalar(sa.select(Stay).join(Declaration).where(
        Stay.id == stay_id, Declaration.hebergement_id == hebergement_id,
        Declaration.period == period, Declaration.status == Status.BROUILLON))


def validated_version(session: Session, hebergement_id: int, period: str,
                      version: int) -> Declaration | None:
    return session.scalar(sa.select(Declaration).where(
        Declaration.hebergement_id == hebergement_id, Declaration.period == period,
        Declaration.version == version,
        Declaration.status.in_((Status.VALIDEE, Status.REMPLACEE))))


def last_validated(found: list[Declaration]) -> Declaration | None:
    return next((d for d in found if d.status == Status.VALIDEE), None)


def state_of(found: list[Declaration], deadline: date, today: date) -> State:
    """From the versions of one period (newest first)."""
    validated = last_validated(found)
    if validated is not None:
        return State.RECTIFIEE if validated.version > 1 else State.DECLAREE
    if today > deadline:
        return State.EN_RETARD
    return State.BROUILLON if found else State.A_DECLARER


def carried(session: Session, declaration: Declaration) -> list[Stay]:
    """Stays of the hébergement arrived in an earlier period whose nights reach into this one
    (from each earlier period's latest version)."""
    latest = (sa.select(Declaration.period, sa.func.max(Declaration.version).label("version"))
              .where(Declaration.hebergement_id == declaration.hebergement_id)
              .group_by(Declaration.period).subquery())
    return list(session.scalars(
        sa.select(Stay).join(Declaration)
        .join(latest, sa.and_(latest.c.period == Declaration.period,
                              latest.c.version == Declaration.version))
        .where(Declaration.hebergement_id == declaration.hebergement_id,
               Declaration.period_start < declaration.period_start,
               Stay.departure > declaration.period_start)
        .order_by(Stay.arrival, Stay.id)))


_STAY_COLUMNS = (Stay.arrival, Stay.departure, Stay.persons, Stay.exempt_minors,
                 Stay.exempt_seasonal, Stay.exempt_emergency, Stay.price_per_night,
                 Stay.channel, Stay.platform)


def inputs(session: Session, declaration: Declaration,
           carried_stays: list[Stay] | None = None,
           own_stays: list[Stay] | None = None) -> list[StayInput]:
    """What the engine is given: the stays carried from earlier periods, then the period's
    own, read as plain rows (a register of thousands of lines is not loaded as objects) unless
    the caller already read them (`carried_stays`, `own_stays`: every line, in order)."""
    if carried_stays is None:
        carried_stays = carried(session, declaration)
    if own_stays is not None:
        own = [StayInput.of(stay) for stay in own_stays]
    else:
        own = [] if declaration.id is None else [
            StayInput(*row) for row in session.execute(
                sa.select(*_STAY_COLUMNS).where(Stay.declaration_id == declaration.id)
                .order_by(Stay.arrival, Stay.id))]
    return [StayInput.of(stay, carried=True) for stay in carried_stays] + own


def summary(session: Session, schema: str, declaration: Declaration,
            hebergement: Hebergement, carried_stays: list[Stay] | None = None,
            own_stays: list[Stay] | None = None) -> Summary:
    period = Period(declaration.period_start, declaration.period_end, declaration.period)
    stays = [] if declaration.zero_reason else inputs(session, declaration, carried_stays,
                                                      own_stays)
    return computing.summarize(session, schema, hebergement, period, stays)


# --- drafts ---------------------------------------------------------------------------------


def draft(session: Session, schema: str, hebergement: Hebergement, period: Period,
          cal: Calendar, by: Actor) -> Declaration:
    """The draft to work on for the period: the one in progress, else a rectification of the
    validated version (its stays copied), else the first version."""
    found = versions(session, hebergement.id, period.key)
    if found and found[0].status == Status.BROUILLON:
        return found[0]
    regime = computing.regime_of(session, schema, hebergement, period)
    previous = last_validated(found)
    declaration = Declaration(
        hebergement_id=hebergement.id, period=period.key, period_start=period.start,
        period_end=period.end, deadline=cal.deadline(period),
        version=(found[0].version + 1) if found else 1, status=Status.BROUILLON.value,
        regime=regime.value, supersedes_id=previous.id if previous else None,
        zero_reason=previous.zero_reason if previous else (
            "ferme" if computing.closed_throughout(hebergement, period) else None))
    if previous is not None:
        declaration.stays = [_copy(stay) for stay in previous.stays]
    session.add(declaration)
    session.flush()
    journal.record(session, "declaration.rectification_opened" if previous else
                   "declaration.opened", by, target=f"{hebergement.name} — {period.label}",
                   declaration_id=declaration.id, version=declaration.version)
    refresh(session, schema, declaration, hebergement)
    return declaration


def _copy(stay: Stay) -> Stay:
    return Stay(arrival=stay.arrival, departure=stay.departure, persons=stay.persons,
                exempt_minors=stay.exempt_minors, exempt_seasonal=stay.exempt_seasonal,
                exempt_emergency=stay.exempt_emergency, price_per_night=stay.price_per_night,
                approximate_price=stay.approximate_price, channel=stay.channel,
                platform=stay.platform, external_id=stay.external_id, source=stay.source)


def _editable(declaration: Declaration) -> None:
    if declaration.status != Status.BROUILLON:
        raise UserError("Cette déclaration est validée : elle ne change plus. Pour la corriger, "
                        "faites une rectification.")


def check_stay(declaration: Declaration, stay: StayInput, label: str = "Séjour") -> list[str]:
    """What refuses a stay in this declaration (French, one reason each)."""
    reasons = []
    if stay.departure <= stay.arrival:
        reasons.append("la date de départ doit suivre la date d'arrivée")
    elif (stay.departure - stay.arrival).days > MAX_STAY_NIGHTS:
        reasons.append(f"un séjour dure au plus {MAX_STAY_NIGHTS} nuits")
    if not declaration.period_start <= stay.arrival <= declaration.period_end:
        reasons.append(f"l'arrivée du {stay.arrival.strftime('%d/%m/%Y')} n'est pas dans la "
                       f"période déclarée (du {declaration.period_start.strftime('%d/%m/%Y')} au "
                       f"{declaration.period_end.strftime('%d/%m/%Y')}) : déclarez-le avec la "
                       "période de son arrivée")
    if not 1 <= stay.persons <= 999:
        reasons.append("le nombre de personnes va de 1 à 999")
    if min(stay.exempt_minors, stay.exempt_seasonal, stay.exempt_emergency) < 0:
        reasons.append("un nombre de personnes exonérées ne peut être négatif")
    elif stay.exempt > stay.persons:
        reasons.append(f"{stay.exempt} personnes exonérées pour {stay.persons} personnes")
    if stay.price_per_night is not None and stay.price_per_night < 0:
        reasons.append("le prix de la nuitée ne peut être négatif")
    if stay.channel not in ("direct", "plateforme"):
        reasons.append("le canal est « direct » ou « plateforme »")
    elif stay.channel == "plateforme" and not stay.platform:
        reasons.append("précisez la plateforme qui a collecté la taxe")
    return [f"{label} : {reason}" for reason in reasons]


def add_stay(session: Session, schema: str, declaration: Declaration, hebergement: Hebergement,
             stay: StayInput, by: Actor, source: str = "saisie") -> Stay:
    _editable(declaration)
    problems = check_stay(declaration, stay)
    if problems:
        raise UserError(" ; ".join(problems) + ".")
    row = Stay(**_columns(stay), source=source)
    declaration.stays.append(row)
    declaration.zero_reason = None
    session.flush()
    refresh(session, schema, declaration, hebergement)
    journal.record(session, "declaration.stay_added", by, target=declaration.period,
                   declaration_id=declaration.id)
    return row


def update_stay(session: Session, schema: str, declaration: Declaration,
                hebergement: Hebergement, stay_id: int, stay: StayInput, by: Actor) -> None:
    _editable(declaration)
    row = next((s for s in declaration.stays if s.id == stay_id), None)
    if row is None:
        raise UserError("Ce séjour n'existe pas dans cette déclaration.")
    problems = check_stay(declaration, stay)
    if problems:
        raise UserError(" ; ".join(problems) + ".")
    for key, value in _columns(stay).items():
        setattr(row, key, value)
    session.flush()
    refresh(session, schema, declaration, hebergement)
    journal.record(session, "declaration.stay_updated", by, target=declaration.period,
                   declaration_id=declaration.id)


def remove_stay(session: Session, schema: str, declaration: Declaration,
                hebergement: Hebergement, stay_id: int, by: Actor) -> None:
    _editable(declaration)
    row = next((s for s in declaration.stays if s.id == stay_id), None)
    if row is None:
        raise UserError("Ce séjour n'existe pas dans cette déclaration.")
    declaration.stays.remove(row)
    session.flush()
    refresh(session, schema, declaration, hebergement)
    journal.record(session, "declaration.stay_removed", by, target=declaration.period,
                   declaration_id=declaration.id)


def _columns(stay: StayInput) -> dict:
    return {"arrival": stay.arrival, "departure": stay.departure, "persons": stay.persons,
            "exempt_minors": stay.exempt_minors, "exempt_seasonal": stay.exempt_seasonal,
            "exempt_emergency": stay.exempt_emergency, "price_per_night": stay.price_per_night,
            "channel": stay.channel, "platform": stay.platform}


@dataclass
class ImportOutcome:
    added: int
    elsewhere: list[str]    # stays arrived outside the period, not imported (French lines)
    replaced: int = 0       # a platform's reservations imported again: their lines replaced


def import_rows(session: Session, schema: str, declaration: Declaration,
                hebergement: Hebergement, rows: list[StayRow], source: str,
                by: Actor) -> ImportOutcome:
    """Rows read from a file (already checked), saved as draft lines: all or none. Stays
    arrived in another period are listed, not imported (they belong to that period's
    declaration). A platform's reservation already imported (same platform, same code) is
    replaced, not doubled: the same export may come twice."""
    _editable(declaration)
    elsewhere, kept, problems = [], [], []
    for row in rows:
        stay = StayInput(row.arrival, row.departure, row.persons, row.exempt_minors,
                         row.exempt_seasonal, row.exempt_emergency, row.price_per_night,
                         row.channel, row.platform)
        if not declaration.period_start <= row.arrival <= declaration.period_end:
            elsewhere.append(f"ligne {row.line} : arrivée le {row.arrival.strftime('%d/%m/%Y')}, "
                             "hors de la période : à déclarer avec sa période")
            continue
        problems += check_stay(declaration, stay, f"ligne {row.line}")
        kept.append((row, stay))
    if problems:
        raise UserError(" ; ".join(problems) + ". Rien n'a été importé.")
    again = {(row.platform, row.external_id) for row, _stay in kept if row.external_id}
    replaced = [ident for ident, platform, code in session.execute(
        sa.select(Stay.id, Stay.platform, Stay.external_id).where(
            Stay.declaration_id == declaration.id, Stay.external_id.is_not(None)))
        if (platform, code) in again]
    if replaced:
        session.execute(sa.delete(Stay).where(Stay.id.in_(replaced)))
    if kept:
        # One executemany: without render_nulls, rows with other NULL columns are batched
        # apart (thousands of statements for a platform's export).
        session.execute(sa.insert(Stay).execution_options(render_nulls=True), [
            {**_columns(stay), "declaration_id": declaration.id, "source": source,
             "approximate_price": row.approximate_price, "external_id": row.external_id}
            for row, stay in kept])
        declaration.zero_reason = None
        session.expire(declaration, ["stays"])
    refresh(session, schema, declaration, hebergement)
    journal.record(session, "declaration.imported", by, target=declaration.period,
                   declaration_id=declaration.id, stays=len(kept), source=source,
                   replaced=len(replaced))
    return ImportOutcome(len(kept), elsewhere, len(replaced))


def set_zero(session: Session, schema: str, declaration: Declaration,
             hebergement: Hebergement, reason: str, by: Actor) -> None:
    """"0 nuitée", with its reason: the registre's stays of the period are set aside."""
    _editable(declaration)
    if reason not in ZERO_REASONS:
        raise UserError("Choisissez la raison de la déclaration à 0 nuitée.")
    declaration.stays.clear()
    declaration.zero_reason = reason
    session.flush()
    refresh(session, schema, declaration, hebergement)
    journal.record(session, "declaration.zero", by, target=declaration.period,
                   declaration_id=declaration.id, reason=reason)


def abandon(session: Session, declaration: Declaration, by: Actor) -> None:
    """Drop a draft (a rectification nobody wants any more, a draft opened by mistake)."""
    _editable(declaration)
    journal.record(session, "declaration.abandoned", by, target=declaration.period,
                   declaration_id=declaration.id)
    session.delete(declaration)


def refresh(session: Session, schema: str, declaration: Declaration,
            hebergement: Hebergement) -> Summary | None:
    """The draft's totals as the engine sees them now (the console lists them); a draft that
    cannot be computed yet keeps zeros."""
    try:
        result = summary(session, schema, declaration, hebergement)
    except UserError:
        declaration.taxable_nights = declaration.exempt_nights = 0
        declaration.platform_nights, declaration.amount = 0, Decimal("0.00")
        return None
    declaration.taxable_nights = result.taxable_nights
    declaration.exempt_nights = result.exempt_total
    declaration.platform_nights = result.platform_nights
    declaration.amount = result.amount
    return result


# --- validation -----------------------------------------------------------------------------


def validate(session: Session, schema: str, declaration: Declaration,
             hebergement: Hebergement, by: Actor, by_name: str) -> Declaration:
    """Lock the draft: the engine's inputs and outputs kept as they are, a SHA-256 of the
    content, the état récapitulatif stored (and emailed to the host); a rectification
    supersedes the version it corrects."""
    _editable(declaration)
    if (declaration.regime == Regime.REEL and not declaration.zero_reason
            and not inputs(session, declaration)):
        raise UserError("Ajoutez les séjours de la période, ou déclarez 0 nuitée avec sa "
                        "raison.")
    result = summary(session, schema, declaration, hebergement)
    refresh(session, schema, declaration, hebergement)
    previous = session.get(Declaration, declaration.supersedes_id) \
        if declaration.supersedes_id else None
    declaration.computation = json.dumps(_computation(result, declaration), ensure_ascii=False,
                                         sort_keys=True)
    declaration.reference = reference(hebergement.id, declaration.period)
    declaration.status = Status.VALIDEE.value
    declaration.validated_at = utcnow()
    declaration.validated_by = by_name
    declaration.sha256 = hashlib.sha256(_content(declaration).encode()).hexdigest()
    if previous is not None:
        previous.status = Status.REMPLACEE.value
    from tenants.declarations import receipts  # fpdf2 loads only to print

    declaration.recap_pdf = receipts.build(session, declaration, hebergement, result, previous)
    session.flush()
    journal.record(session, "declaration.validated", by,
                   target=f"{hebergement.name} — {declaration.period}",
                   declaration_id=declaration.id, version=declaration.version,
                   amount=str(declaration.amount))
    _email(session, declaration, hebergement)
    return declaration


def _computation(result: Summary, declaration: Declaration) -> dict:
    chosen = result.deliberation.deliberation
    return {
        "deliberation": {"id": chosen.id, "name": chosen.name, "version": chosen.version,
                         "adopted_on": chosen.adopted_on.isoformat(),
                         "commune": result.deliberation.insee},
        "regime": result.regime.value, "category": result.category,
        "lines": [{
            "arrival": line.stay.arrival.isoformat(), "departure": line.stay.departure.isoformat(),
            "carried": line.stay.carried, "persons": line.stay.persons,
            "exempt": {"mineurs": line.stay.exempt_minors,
                       "saisonniers": line.stay.exempt_seasonal,
                       "urgence": line.stay.exempt_emergency},
            "price_per_night": _text(line.stay.price_per_night), "channel": line.stay.channel,
            "platform": line.stay.platform, "first_night": line.first_night.isoformat(),
            "nights": line.nights,
            "tariff": _text(line.quote.tariff.total) if line.quote and line.quote.tariff
            else None,
            "reason": line.quote.reason.value if line.quote and line.quote.reason else None,
            "taxable_nights": line.taxable_nights, "platform_nights": line.platform_nights,
            "amount": _text(line.amount)} for line in result.lines],
        "forfait": None if result.forfait is None else {
            "units": result.forfait.units, "nights_open": result.forfait.nights_open,
            "band_nights": result.forfait.band_nights,
            "parts": [{"tariff": _text(q.tariff.total) if q.tariff else None,
                       "abattement": _text(q.abattement), "amount": _text(q.amount),
                       "unit_nights": q.taxable_nights} for q in result.forfait.quotes]},
        "zero_reason": declaration.zero_reason,
        "taxable_nights": result.taxable_nights, "exempt_nights": result.exempt_nights,
        "platform_nights": result.platform_nights, "amount": _text(result.amount),
        "rounding": ROUNDING,
    }


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _content(declaration: Declaration) -> str:
    """What the SHA-256 vouches for: the declaration as validated, its stays, its computation."""
    return json.dumps({
        "hebergement_id": declaration.hebergement_id, "period": declaration.period,
        "version": declaration.version, "validated_at": declaration.validated_at.isoformat(),
        "validated_by": declaration.validated_by, "zero_reason": declaration.zero_reason,
        "amount": str(declaration.amount), "computation": declaration.computation,
        "stays": [[s.arrival.isoformat(), s.departure.isoformat(), s.persons, s.exempt_minors,
                   s.exempt_seasonal, s.exempt_emergency, _text(s.price_per_night), s.channel,
                   s.platform] for s in declaration.stays]}, sort_keys=True)


def _email(session: Session, declaration: Declaration, hebergement: Hebergement) -> None:
    """The état récapitulatif to the host, once the validation is committed (the document
    stays in "Mes documents" whatever the mail does)."""
    host = hebergement.host
    if not host.email:
        return
    brand = settings.brand(session)
    mail.send_after_commit(session, emails.render(
        "declarations/validated", to=host.email, brand=brand, host=host,
        hebergement=hebergement, declaration=declaration,
        period_label=Period(declaration.period_start, declaration.period_end,
                            declaration.period).label,
        amount=french(declaration.amount), deadline=french_date(declaration.deadline),
        documents_url=tenant_url("dashboard.documents_page"),
        subject=f"{brand.name} : déclaration {declaration.reference} validée",
        attachments=((f"etat-recapitulatif-{declaration.reference}-v{declaration.version}.pdf",
                      declaration.recap_pdf),)))


def labels() -> dict:
    return {"exempt": EXEMPT_REASONS, "zero": ZERO_REASONS, "rounding": ROUNDING}
