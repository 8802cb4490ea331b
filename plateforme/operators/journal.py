"""The platform journal: what operators did (and what was done to them), one line per action,
in the transaction of the action itself: who (the operator's id and email, as text), what,
which collectivité, when, from which address.

Other packages of the platform record their actions with `record` and give each action code its
French phrase with `describe_action`: the end of a sentence whose subject is the operator, with
`{key}` fields taken from the line's detail (« a suspendu la collectivité » → « marie@… a
suspendu la collectivité », the collectivité shown in its own column). A code without a phrase
is shown as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

from plateforme.operators.models import Operator, PlatformEvent

PER_PAGE = 50

PARIS = ZoneInfo("Europe/Paris")
#: Who acted when no operator did: a command (no address), or someone not logged in.
PLATFORM = "La plateforme"
VISITOR = "Un visiteur"

#: action code → what the operator did, the end of a French sentence ({fields} of the detail).
PHRASES: dict[str, str] = {
    "operator.invited": "a invité l'opérateur {account} (rôle {role})",
    "operator.invitation_accepted": "a accepté son invitation et choisi son mot de passe",
    "operator.enrolled": "a activé la double authentification",
    "operator.login": "s'est connecté à la console des opérateurs",
    "operator.login_failed": "a échoué à se connecter ({step}, courriel saisi : {email})",
    "operator.logout": "s'est déconnecté",
    "operator.recovery_code_used": "s'est connecté avec un code de secours",
    "operator.disabled": "a désactivé le compte de l'opérateur {account}",
}


def describe_action(action: str, phrase: str) -> None:
    """Give `action` its French phrase (for instance "a suspendu la collectivité")."""
    PHRASES[action] = phrase


def phrase(action: str) -> str:
    return PHRASES.get(action, action)


class _Blank(dict):
    def __missing__(self, key):
        return "—"


def sentence(event: PlatformEvent) -> str:
    """« marie@exemple.fr a désactivé le compte de l'opérateur paul@exemple.fr »."""
    who = event.operator_email or (VISITOR if event.ip else PLATFORM)
    try:
        what = phrase(event.action).format_map(_Blank(event.detail or {}))
    except (ValueError, IndexError):
        what = phrase(event.action)
    return f"{who} {what}"


def paris_time(event: PlatformEvent) -> str:
    """The line's time in Paris (stored in UTC)."""
    return f"{event.at.replace(tzinfo=UTC).astimezone(PARIS):%d/%m/%Y à %H:%M:%S}"


def record(session: Session, action: str, *, collectivite: str | None = None,
           detail: dict | None = None, operator: Operator | None = None,
           ip: str | None = None) -> PlatformEvent:
    """One line in the current transaction. Inside a request the operator and the address
    default to the request's; outside (a command), pass them, or the line says « la plateforme »."""
    if has_request_context():
        if operator is None:
            from plateforme.operators.access import current_operator

            operator = current_operator()
        ip = ip or request.remote_addr
    event = PlatformEvent(
        operator_id=operator.id if operator is not None else None,
        operator_email=operator.email if operator is not None else "",
        action=action, collectivite=collectivite, detail=dict(detail or {}), ip=ip)
    session.add(event)
    return event


@dataclass(frozen=True)
class Page:
    entries: list[PlatformEvent]
    page: int
    pages: int
    total: int


def entries(session: Session, *, collectivite: str | None = None,
            operator: str | int | None = None, action: str | None = None, page: int = 1,
            per_page: int = PER_PAGE) -> Page:
    """The newest first. `operator`: an id or an email (or the start of one); `action`: a code,
    or its start followed by "." ("operator." for every action on accounts)."""
    query = sa.select(PlatformEvent)
    if collectivite:
        query = query.where(PlatformEvent.collectivite == collectivite)
    if isinstance(operator, int):
        query = query.where(PlatformEvent.operator_id == operator)
    elif operator:
        query = query.where(PlatformEvent.operator_email.startswith(
            operator.strip().lower(), autoescape=True))
    if action:
        query = query.where(PlatformEvent.action.startswith(action, autoescape=True)
                            if action.endswith(".") else PlatformEvent.action == action)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.scalars(query.order_by(PlatformEvent.at.desc(), PlatformEvent.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), page, pages, total)


def actions_seen(session: Session) -> list[str]:
    """The action codes present, for the page's filter."""
    return list(session.scalars(sa.select(PlatformEvent.action).distinct()
                                .order_by(PlatformEvent.action)))
