"""Reminder emails, before and after a period's deadline, with the delay and the text the
collectivité set: `flask declarations remind` (for cron) sends them; each host is reminded at
most once per period and kind, whatever how often it runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme import mail
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.core import emails
from tenants.core.dates import french_date
from tenants.core.urls import tenant_url
from tenants.declarations import follow
from tenants.declarations.calendar import Period
from tenants.declarations.filing import Calendar, State
from tenants.declarations.models import Reminder, ReminderSettings
from tenants.hosts.models import Host

BEFORE, AFTER = "avant", "apres"
#: What the reminders say when the collectivité wrote nothing.
DEFAULTS = {
    BEFORE: "La date limite de déclaration de la taxe de séjour approche. Déclarez vos nuitées "
            "(ou 0 nuitée) pour chacun de vos hébergements avant l'échéance.",
    AFTER: "Sauf erreur de notre part, nous n'avons pas reçu votre déclaration de taxe de "
           "séjour, dont l'échéance est passée. Merci de la faire sans tarder : la "
           "collectivité peut engager une procédure de taxation d'office.",
}
HORIZON_DAYS = 400   # late periods older than this are the recovery's business, not a reminder's


def settings_of(session: Session) -> ReminderSettings:
    found = session.get(ReminderSettings, 1)
    if found is None:
        found = ReminderSettings(id=1)
        session.add(found)
        session.flush()
    return found


def configure(session: Session, data: dict, by: Actor) -> None:
    current = settings_of(session)
    if not 0 <= int(data["days_before"]) <= 60 or not 0 <= int(data["days_after"]) <= 120:
        raise UserError("Les délais vont de 0 à 60 jours avant l'échéance et de 0 à 120 jours "
                        "après.")
    current.days_before, current.days_after = int(data["days_before"]), int(data["days_after"])
    current.text_before = (data.get("text_before") or "").strip()
    current.text_after = (data.get("text_after") or "").strip()
    journal.record(session, "declaration.reminders_configured", by,
                   days_before=current.days_before, days_after=current.days_after)


@dataclass(frozen=True)
class Due:
    """A reminder to send: a host, its kind, the periods and hébergements it names."""

    host: Host
    kind: str
    lines: tuple[tuple[Period, date, str, str], ...]   # (period, deadline, hébergement, state)


def due(session: Session, cal: Calendar, today: date) -> list[Due]:
    """Who is to be reminded today, and of what (nothing already sent)."""
    values = settings_of(session)
    periods = []
    period = cal.of(today).previous()
    while cal.deadline(period) >= today - timedelta(days=HORIZON_DAYS):
        deadline = cal.deadline(period)
        if deadline - timedelta(days=values.days_before) <= today <= deadline:
            periods.append((period, BEFORE))
        elif today >= deadline + timedelta(days=values.days_after):
            periods.append((period, AFTER))
        period = period.previous()
    sent = {(r.host_id, r.period, r.kind) for r in session.execute(
        sa.select(Reminder.host_id, Reminder.period, Reminder.kind))}
    wanted: dict[tuple[int, str], list] = defaultdict(list)
    for period, kind in periods:
        waiting = (State.A_DECLARER, State.BROUILLON) if kind == BEFORE else (State.EN_RETARD,)
        for row in follow.period_rows(session, period, cal, today):
            if row.state in waiting and (row.host_id, period.key, kind) not in sent:
                wanted[(row.host_id, kind)].append(
                    (period, cal.deadline(period), row.name, row.state.label))
    hosts = {h.id: h for h in session.scalars(sa.select(Host).where(
        Host.id.in_({host_id for host_id, _kind in wanted})))}
    return [Due(hosts[host_id], kind, tuple(sorted(lines, key=lambda line: line[0])))
            for (host_id, kind), lines in sorted(wanted.items())
            if hosts[host_id].email and hosts[host_id].can_log_in]


def send(session: Session, cal: Calendar, today: date, by: Actor) -> tuple[int, int]:
    """Send what is due; (emails sent, failures). Each reminder sent is recorded (and
    committed) at once, so a failure half-way never sends one twice."""
    values, brand = settings_of(session), settings.brand(session)
    sent = failed = 0
    for item in due(session, cal, today):
        text = (values.text_before if item.kind == BEFORE else values.text_after) \
            or DEFAULTS[item.kind]
        message = emails.render(
            "declarations/reminder", to=item.host.email, brand=brand, host=item.host,
            text=text, kind=item.kind, link=tenant_url("declarations.index"),
            lines=[(p.label, french_date(d), name, state) for p, d, name, state in item.lines],
            subject=f"{brand.name} : " + ("votre déclaration de taxe de séjour arrive à "
                                          "échéance" if item.kind == BEFORE else
                                          "déclaration de taxe de séjour en retard"))
        try:
            mail.send(message)
        except mail.MailError:
            failed += 1
            continue
        for key in sorted({p.key for p, *_rest in item.lines}):
            session.add(Reminder(host_id=item.host.id, period=key, kind=item.kind))
        journal.record(session, "declaration.reminded", by, target=item.host.email,
                       kind=item.kind, periods=sorted({p.key for p, *_ in item.lines}))
        session.commit()
        sent += 1
    return sent, failed
