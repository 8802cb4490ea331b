"""The CGU and the privacy policy: immutable published versions, one current per kind.

A version's text never changes once published; what a host accepted is proved by the version
number and the SHA-256 of its text.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import TenantModel
from plateforme.registry import utcnow

KINDS = {"cgu": "Conditions générales d'utilisation",
         "privacy": "Politique de confidentialité"}


class LegalDocument(TenantModel):
    __tablename__ = "legal_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "version", name="uq_legal_documents_kind_version"),
        sa.CheckConstraint("kind IN ('cgu', 'privacy')", name="kind"),
    )


def text_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def current(session: Session, kind: str) -> LegalDocument | None:
    return session.scalar(sa.select(LegalDocument).where(LegalDocument.kind == kind)
                          .order_by(LegalDocument.version.desc()).limit(1))


def publish(session: Session, kind: str, body: str, title: str | None = None) -> LegalDocument:
    """Add the next version of `kind`; earlier versions stay as they were."""
    if kind not in KINDS:
        raise ValueError(kind)
    latest = current(session, kind)
    document = LegalDocument(kind=kind, version=(latest.version + 1) if latest else 1,
                             title=title or KINDS[kind], body=body, sha256=text_hash(body))
    session.add(document)
    return document


class LegalDraft(TenantModel):
    """The next version being written in the console: not shown to hosts until published."""

    __tablename__ = "legal_drafts"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Acceptance(TenantModel):
    """Proof that a host accepted one version of a document (GDPR art. 7(1)): which text, by its
    hash, and when (UTC)."""

    __tablename__ = "acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("legal_documents.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("host_id", "document_id",
                                          name="uq_acceptances_host_document"),)


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


def render(document: LegalDocument) -> str:
    """The document's Markdown as HTML; raw HTML in the source is escaped, never rendered."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(document.body)
