"""Platforms' half-yearly statements, kept as received, and what each platform paid: matched
against what the collectivité knows — its hébergements and the stays their hosts declared "via a
platform that collected the tax" (validated declarations). Parsing and matching are
`statements.py`'s (pure); this reads and writes the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.declarations.models import Declaration, Stay
from tenants.hosts.models import Hebergement, Host
from tenants.recovery import statements
from tenants.recovery.models import PlatformPayment, PlatformStatement


def lodgings(session: Session) -> list[statements.Lodging]:
    return [statements.Lodging(h.id, h.reference, h.name, h.address, h.postal_code, h.city,
                               host.id, host.full_name)
            for h, host in session.execute(sa.select(Hebergement, Host)
                                           .join(Host, Host.id == Hebergement.host_id))]


def declared(session: Session, start: date, end: date) -> list[statements.DeclaredPlatformStay]:
    """Platform stays arrived in the span, from the current validated versions."""
    rows = session.execute(
        sa.select(Declaration.hebergement_id, Stay.platform, Stay.arrival, Stay.departure,
                  Stay.persons, Stay.exempt_minors + Stay.exempt_seasonal
                  + Stay.exempt_emergency)
        .join(Stay, Stay.declaration_id == Declaration.id)
        .where(Declaration.status == "validee", Stay.channel == "plateforme",
               Stay.arrival >= start, Stay.arrival <= end))
    return [statements.DeclaredPlatformStay(h, platform or "", arrival, departure, persons,
                                            exempt)
            for h, platform, arrival, departure, persons, exempt in rows]


# --- statements kept, and what platforms paid --------------------------------------------


def import_statement(session: Session, data: bytes, filename: str,
                     by: Actor) -> PlatformStatement:
    """Kept as received once it reads without error (StatementError otherwise: nothing kept)."""
    lines = statements.parse_statement(data)
    if not lines:
        raise UserError("Le relevé ne contient aucune ligne.")
    statement = PlatformStatement(
        platform=lines[0].platform, starts_on=min(line.start for line in lines),
        ends_on=max(line.end for line in lines), filename=(filename or "releve.csv")[:200],
        lines=len(lines), person_nights=sum(line.person_nights for line in lines),
        amount=sum((line.amount for line in lines), Decimal("0.00")), content=data,
        imported_by=by.label[:254])
    session.add(statement)
    session.flush()
    journal.record(session, "recovery.statement_imported", by, target=statement.platform,
                   statement_id=statement.id, lines=statement.lines,
                   amount=str(statement.amount))
    return statement


def report(session: Session, statement: PlatformStatement) -> statements.Matching:
    lines = statements.parse_statement(statement.content)
    return statements.match(lines, lodgings(session),
                            declared(session, statement.starts_on, statement.ends_on))


def record_payment(session: Session, statement: PlatformStatement, amount: Decimal | None,
                   received_on: date | None, reference: str, by: Actor) -> PlatformPayment:
    if amount is None or amount <= 0:
        raise UserError("Indiquez le montant reçu de la plateforme (plus de 0 €).")
    if received_on is None:
        raise UserError("Indiquez la date de réception.")
    payment = PlatformPayment(platform=statement.platform, received_on=received_on,
                              amount=amount, reference=(reference or "").strip()[:80],
                              statement_id=statement.id, recorded_by=by.label[:254])
    session.add(payment)
    journal.record(session, "recovery.platform_paid", by, target=statement.platform,
                   statement_id=statement.id, amount=str(amount))
    return payment


def listing(session: Session) -> list[tuple[PlatformStatement, Decimal]]:
    """Every statement with what its platform paid against it."""
    paid = dict(session.execute(
        sa.select(PlatformPayment.statement_id, sa.func.sum(PlatformPayment.amount))
        .group_by(PlatformPayment.statement_id)).all())
    return [(s, paid.get(s.id) or Decimal("0.00")) for s in session.scalars(
        sa.select(PlatformStatement).order_by(PlatformStatement.starts_on.desc(),
                                              PlatformStatement.id.desc()))]


def paid_for(session: Session, hebergement_id: int, start: date,
             end: date) -> list[tuple[PlatformStatement, statements.MatchedLine]]:
    """What platforms declared for one hébergement over a span: shown on a recovery case, so
    that nobody is chased for nights a platform paid."""
    found = []
    for statement in session.scalars(sa.select(PlatformStatement).where(
            PlatformStatement.starts_on <= end, PlatformStatement.ends_on >= start)):
        for line in report(session, statement).matched:
            if line.lodging.id == hebergement_id:
                found.append((statement, line))
    return found
