"""Every model of the shared schema, imported in one place for Alembic and the tests."""

from plateforme.jobs import DailyRun, HeldJob
from plateforme.registry import Collectivite, Domain, RegistryState

__all__ = ["Collectivite", "DailyRun", "Domain", "HeldJob", "RegistryState"]
