"""The collectivité's own content, in its schema: settings and branding, legal texts and who
accepted them, news, documents and tutorials for its hosts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from plateforme import content
from plateforme.database import TenantModel
from tenants.core import hostdata
from tenants.core.dates import paris_today, utcnow
from tenants.core.markdown import legal_html, render_markdown
from tenants.core.money import Hundredths


class Settings(TenantModel):
    __tablename__ = "settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # The name hosts see; starts as the registry's name, the collectivité may change it.
    display_name: Mapped[str] = mapped_column(sa.String(200))
    # Empty until the collectivité sets it: pages then tell hosts to contact their mairie.
    support_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    # For questions about the tax itself (tariffs, exemptions), when it differs.
    tax_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(300), default="")
    # How long the audit log keeps events (CNIL: 6 to 12 months for access logs).
    audit_retention_months: Mapped[int] = mapped_column(default=12)
    # Branding: the header's colour (white text on it passes WCAG AA), a logo re-encoded as PNG,
    # and the text of the home page (Markdown).
    brand_colour: Mapped[str] = mapped_column(sa.String(7), default="#123b66")
    logo_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    home_text: Mapped[str] = mapped_column(sa.Text, default="")
    # home_text rendered and sanitised when saved (tenants/core/markdown.py), not per request.
    home_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The declaration calendar: how often hosts declare, and the day of the month after each
    # period by which they declare and pay.
    declaration_frequency: Mapped[str] = mapped_column(sa.String(15), default="mensuelle")
    declaration_deadline_day: Mapped[int] = mapped_column(default=15)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("declaration_frequency IN ('mensuelle', 'trimestrielle', "
                           "'semestrielle', 'annuelle')", name="declaration_frequency"),
        sa.CheckConstraint("declaration_deadline_day BETWEEN 1 AND 28",
                           name="declaration_deadline_day"),
    )


class LegalDocument(TenantModel):
    """A published version of the CGU or the privacy policy: its text never changes."""

    __tablename__ = "legal_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # The body rendered and sanitised when published (it never changes afterwards).
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "version", name="uq_legal_documents_kind_version"),
        sa.CheckConstraint("kind IN ('cgu', 'privacy')", name="kind"),
    )


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


class NewsItem(TenantModel):
    """An item of the news ("ACTUALITÉS")."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # The body rendered and sanitised when saved, not per request.
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # None while a draft; in the future when scheduled.
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def state(self) -> str:
        if self.published_at is None:
            return "Brouillon"
        if self.published_at > utcnow():
            return "Programmée"
        return "Publiée"


class Document(TenantModel):
    """A PDF for hosts ("Mes documents"); one may replace the generated guide."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    is_guide: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tutorial(TenantModel):
    """A tutorial ("TUTORIELS"): a video or a page, hosted anywhere, shown as a link."""

    __tablename__ = "tutorials"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="lien")  # "video" or "lien"
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessibilityStatement(TenantModel):
    """The collectivité's accessibility statement (loi 2005-102, art. 47; RGAA 4.1): the
    collectivité is the one bound to publish it, so its administrators complete what the
    platform cannot know (the audit, its contact, its schéma pluriannuel). One row, written the
    first time an administrator saves it; until then the page shows the defaults. Empty texts
    mean "the platform's default"."""

    __tablename__ = "accessibility_statement"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    status: Mapped[str] = mapped_column(sa.String(30), default="non_conforme")
    audit_date: Mapped[date | None]
    auditor: Mapped[str] = mapped_column(sa.String(200), default="")
    compliance_rate: Mapped[Decimal | None] = mapped_column(Hundredths())  # % of criteria
    non_compliances: Mapped[str] = mapped_column(sa.Text, default="")      # Markdown
    derogations: Mapped[str] = mapped_column(sa.Text, default="")          # Markdown
    exempt_contents: Mapped[str] = mapped_column(sa.Text, default="")      # Markdown
    technologies: Mapped[str] = mapped_column(sa.Text, default="")
    environment: Mapped[str] = mapped_column(sa.Text, default="")
    tools: Mapped[str] = mapped_column(sa.Text, default="")
    pages: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_url: Mapped[str] = mapped_column(sa.String(500), default="")
    schema_url: Mapped[str] = mapped_column(sa.String(500), default="")
    schema_text: Mapped[str] = mapped_column(sa.Text, default="")          # Markdown
    action_plan: Mapped[str] = mapped_column(sa.Text, default="")          # Markdown
    established_on: Mapped[date] = mapped_column(default=paris_today)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("status IN ('non_conforme', 'partiellement_conforme', "
                           "'totalement_conforme')", name="status"),
        sa.CheckConstraint("compliance_rate BETWEEN 0 AND 10000", name="compliance_rate"),
    )


# Markdown is rendered when written, once, and stored sanitised: pages show the stored HTML.
@sa.event.listens_for(NewsItem.body, "set")
def _render_news(item, value, _old, _initiator):
    item.body_html = render_markdown(value)


@sa.event.listens_for(Settings.home_text, "set")
def _render_home(values, value, _old, _initiator):
    values.home_html = render_markdown(value)


@sa.event.listens_for(LegalDocument.body, "set")
def _render_legal(document, value, _old, _initiator):
    document.body_html = legal_html(value)


# Pages serve these from memory (plateforme/content.py): any change reaches every process.
content.tracks(Settings, LegalDocument, NewsItem, Tutorial, AccessibilityStatement)
# A host's pages keep whether texts await them (tenants.core.hostdata).
hostdata.tracks(Acceptance)
