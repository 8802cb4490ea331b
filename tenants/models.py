"""Every model of a collectivité's schema, imported in one place for Alembic and the tests."""

from tenants.access.models import LoginThrottle
from tenants.agents.models import Agent, AgentSession, RecoveryCode
from tenants.audit.models import AuditEvent
from tenants.collectivite.models import (
    Acceptance,
    AccessibilityStatement,
    Document,
    LegalDocument,
    LegalDraft,
    NewsItem,
    Settings,
    Tutorial,
)
from tenants.declarations.models import Declaration, Reminder, ReminderSettings, Stay
from tenants.hosts.models import (
    ActivationCode,
    Closure,
    Hebergement,
    Host,
    HostSession,
    LetterBatch,
    RememberToken,
)
from tenants.payments.models import Allocation, Payment, PaymentSettings
from tenants.recovery.models import (
    PlatformPayment,
    PlatformStatement,
    RecoveryCase,
    RecoveryDocument,
    RecoverySettings,
)
from tenants.tax.models import (
    Band,
    Deliberation,
    DeliberationCommune,
    DeltaImport,
    LegalGridLine,
    Period,
    Regime,
    Tariff,
)

__all__ = ["Acceptance", "AccessibilityStatement", "ActivationCode", "Agent", "AgentSession",
           "Allocation", "AuditEvent", "Band", "Closure", "Declaration", "DeliberationCommune",
           "Deliberation", "DeltaImport",
           "Document",
           "Hebergement", "Host", "HostSession", "LetterBatch", "LegalDocument", "LegalDraft",
           "LegalGridLine",
           "LoginThrottle", "NewsItem", "Payment", "PaymentSettings", "Period", "PlatformPayment",
           "PlatformStatement", "RecoveryCode",
           "RecoveryCase", "RecoveryDocument", "RecoverySettings", "Regime", "Reminder",
           "ReminderSettings", "RememberToken", "Settings", "Stay",
           "Tariff", "Tutorial"]
