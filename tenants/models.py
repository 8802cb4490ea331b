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

__all__ = ["Acceptance", "ActivationCode", "Agent", "AgentSession", "AuditEvent", "Document",
           "Hebergement", "Host", "HostSession", "LegalDocument", "LegalDraft", "LoginThrottle",
           "NewsItem", "RecoveryCode", "RememberToken", "Settings", "Tutorial"]
