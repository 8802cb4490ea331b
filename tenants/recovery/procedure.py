"""The procedure as of a day (`flask recovery run --date`): cases opened from the reminders
already sent (a period not declared) or from a due left unpaid, then moved one step when their
delay has passed — reminder, mise en demeure (30 days to regularise), avis de taxation d'office
— and closed as soon as the host declares or pays. Every move is a stored state, so a second run
on the same day takes no step again, and a run after a missed night catches up.
"""

from __future__ import annotations

import enum
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import french_date, to_paris
from tenants.core.money import french
from tenants.core.urls import tenant_url
from tenants.declarations import calendar, computing, follow
from tenants.declarations.calendar import Period
from tenants.declarations.computing import StayInput, Summary
from tenants.declarations.filing import Calendar, State
from tenants.declarations.models import Declaration, Reminder, ReminderSettings
from tenants.hosts.models import Hebergement, Host
from tenants.payments import ledger
from tenants.recovery.models import RecoveryCase, RecoveryDocument, RecoverySettings

#: L2333-38: the host has 30 days after the mise en demeure, and the avis comes at least 30
#: days before recovery; late interest is 0.20 % per month.
REGULARISE_DAYS = 30
REPLY_DAYS = 30
INTEREST_PER_MONTH = Decimal("0.0020")
CENT = Decimal("0.01")


class Step(enum.StrEnum):
    RAPPEL = "rappel"
    MISE_EN_DEMEURE = "mise_en_demeure"
    TAXATION_D_OFFICE = "taxation_d_office"
    MISE_EN_RECOUVREMENT = "mise_en_recouvrement"

    @property
    def label(self) -> str:
        return {"rappel": "Rappel", "mise_en_demeure": "Mise en demeure",
                "taxation_d_office": "Taxation d'office",
                "mise_en_recouvrement": "Position finale et mise en recouvrement"}[self.value]


class Kind(enum.StrEnum):
    NON_DECLAREE = "non_declaree"
    NON_PAYEE = "non_payee"

    @property
    def label(self) -> str:
        return {"non_declaree": "Période non déclarée",
                "non_payee": "Déclaration non payée"}[self.value]


@dataclass(frozen=True)
class Taken:
    step: Step
    reference: str        # the hébergement's reference ("-" when it has none)
    period: str           # as in the declarations' export: "2026-07"
    host_name: str
    blocked: str = ""     # why the step could not be taken (the case stays where it is)

    def line(self) -> str:
        if self.blocked:
            return (f"a_verifier {self.reference} {self.period} : taxation d'office "
                    f"impossible ({self.blocked})")
        return f"{self.step.value} {self.reference} {self.period}"


def settings_of(session: Session) -> RecoverySettings:
    return session.get(RecoverySettings, 1) or RecoverySettings(
        id=1, days_to_notice=15, occupancy_percent=30, price_per_person=Decimal("40.00"))


def configure(session: Session, data: dict, by: Actor) -> RecoverySettings:
    days, rate = int(data["days_to_notice"]), int(data["occupancy_percent"])
    price = Decimal(data["price_per_person"])
    if not 1 <= days <= 120 or not 1 <= rate <= 100 or not Decimal(0) < price <= 10_000:
        raise UserError("Délai de 1 à 120 jours, taux d'occupation de 1 à 100 %, prix par "
                        "personne et par nuit supérieur à 0 €.")
    values = session.get(RecoverySettings, 1)
    if values is None:
        values = RecoverySettings(id=1)
        session.add(values)
    values.days_to_notice, values.occupancy_percent = days, rate
    values.price_per_person = price.quantize(CENT)
    journal.record(session, "recovery.settings_changed", by, days_to_notice=days,
                   occupancy_percent=rate, price_per_person=str(values.price_per_person))
    return values


def interest(tax: Decimal, deadline: date, today: date) -> Decimal:
    """0.20 % of the tax per whole month since the deadline."""
    months = (today.year - deadline.year) * 12 + today.month - deadline.month
    if today.day < deadline.day:
        months -= 1
    months = max(0, months)
    return (tax * INTEREST_PER_MONTH * months).quantize(CENT, rounding=ROUND_HALF_UP)


def next_step(case: RecoveryCase, values: RecoverySettings) -> tuple[Step | None, date | None]:
    if case.status != "ouvert":
        return None, None
    if case.step == Step.RAPPEL:
        return Step.MISE_EN_DEMEURE, case.reminded_on + timedelta(days=values.days_to_notice)
    if case.step == Step.MISE_EN_DEMEURE:
        return Step.TAXATION_D_OFFICE, case.notice_on + timedelta(days=REGULARISE_DAYS)
    if case.step == Step.TAXATION_D_OFFICE:   # an agent's reasoned answer, not the night's run
        return Step.MISE_EN_RECOUVREMENT, case.assessed_on + timedelta(days=REPLY_DAYS)
    return None, None


# --- a day's run -----------------------------------------------------------------------------


def run(session: Session, schema: str, cal: Calendar, today: date, by: Actor) -> list[Taken]:
    regularise(session, today, by)
    taken = _open_undeclared(session, cal, today, by)
    taken += _open_unpaid(session, cal, today, by)
    taken += _notices(session, today, by)
    taken += _assessments(session, schema, today, by)
    return taken


def regularise(session: Session, today: date, by: Actor) -> int:
    """Close every open case whose period is now declared (or, unpaid, paid in full)."""
    closed = 0
    cases = list(session.scalars(sa.select(RecoveryCase).where(RecoveryCase.status == "ouvert")))
    if not cases:
        return 0
    # Two queries for every open case: the periods now validated, and what is still owed.
    declared = {(h, p) for h, p in session.execute(
        sa.select(Declaration.hebergement_id, Declaration.period)
        .where(Declaration.status == "validee",
               Declaration.hebergement_id.in_({c.hebergement_id for c in cases})))}
    owed = {(d.hebergement_id, d.period) for d in ledger.dues(session) if d.outstanding > 0}
    for case in cases:
        if case.kind == Kind.NON_DECLAREE:
            done = (case.hebergement_id, case.period) in declared
        else:
            done = (case.hebergement_id, case.period) not in owed
        if done:
            case.status, case.closed_on = "regularise", today
            closed += 1
            journal.record(session, "recovery.regularised", by, target=case.period,
                           case_id=case.id, step=case.step)
    session.flush()
    return closed


def _existing(session: Session, kind: Kind) -> set[tuple[int, str]]:
    return {(h, p) for h, p in session.execute(
        sa.select(RecoveryCase.hebergement_id, RecoveryCase.period)
        .where(RecoveryCase.kind == kind.value))}


def _open_undeclared(session: Session, cal: Calendar, today: date, by: Actor) -> list[Taken]:
    """The declarations' "after the deadline" reminder is the procedure's first step: a case
    opens for each hébergement of the host still late for that period."""
    existing = _existing(session, Kind.NON_DECLAREE)
    taken = []
    reminded: dict[str, dict[int, datetime]] = defaultdict(dict)
    for host_id, key, sent_at in session.execute(
            sa.select(Reminder.host_id, Reminder.period, Reminder.sent_at)
            .where(Reminder.kind == "apres")):
        reminded[key][host_id] = sent_at
    for key in sorted(reminded):
        try:
            period = calendar.from_key(key)
        except ValueError:
            continue
        # One look at the period for every host reminded of it.
        for row in follow.period_rows(session, period, cal, today):
            sent_at = reminded[key].get(row.host_id)
            if (sent_at is None or row.state != State.EN_RETARD
                    or (row.hebergement_id, key) in existing):
                continue
            host_id = row.host_id
            session.add(RecoveryCase(
                host_id=host_id, hebergement_id=row.hebergement_id, period=key,
                period_start=period.start, period_end=period.end,
                deadline=cal.deadline(period), kind=Kind.NON_DECLAREE.value,
                step=Step.RAPPEL.value,
                # Acting as of an earlier day (a catch-up run) never dates a step later.
                reminded_on=min(to_paris(sent_at).date(), today)))
            existing.add((row.hebergement_id, key))
            taken.append(Taken(Step.RAPPEL, row.reference or "-", key, row.host_name))
            journal.record(session, "recovery.opened", by, target=key,
                           hebergement_id=row.hebergement_id, kind=Kind.NON_DECLAREE.value)
    session.flush()
    return taken


def _open_unpaid(session: Session, cal: Calendar, today: date, by: Actor) -> list[Taken]:
    """A validated declaration left unpaid as long after its deadline as the declarations'
    "after" reminder waits: a payment reminder (email), and a case."""
    after = session.get(ReminderSettings, 1)
    delay = timedelta(days=after.days_after if after else 7)
    existing = _existing(session, Kind.NON_PAYEE)
    owed: dict[int, list[ledger.Due]] = defaultdict(list)
    for due in ledger.dues(session):
        if (due.outstanding > 0 and due.deadline + delay <= today
                and (due.hebergement_id, due.period) not in existing):
            owed[due.host_id].append(due)
    taken = []
    hosts = {h.id: h for h in session.scalars(sa.select(Host).where(Host.id.in_(owed)))}
    for host_id, dues in owed.items():
        host = hosts[host_id]
        for due in dues:
            period = calendar.from_key(due.period)
            session.add(RecoveryCase(
                host_id=host_id, hebergement_id=due.hebergement_id, period=due.period,
                period_start=period.start, period_end=period.end, deadline=due.deadline,
                kind=Kind.NON_PAYEE.value, step=Step.RAPPEL.value, reminded_on=today))
            taken.append(Taken(Step.RAPPEL, due.hebergement_reference or "-", due.period,
                               host.full_name))
            journal.record(session, "recovery.opened", by, target=due.period,
                           hebergement_id=due.hebergement_id, kind=Kind.NON_PAYEE.value)
        if host.email:
            brand = settings.brand(session)
            mail.send_after_commit(session, emails.render(
                "recovery/payment_reminder", to=host.email, brand=brand, host=host,
                lines=[(calendar.from_key(d.period).label, d.hebergement_name,
                        french(d.outstanding), french_date(d.deadline)) for d in dues],
                link=tenant_url("payments.index"),
                subject=f"{brand.name} : taxe de séjour déclarée restant à payer"))
    session.flush()
    return taken


def _due_cases(session: Session, step: Step) -> list[RecoveryCase]:
    return list(session.scalars(
        sa.select(RecoveryCase).where(RecoveryCase.status == "ouvert",
                                      RecoveryCase.step == step.value)
        .order_by(RecoveryCase.host_id, RecoveryCase.period_start, RecoveryCase.id)))


def _notices(session: Session, today: date, by: Actor) -> list[Taken]:
    values = settings_of(session)
    ready = [c for c in _due_cases(session, Step.RAPPEL)
             if c.reminded_on + timedelta(days=values.days_to_notice) <= today]
    taken = []
    for host_id, cases in _by_host(ready).items():
        host = session.get(Host, host_id)
        document = _document(session, host, "mise_en_demeure", today)
        from tenants.recovery import documents

        document.pdf = documents.notice(session, host, cases, document, today)
        for case in cases:
            case.step, case.notice_on, case.notice_document_id = (
                Step.MISE_EN_DEMEURE.value, today, document.id)
            taken.append(_taken(session, Step.MISE_EN_DEMEURE, case, host))
        journal.record(session, "recovery.mise_en_demeure", by, target=host.full_name,
                       document=document.reference, cases=len(cases))
    session.flush()
    return taken


@dataclass(frozen=True)
class Estimate:
    nights: int           # taxable person-nights (forfait: unit-nights)
    basis: str            # the data they were estimated from, as printed
    price: Decimal | None  # per person per night, for unclassified accommodation
    summary: Summary | None
    tax: Decimal


def estimate(session: Session, schema: str, case: RecoveryCase, hebergement: Hebergement,
             values: RecoverySettings) -> Estimate:
    """What the avis taxes, and from what: the declaration itself when it is unpaid; else the
    same period of last year as declared, else the capacity at the collectivité's occupancy
    rate; the amount from the one tax engine."""
    period = Period(case.period_start, case.period_end, case.period)
    if case.kind == Kind.NON_PAYEE:
        declared = session.scalar(sa.select(Declaration).where(
            Declaration.hebergement_id == case.hebergement_id,
            Declaration.period == case.period, Declaration.status == "validee"))
        (due,) = ledger.dues(session, hebergement_id=case.hebergement_id,
                             periods=[case.period]) or (None,)
        left = due.outstanding if due else declared.amount
        basis = (f"Déclaration n° {declared.reference} validée le "
                 f"{french_date(to_paris(declared.validated_at).date())} : "
                 f"{declared.taxable_nights} nuitées taxables, {french(declared.amount)} dus, "
                 f"{french(declared.amount - left)} payés.")
        return Estimate(declared.taxable_nights, basis, None, None, left)
    regime = computing.regime_of(session, schema, hebergement, period)
    if regime.value == "forfait":
        summary = computing.summarize(session, schema, hebergement, period, [])
        return Estimate(summary.taxable_nights, "Régime du forfait : capacité de "
                        f"{hebergement.capacity} × nuits d'ouverture de la période.",
                        None, summary, summary.amount)
    last_year = _last_year(session, case)
    if last_year is not None:
        nights = last_year.taxable_nights
        basis = (f"Nuitées taxables déclarées pour la même période de l'année précédente "
                 f"({calendar.from_key(last_year.period).label}, déclaration n° "
                 f"{last_year.reference}) : {nights}.")
    else:
        nights = round(hebergement.capacity * values.occupancy_percent * period.days() / 100)
        basis = (f"Capacité de {hebergement.capacity} personnes × taux d'occupation de "
                 f"{values.occupancy_percent} % fixé par la collectivité × {period.days()} "
                 f"jours = {nights} nuitées (aucune déclaration de l'année précédente).")
    price = values.price_per_person
    persons, rest = divmod(nights, period.days())
    stays = []
    if persons:
        stays.append(StayInput(period.start, period.end + timedelta(days=1), persons,
                               price_per_night=price * persons))
    if rest:
        stays.append(StayInput(period.start, period.start + timedelta(days=rest), 1,
                               price_per_night=price))
    summary = computing.summarize(session, schema, hebergement, period, stays)
    return Estimate(nights, basis, price, summary, summary.amount)


def _last_year(session: Session, case: RecoveryCase) -> Declaration | None:
    year, rest = case.period[:4], case.period[4:]
    return session.scalar(sa.select(Declaration).where(
        Declaration.hebergement_id == case.hebergement_id,
        Declaration.period == f"{int(year) - 1}{rest}", Declaration.status == "validee",
        Declaration.regime == "reel"))


def _assessments(session: Session, schema: str, today: date, by: Actor) -> list[Taken]:
    values = settings_of(session)
    ready = [c for c in _due_cases(session, Step.MISE_EN_DEMEURE)
             if c.notice_on + timedelta(days=REGULARISE_DAYS) <= today]
    taken = []
    for host_id, cases in _by_host(ready).items():
        host = session.get(Host, host_id)
        estimates = []
        for case in cases:
            hebergement = session.get(Hebergement, case.hebergement_id)
            try:
                found = estimate(session, schema, case, hebergement, values)
            except UserError as refusal:
                # No deliberation for its commune or year, say: the case waits at the mise en
                # demeure, in the journal and the run's output, until the data is fixed.
                journal.record(session, "recovery.estimate_impossible", by, target=case.period,
                               case_id=case.id, reason=refusal.message)
                taken.append(Taken(Step.MISE_EN_DEMEURE, hebergement.reference or "-",
                                   case.period, host.full_name, refusal.message))
                continue
            case.estimated_nights, case.estimation_basis = found.nights, found.basis
            case.tax = found.tax
            case.interest = interest(found.tax, case.deadline, today)
            estimates.append((case, hebergement, found))
        cases = [case for case, _h, _f in estimates]
        if not cases:
            continue
        document = _document(session, host, "taxation_d_office", today)
        from tenants.recovery import documents

        document.pdf = documents.assessment(session, host, estimates, document, today)
        for case in cases:
            case.step, case.assessed_on, case.assessment_document_id = (
                Step.TAXATION_D_OFFICE.value, today, document.id)
            taken.append(_taken(session, Step.TAXATION_D_OFFICE, case, host))
        journal.record(session, "recovery.taxation_d_office", by, target=host.full_name,
                       document=document.reference, cases=len(cases),
                       tax=str(sum((c.tax for c in cases), Decimal(0))))
    session.flush()
    return taken


def _by_host(cases: list[RecoveryCase]) -> dict[int, list[RecoveryCase]]:
    grouped: dict[int, list[RecoveryCase]] = defaultdict(list)
    for case in cases:
        grouped[case.host_id].append(case)
    return grouped


def _document(session: Session, host: Host, kind: str, today: date) -> RecoveryDocument:
    # Its number comes from its id: a random placeholder until the INSERT gives one.
    document = RecoveryDocument(host_id=host.id, kind=kind, issued_on=today,
                                reference=secrets.token_hex(8), pdf=b"")
    session.add(document)
    session.flush()
    prefix = "MED" if kind == "mise_en_demeure" else "TO"
    document.reference = f"{prefix}-{today.year}-{document.id:06d}"
    return document


def _taken(session: Session, step: Step, case: RecoveryCase, host: Host) -> Taken:
    hebergement = session.get(Hebergement, case.hebergement_id)
    return Taken(step, hebergement.reference or "-", case.period, host.full_name)


# --- what agents do and see ----------------------------------------------------------------


def record_observations(session: Session, case: RecoveryCase, text: str, today: date,
                        by: Actor, who: str = "agent") -> None:
    """The host's observations, from their space or typed by an agent (a letter, a call):
    printed on the avis de taxation d'office that follows, answered by the final position."""
    text = (text or "").strip()
    if not text:
        raise UserError("Saisissez les observations.")
    if case.status != "ouvert" or case.step not in (Step.MISE_EN_DEMEURE,
                                                    Step.TAXATION_D_OFFICE):
        raise UserError("Les observations se font après la mise en demeure et avant la "
                        "position finale de la collectivité.")
    case.observations = text[:5000]
    case.observations_on, case.observations_by = today, who
    journal.record(session, "recovery.observations", by, target=case.period, case_id=case.id,
                   by_whom=who)


def take_final_position(session: Session, case: RecoveryCase, text: str, today: date,
                        by: Actor) -> None:
    """R2333-48: once the 30 days to reply have passed, the collectivité answers with a
    reasoned position; the sums are then put into recovery (a titre de recette)."""
    text = (text or "").strip()
    if case.status != "ouvert" or case.step != Step.TAXATION_D_OFFICE:
        raise UserError("La position finale suit l'avis de taxation d'office.")
    if today < case.assessed_on + timedelta(days=REPLY_DAYS):
        raise UserError("L'hébergeur dispose de 30 jours après l'avis pour répondre : la "
                        "position finale est possible à partir du "
                        f"{french_date(case.assessed_on + timedelta(days=REPLY_DAYS))}.")
    if len(text) < 20:
        raise UserError("Motivez la position finale (quelques phrases), en répondant aux "
                        "observations de l'hébergeur s'il en a fait.")
    case.final_position, case.final_on = text[:5000], today
    case.step = Step.MISE_EN_RECOUVREMENT.value
    journal.record(session, "recovery.final_position", by, target=case.period, case_id=case.id,
                   tax=str(case.tax), interest=str(case.interest))


def host_cases(session: Session, host_id: int) -> list[tuple[RecoveryCase, Hebergement]]:
    """What a host sees of their procedures: those that reached the mise en demeure."""
    return [(case, hebergement) for case, hebergement in session.execute(
        sa.select(RecoveryCase, Hebergement)
        .join(Hebergement, Hebergement.id == RecoveryCase.hebergement_id)
        .where(RecoveryCase.host_id == host_id, RecoveryCase.step != Step.RAPPEL.value)
        .order_by(RecoveryCase.period_start, Hebergement.name))]


def totals(session: Session) -> dict:
    """The console home's figures: open cases per step, the sums assessed and not settled."""
    rows = session.execute(sa.select(RecoveryCase.step, sa.func.count(),
                                     sa.func.sum(RecoveryCase.tax),
                                     sa.func.sum(RecoveryCase.interest))
                           .where(RecoveryCase.status == "ouvert")
                           .group_by(RecoveryCase.step))
    found = {step: (0, Decimal("0.00")) for step in Step}
    for step, count, tax, late in rows:
        found[Step(step)] = (count, ledger.summed(tax) + ledger.summed(late))
    return found


def open_cases(session: Session) -> list[tuple[RecoveryCase, Host, Hebergement]]:
    return [(case, host, hebergement) for case, host, hebergement in session.execute(
        sa.select(RecoveryCase, Host, Hebergement)
        .join(Host, Host.id == RecoveryCase.host_id)
        .join(Hebergement, Hebergement.id == RecoveryCase.hebergement_id)
        .where(RecoveryCase.status == "ouvert")
        .order_by(RecoveryCase.period_start, Host.last_name, Hebergement.name))]


def cases_of(session: Session, host_id: int) -> list[RecoveryCase]:
    return list(session.scalars(sa.select(RecoveryCase).where(RecoveryCase.host_id == host_id)
                                .order_by(RecoveryCase.period_start, RecoveryCase.id)))


def documents_of_day(session: Session, day: date) -> list[tuple[RecoveryDocument, Host]]:
    return [(document, host) for document, host in session.execute(
        sa.select(RecoveryDocument, Host).join(Host, Host.id == RecoveryDocument.host_id)
        .where(RecoveryDocument.issued_on == day)
        .order_by(RecoveryDocument.kind, Host.last_name))]
