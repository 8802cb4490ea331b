"""Every model of a collectivité's schema, imported in one place for Alembic and the tests."""

from tenants.accounts import ActivationCode, HostSession, LoginThrottle, RememberToken
from tenants.help import Tutorial
from tenants.hosts import Hebergement, Host
from tenants.legal import Acceptance, LegalDocument
from tenants.news import NewsItem
from tenants.settings import Settings

__all__ = ["Acceptance", "ActivationCode", "Hebergement", "Host", "HostSession",
           "LegalDocument", "LoginThrottle", "NewsItem", "RememberToken", "Settings", "Tutorial"]
