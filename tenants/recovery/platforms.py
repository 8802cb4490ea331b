"""A platform's half-yearly statement against what the collectivité knows: its hébergements and
the stays their hosts declared "via a platform that collected the tax" (validated
declarations). Parsing and matching are `statements.py`'s (pure); this reads the database."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.declarations.models import Declaration, Stay
from tenants.hosts.models import Hebergement, Host
from tenants.recovery import statements


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


def check(session: Session, data: bytes) -> statements.Matching:
    """The statement read (StatementError: every bad line, nothing kept) and matched."""
    lines = statements.parse_statement(data)
    start = min((line.start for line in lines), default=date.today())
    end = max((line.end for line in lines), default=date.today())
    return statements.match(lines, lodgings(session), declared(session, start, end))
