"""What the hosts' side contributes to the console home (`tenants.core.dashboard`): the accounts
by state with what needs doing (letters to send, hosts without email, activations this month),
and the legal texts in force with how many hosts accepted them. One query each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session

from tenants.collectivite import legal
from tenants.collectivite.models import Acceptance, LegalDocument
from tenants.core.dashboard import Figure, Panel, Task
from tenants.core.dates import paris_today, to_utc
from tenants.hosts import admin
from tenants.hosts.models import AccountState, ActivationCode, Host


@dataclass
class HostFigures:
    states: dict[AccountState, int] = field(default_factory=lambda: dict.fromkeys(AccountState, 0))
    without_email: int = 0
    activated_since: int = 0

    @property
    def total(self) -> int:
        return sum(self.states.values())


def host_figures(session: Session, since: datetime) -> HostFigures:
    """Hosts per account state (`AccountState.of`'s rule, in SQL), those without an email, and
    those who activated their account since `since` (UTC)."""
    state = sa.case((Host.disabled_at.is_not(None), AccountState.DESACTIVE.value),
                    (Host.password_hash.is_not(None), AccountState.ACTIF.value),
                    (Host.legacy.is_(True), AccountState.ANCIEN.value),
                    (sa.exists().where(ActivationCode.host_id == Host.id),
                     AccountState.ATTENTE.value),
                    else_=AccountState.COURRIER.value)
    rows = sa.select(state.label("state"), Host.email, Host.activated_at).subquery()
    result = HostFigures()
    for value, count, no_email, activated in session.execute(
            sa.select(rows.c.state, sa.func.count(),
                      sa.func.sum(sa.case((rows.c.email.is_(None), 1), else_=0)),
                      sa.func.sum(sa.case((rows.c.activated_at >= since, 1), else_=0)))
            .group_by(rows.c.state)):
        result.states[AccountState(value)] = count
        result.without_email += int(no_email or 0)
        result.activated_since += int(activated or 0)
    return result


@dataclass(frozen=True)
class LegalFigures:
    kind: str
    version: int
    published_at: datetime
    accepted: int


def legal_figures(session: Session) -> list[LegalFigures]:
    """The version in force of each legal text and how many hosts accepted it, CGU first."""
    latest = (sa.select(LegalDocument.kind, sa.func.max(LegalDocument.version).label("version"))
              .group_by(LegalDocument.kind).subquery())
    rows = session.execute(
        sa.select(LegalDocument.kind, LegalDocument.version, LegalDocument.published_at,
                  sa.func.count(Acceptance.id))
        .join(latest, sa.and_(latest.c.kind == LegalDocument.kind,
                              latest.c.version == LegalDocument.version))
        .outerjoin(Acceptance, Acceptance.document_id == LegalDocument.id)
        .group_by(LegalDocument.kind, LegalDocument.version, LegalDocument.published_at))
    found = [LegalFigures(*row) for row in rows]
    return sorted(found, key=lambda f: list(legal.KINDS).index(f.kind))


def _month_start(today: date) -> datetime:
    return to_utc(datetime.combine(today.replace(day=1), time()))


def accounts_panel(session: Session) -> Panel:
    figures = host_figures(session, _month_start(paris_today()))
    states = figures.states
    listing = "console_hosts.host_list"
    tasks = []
    if states[AccountState.COURRIER]:
        tasks.append(Task(f"Envoyer le courrier d'activation à {states[AccountState.COURRIER]} "
                          "hébergeur(s)", url_for(listing, etat=AccountState.COURRIER.value)))
    if figures.without_email:
        tasks.append(Task(f"Compléter l'adresse électronique de {figures.without_email} "
                          "hébergeur(s)", url_for(listing)))
    return Panel(
        "Hébergeurs",
        figures=(Figure("Hébergeurs enregistrés", figures.total, url_for(listing)),
                 *(Figure(s.label, states[s], url_for(listing, etat=s.value))
                   for s in AccountState),
                 Figure("Comptes activés ce mois-ci", figures.activated_since),
                 Figure("Sans adresse électronique", figures.without_email)),
        tasks=tuple(tasks), link=Task("Tous les hébergeurs", url_for(listing)))


def legal_panel(session: Session) -> Panel:
    accounts = admin.active_accounts(session)
    rows = legal_figures(session)
    tasks = tuple(
        Task(f"{accounts - f.accepted} compte(s) actif(s) n'ont pas encore accepté la version "
             f"{f.version} ({legal.KINDS[f.kind]})",
             url_for("console_hosts.legal_pending", kind=f.kind, version=f.version))
        for f in rows if accounts > f.accepted)
    return Panel(
        "Textes en vigueur",
        figures=tuple(Figure(f"{legal.KINDS[f.kind]} : version {f.version} du "
                             f"{f.published_at:%d/%m/%Y}, acceptée par",
                             f"{f.accepted} sur {accounts} compte(s) actif(s)",
                             url_for("console_content.legal_edit", kind=f.kind))
                      for f in rows),
        tasks=tasks)
