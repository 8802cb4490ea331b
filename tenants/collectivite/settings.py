"""The collectivité's settings (one row in its schema): the name and support numbers hosts
see, its branding, its journal's retention."""

from __future__ import annotations

from types import SimpleNamespace

from markupsafe import Markup
from sqlalchemy.orm import Session

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import branding
from tenants.collectivite.models import Settings
from tenants.core import validation
from tenants.core.emails import Brand
from tenants.core.printing import Sender
from tenants.core.urls import tenant_url


def get(session: Session) -> Settings:
    """The row itself, to change it (pages read `current`)."""
    settings = session.get(Settings, 1)
    if settings is None:
        raise LookupError("the collectivité's settings row is missing: provisioning is incomplete")
    return settings


class SettingsView(SimpleNamespace):
    """The settings as pages read them: a copy of the row's values, served from memory."""

    def __setattr__(self, name, value):
        raise AttributeError("the collectivité's settings are read-only here: use get()")


@content.cached
def current(session: Session) -> SettingsView:
    """The settings every page shows, read from the database only when they changed."""
    row = get(session)
    values = {column.key: getattr(row, column.key) for column in Settings.__mapper__.column_attrs
              if column.key != "logo_png"}
    # Not the logo's bytes: a thousand collectivités' logos in every worker's memory would
    # weigh more than the rest. Its route reads it (browsers keep it: its URL is versioned).
    values["has_logo"] = row.logo_png is not None
    values["home_html"] = Markup(values["home_html"])  # noqa: S704 - sanitised when saved
    view = SettingsView.__new__(SettingsView)
    view.__dict__.update(values)
    return view


def display_name(session: Session) -> str:
    return current(session).display_name


def update(session: Session, data: dict, by: Actor) -> Settings:
    """The console's settings form, every field checked before anything changes."""
    values = get(session)
    values.display_name = validation.required(data["display_name"], "Nom affiché", 200)
    values.brand_colour = branding.parse_colour(data["brand_colour"])
    values.home_text = (data.get("home_text") or "").strip()
    values.support_phone = validation.parse_phone(data.get("support_phone")) or ""
    values.tax_phone = validation.parse_phone(data.get("tax_phone")) or ""
    values.contact_email = validation.parse_email(data.get("contact_email")) or ""
    values.opening_hours = " ".join((data.get("opening_hours") or "").split())
    set_calendar(values, data.get("declaration_frequency"), data.get("declaration_deadline_day"))
    journal.record(session, "settings.updated", by, target="paramètres")
    return values


FREQUENCIES = {"mensuelle": "chaque mois", "trimestrielle": "chaque trimestre",
               "semestrielle": "chaque semestre", "annuelle": "chaque année"}


def set_calendar(values: Settings, frequency: str | None, deadline_day: int | None) -> None:
    """How often hosts declare, and by which day of the following month (1 to 28: every
    month has it)."""
    if frequency is not None:
        if frequency not in FREQUENCIES:
            raise UserError(f"Périodicité « {frequency} » inconnue : "
                            + ", ".join(FREQUENCIES) + ".")
        values.declaration_frequency = frequency
    if deadline_day is not None:
        if not 1 <= deadline_day <= 28:
            raise UserError("L'échéance est un jour du mois suivant la période, de 1 à 28.")
        values.declaration_deadline_day = deadline_day


def set_support(session: Session, support_phone: str | None = None,
                display_name: str | None = None, frequency: str | None = None,
                deadline_day: int | None = None) -> Settings:
    """What `flask tenants set` changes: the support number, the name shown, the declaration
    calendar."""
    values = get(session)
    set_calendar(values, frequency, deadline_day)
    if support_phone is not None:
        values.support_phone = validation.parse_phone(support_phone) or ""
    if display_name is not None:
        values.display_name = validation.required(display_name, "Nom affiché", 200)
    return values


def set_logo(session: Session, data: bytes, by: Actor) -> None:
    get(session).logo_png = branding.reencode_logo(data)
    journal.record(session, "settings.logo_updated", by, target="logo", size=len(data))


def remove_logo(session: Session, by: Actor) -> None:
    get(session).logo_png = None
    journal.record(session, "settings.logo_removed", by, target="logo")


def set_audit_retention(session: Session, months: int | None, by: Actor) -> int:
    """Keep the journal `months` months (1 to 36); older events go now. Returns how many."""
    if months is None or not 1 <= months <= 36:
        raise UserError("La durée de conservation doit être comprise entre 1 et 36 mois.")
    get(session).audit_retention_months = months
    journal.record(session, "audit.retention_changed", by, months=months)
    return journal.purge(session, months)


def brand(session: Session) -> Brand:
    """How the collectivité signs its emails."""
    values = get(session)
    return Brand(name=values.display_name, colour=values.brand_colour, home_url=tenant_url(),
                 support_phone=validation.format_phone(values.support_phone),
                 logo_png=values.logo_png)


def sender(session: Session) -> Sender:
    """How the collectivité signs what it prints (letters, the guide)."""
    values = get(session)
    return Sender(name=values.display_name,
                  support_phone=validation.format_phone(values.support_phone),
                  home_url=tenant_url(), logo_png=values.logo_png)
