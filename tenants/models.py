"""Every model of a collectivité's schema, imported in one place for Alembic and the tests."""

from tenants.legal import LegalDocument
from tenants.news import NewsItem
from tenants.settings import Settings

__all__ = ["LegalDocument", "NewsItem", "Settings"]
