"""The collectivité's tutorials for hosts ("TUTORIELS"): links to videos or pages, https only."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite.models import Tutorial
from tenants.core import validation

KINDS = {"video": "Vidéo", "lien": "Page ou document"}


def add(session: Session, title: str, url: str, kind: str, description: str = "",
        by: Actor = journal.SYSTEM) -> Tutorial:
    title = validation.required(title, "Titre", 200)
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(url) > 500:
        raise UserError("Adresse refusée : un lien https:// complet est attendu.")
    if kind not in KINDS:
        raise UserError("Type de tutoriel inconnu.")
    last = session.scalar(sa.select(sa.func.max(Tutorial.position))) or 0
    tutorial = Tutorial(title=title, url=url, kind=kind, description=(description or "")[:1000],
                        position=last + 1)
    session.add(tutorial)
    session.flush()
    journal.record(session, "tutorial.added", by, target=tutorial.title)
    return tutorial


def delete(session: Session, tutorial: Tutorial, by: Actor) -> None:
    session.delete(tutorial)
    journal.record(session, "tutorial.deleted", by, target=tutorial.title)


def ordered(session: Session) -> list[Tutorial]:
    return list(session.scalars(sa.select(Tutorial).order_by(Tutorial.position, Tutorial.id)))


@dataclass(frozen=True)
class Shown:
    """A tutorial as hosts' pages list it."""

    title: str
    url: str
    kind: str
    description: str


@content.cached
def shown(session: Session) -> tuple[Shown, ...]:
    """The hosts' list, from memory."""
    return tuple(Shown(t.title, t.url, t.kind, t.description) for t in ordered(session))
