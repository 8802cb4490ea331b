"""Every model of a collectivité's schema, imported in one place for Alembic and the tests."""

from tenants.access.models import LoginThrottle
from tenants.agents.models import Agent, AgentSession, RecoveryCode
from tenants.audit.models import AuditEvent
from tenants.collectivite.models import (
    Acceptance,
    Document,
    LegalDocument,
    LegalDraft,
    NewsItem,
    Settings,
    Tutorial,
)
from tenants.hosts.models import ActivationCode, Hebergement, Host, HostSession, RememberToken
from tenants.tax.models import (
    Band,
    Deliberation,
    DeliberationCommune,
    LegalGridLine,
    Period,
    Regime,
    Tariff,
)

__all__ = ["Acceptance", "ActivationCode", "Agent", "AgentSession", "AuditEvent", "Band",
           "Deliberation", "DeliberationCommune", "Document", "Hebergement", "Host",
           "HostSession", "LegalDocument", "LegalDraft", "LegalGridLine", "LoginThrottle",
           "NewsItem", "Period", "RecoveryCode", "Regime", "RememberToken", "Settings", "Tariff",
           "Tutorial"]
