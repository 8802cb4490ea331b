"""Every model of the shared schema, imported in one place for Alembic and the tests."""

from plateforme.communes import CoveredCommune
from plateforme.jobs import DailyRun, HeldJob
from plateforme.operations import Onboarding, OperationFailure
from plateforme.operators.models import (
    Operator,
    OperatorLoginThrottle,
    OperatorRecoveryCode,
    OperatorSession,
    PlatformEvent,
)
from plateforme.registry import Collectivite, Domain, RegistryState
from plateforme.servers import DatabaseServer

__all__ = ["Collectivite", "CoveredCommune", "DailyRun", "DatabaseServer", "Domain", "HeldJob",
           "Onboarding", "OperationFailure", "Operator", "OperatorLoginThrottle",
           "OperatorRecoveryCode", "OperatorSession", "PlatformEvent", "RegistryState"]
