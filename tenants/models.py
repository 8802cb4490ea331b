"""Every model of a collectivité's schema, imported in one place for Alembic and the tests."""

from tenants.accounts import ActivationCode, HostSession, LoginThrottle, RememberToken
from tenants.agents import Agent, AgentSession, RecoveryCode
from tenants.audit import AuditEvent
from tenants.documents import Document
from tenants.help import Tutorial
from tenants.hosts import Hebergement, Host
from tenants.legal import Acceptance, LegalDocument, LegalDraft
from tenants.news import NewsItem
from tenants.settings import Settings

__all__ = ["Acceptance", "ActivationCode", "Agent", "AgentSession", "AuditEvent", "Document",
           "Hebergement", "Host", "HostSession", "LegalDocument", "LegalDraft", "LoginThrottle",
           "NewsItem", "RecoveryCode", "RememberToken", "Settings", "Tutorial"]
