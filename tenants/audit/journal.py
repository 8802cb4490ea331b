"""The collectivité's audit log: every console action and every security event of its hosts and
agents — who, what, when (UTC), from where.

Rows are written in the same transaction as the action they describe, so an action that rolls
back leaves no trace claiming it happened. Nothing secret is ever recorded: callers pass
identifiers and field names, never passwords, codes or tokens, and `record` refuses details
whose keys name a secret. Rows older than the collectivité's retention (12 months by default)
are purged.

Services take the `Actor` as a value (the views build it from the request), so that a command or
a test records an action exactly as a view does.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.audit import catalogue
from tenants.audit.models import AuditEvent
from tenants.core.dates import utcnow
from tenants.core.files import french_csv

security_log = logging.getLogger("taxesejour.security")

SECRET_WORDS = ("password", "mot_de_passe", "token", "code", "secret", "totp")
#: The raw fields first (as they were always exported), then the same event in French.
CSV_COLUMNS = ("date_utc", "acteur", "action", "cible", "details", "adresse_ip",
               "date_heure_paris", "qui", "evenement", "details_lisibles")


class ActorKind(enum.StrEnum):
    AGENT = "agent"
    HOST = "host"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind = ActorKind.SYSTEM
    id: int | None = None
    label: str = ""      # an email, or what a command names itself
    ip: str | None = None


SYSTEM = Actor()


def record(session: Session, action: str, by: Actor = SYSTEM, *, target: str = "",
           **details) -> AuditEvent:
    """Add an event to the current transaction (the caller commits)."""
    for key in details:
        if any(word in key.lower() for word in SECRET_WORDS):
            raise ValueError(f"audit details must not carry secrets ({key})")
    event = AuditEvent(action=action, actor_kind=by.kind.value, actor_id=by.id,
                       actor_label=by.label[:254], target=target[:200], ip=by.ip,
                       details=json.dumps(details, ensure_ascii=False, sort_keys=True,
                                          default=str) if details else "")
    session.add(event)
    return event


def search(session: Session, *, text: str = "", action: str = "", since: datetime | None = None,
           until: datetime | None = None, limit: int = 50, offset: int = 0):
    query = sa.select(AuditEvent)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(sa.or_(sa.func.lower(AuditEvent.actor_label).like(pattern),
                                   sa.func.lower(AuditEvent.target).like(pattern),
                                   sa.func.lower(AuditEvent.details).like(pattern)))
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .limit(limit).offset(offset)).all()
    return rows, total


def export_csv(events, people: dict | None = None) -> bytes:
    return french_csv(CSV_COLUMNS, (
        (e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
         f"{e.actor_kind}:{e.actor_label}" if e.actor_label else e.actor_kind,
         e.action, e.target, e.details, e.ip or "",
         line.when, line.who, f"{line.what}{f' : {e.target}' if e.target else ''}",
         " ; ".join(f"{label} : {value}" for label, value in line.details))
        for e, line in zip(events, catalogue.lines(events, people or {}), strict=True)))


def export(session: Session, by: Actor, filters: dict,
           name_people: Callable[[Session, list], dict] | None = None) -> bytes:
    """The journal as CSV (`filters`: those of `search`), the export itself journaled.
    `name_people(session, events)` names the actors (`catalogue.lines`), for a caller who can."""
    events, _total = search(session, **filters, limit=100_000)
    record(session, "audit.exported", by, details_count=len(events))
    return export_csv(events, name_people(session, events) if name_people else None)


def purge(session: Session, retention_months: int) -> int:
    """Delete events older than the retention; returns how many."""
    cutoff = utcnow() - timedelta(days=round(retention_months * 30.44))
    return session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount


def of_host(session: Session, host_id: int) -> list[AuditEvent]:
    """What a host did (their GDPR export)."""
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.actor_kind == ActorKind.HOST.value, AuditEvent.actor_id == host_id)))


def forget_host(session: Session, host_id: int) -> None:
    """Strip a host's identity from their events (GDPR erasure); what happened stays."""
    session.execute(sa.update(AuditEvent)
                    .where(AuditEvent.actor_kind == ActorKind.HOST.value,
                           AuditEvent.actor_id == host_id)
                    .values(actor_label="", target="", ip=None))


def security_event(session: Session, event: str, who: Actor, tenant: str | None,
                   target: str = "", **fields) -> None:
    """A security event, without any secret: in the process's security log and in the
    collectivité's journal (the current transaction). A request's view goes through
    `tenants.access.identity.security_event`, a task calls this with what it was given."""
    security_log.info(event, extra={"event": event, "tenant": tenant, "host_id": who.id,
                                    "ip": who.ip, **fields})
    record(session, event, who, target=target, **fields)
