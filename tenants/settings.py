"""The collectivité's own settings, one row in its schema."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from plateforme.database import TenantModel
from plateforme.registry import utcnow


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
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


def get(session: Session) -> Settings:
    settings = session.get(Settings, 1)
    if settings is None:
        raise LookupError("the collectivité's settings row is missing: provisioning is incomplete")
    return settings
