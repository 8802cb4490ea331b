"""The CGU and the privacy policy: immutable published versions, one current per kind, drafts
written in the console, and each host's acceptance of each version.

A version's text never changes once published; what a host accepted is proved by the version
number and the SHA-256 of its text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite.models import Acceptance, LegalDocument, LegalDraft
from tenants.core.dates import utcnow

KINDS = {"cgu": "Conditions générales d'utilisation",
         "privacy": "Politique de confidentialité"}


def text_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def current(session: Session, kind: str) -> LegalDocument | None:
    return session.scalar(sa.select(LegalDocument).where(LegalDocument.kind == kind)
                          .order_by(LegalDocument.version.desc()).limit(1))


def versions(session: Session, kind: str) -> list[LegalDocument]:
    """Every published version of `kind`, newest first."""
    return list(session.scalars(sa.select(LegalDocument).where(LegalDocument.kind == kind)
                                .order_by(LegalDocument.version.desc())))


def version(session: Session, kind: str, number: int) -> LegalDocument | None:
    return session.scalar(sa.select(LegalDocument).where(
        LegalDocument.kind == kind, LegalDocument.version == number))


def publish(session: Session, kind: str, body: str, title: str | None = None) -> LegalDocument:
    """Add the next version of `kind`; earlier versions stay as they were."""
    if kind not in KINDS:
        raise ValueError(kind)
    latest = current(session, kind)
    document = LegalDocument(kind=kind, version=(latest.version + 1) if latest else 1,
                             title=title or KINDS[kind], body=body, sha256=text_hash(body))
    session.add(document)
    return document


def publish_new_version(session: Session, kind: str, body: str,
                        by: Actor = journal.SYSTEM) -> LegalDocument:
    """Publish `body` as the next version (`flask tenants publish-…`, the console); the text
    already in force is refused."""
    body = body.strip()
    latest = current(session, kind)
    if latest is not None and latest.sha256 == text_hash(body):
        raise UserError(f"Ce texte est déjà la version {latest.version} en vigueur : rien n'a "
                        "été publié.")
    document = publish(session, kind, body)
    session.flush()
    journal.record(session, "legal.published", by, target=KINDS[kind],
                   version=document.version)
    return document


def publish_draft(session: Session, kind: str, body: str, by: Actor) -> LegalDocument:
    """The console's "Publier": the text as typed becomes the next version, and the draft it
    came from is gone."""
    document = publish_new_version(session, kind, body, by)
    session.execute(sa.delete(LegalDraft).where(LegalDraft.kind == kind))
    return document


def save_draft(session: Session, kind: str, body: str, by: Actor) -> LegalDraft:
    draft = session.get(LegalDraft, kind)
    if draft is None:
        draft = LegalDraft(kind=kind, body="")
        session.add(draft)
    draft.body = body.strip()
    journal.record(session, "legal.draft_saved", by, target=KINDS[kind])
    return draft


def draft(session: Session, kind: str) -> LegalDraft | None:
    return session.get(LegalDraft, kind)


@dataclass(frozen=True)
class PublishedText:
    """The version in force as its public page shows it, from memory."""

    kind: str
    version: int
    title: str
    published_at: datetime
    html: Markup


@content.cached
def in_force(session: Session, kind: str) -> PublishedText | None:
    document = current(session, kind)
    if document is None:
        return None
    return PublishedText(document.kind, document.version, document.title,
                         document.published_at, Markup(document.body_html))  # noqa: S704


# --- acceptances ----------------------------------------------------------------------------


def pending(session: Session, host_id: int) -> list[LegalDocument]:
    """The current documents `host_id` has not accepted yet, CGU first (one query: it runs on
    every page of the host's space)."""
    latest = (sa.select(LegalDocument.kind, sa.func.max(LegalDocument.version).label("version"))
              .group_by(LegalDocument.kind).subquery())
    accepted = sa.exists().where(Acceptance.host_id == host_id,
                                 Acceptance.document_id == LegalDocument.id)
    query = (sa.select(LegalDocument)
             .join(latest, sa.and_(latest.c.kind == LegalDocument.kind,
                                   latest.c.version == LegalDocument.version))
             .where(~accepted))
    documents = list(session.scalars(query))
    return sorted(documents, key=lambda d: list(KINDS).index(d.kind))


def accept(session: Session, host_id: int, documents: list[LegalDocument]) -> None:
    now = utcnow()
    for document in documents:
        session.add(Acceptance(host_id=host_id, document_id=document.id, kind=document.kind,
                               version=document.version, sha256=document.sha256,
                               accepted_at=now))


def of_host(session: Session, host_id: int) -> list[Acceptance]:
    return list(session.scalars(sa.select(Acceptance).where(Acceptance.host_id == host_id)))


def accepted_count(session: Session, document: LegalDocument) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Acceptance)
                          .where(Acceptance.document_id == document.id))
