"""The collectivité's audit log: every console action and every security event of its hosts and
agents — who, what, when (UTC), from where.

Rows are written in the same transaction as the action they describe, so an action that rolls
back leaves no trace claiming it happened. Nothing secret is ever recorded: callers pass
identifiers and field names, never passwords, codes or tokens, and `record` refuses details
whose keys name a secret. Rows older than the collectivité's retention (12 months by default)
are purged.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import TenantModel
from plateforme.registry import utcnow

SECRET_WORDS = ("password", "mot_de_passe", "token", "code", "secret", "totp")
CSV_COLUMNS = ("date_utc", "acteur", "action", "cible", "details", "adresse_ip")


class AuditEvent(TenantModel):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(10))  # agent | host | system
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[str] = mapped_column(sa.Text, default="")
    ip: Mapped[str | None] = mapped_column(sa.String(45))


def record(session: Session, action: str, *, actor_kind: str = "system",
           actor_id: int | None = None, actor_label: str = "", target: str = "",
           ip: str | None = None, **details) -> AuditEvent:
    """Add an event to the current transaction (the caller commits)."""
    for key in details:
        if any(word in key.lower() for word in SECRET_WORDS):
            raise ValueError(f"audit details must not carry secrets ({key})")
    event = AuditEvent(action=action, actor_kind=actor_kind, actor_id=actor_id,
                       actor_label=actor_label[:254], target=target[:200], ip=ip,
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


def export_csv(events) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow((e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         f"{e.actor_kind}:{e.actor_label}" if e.actor_label else e.actor_kind,
                         e.action, e.target, e.details, e.ip or ""))
    return out.getvalue().encode("utf-8-sig")


def purge(session: Session, retention_months: int) -> int:
    """Delete events older than the retention; returns how many."""
    cutoff = utcnow() - timedelta(days=round(retention_months * 30.44))
    return session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount
