"""Settings, read from the environment through one class per environment.

`TAXESEJOUR_ENV` picks the class (production when unset: development is asked for); every
setting can be overridden by an environment variable of the same name. Production has no
defaults for secrets: it refuses to start without them rather than run with a guessable key or
the wrong database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigurationError(RuntimeError):
    """Raised when the settings cannot make a working application; its message is one line."""


def _env(name: str, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} doit être un nombre entier (reçu : {value!r}).") from None


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "oui", "on"):
        return True
    if value.lower() in ("0", "false", "no", "non", "off"):
        return False
    raise ConfigurationError(f"{name} doit valoir true ou false (reçu : {value!r}).")


def _env_float(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigurationError(f"{name} doit être un nombre (reçu : {value!r}).") from None


class Config:
    """What every environment shares."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    # The platform's own domain: the apex and www serve the platform's pages, and each
    # collectivité gets <slug>.<PLATFORM_DOMAIN>.
    PLATFORM_DOMAIN = "taxesejour.localhost"
    # Who runs the platform: the collectivités' processor (sous-traitant) in the privacy policy.
    PLATFORM_OPERATOR = "Nouveaux Territoires"
    # Scheme and port used to build absolute links (letters, emails, the demo URL). The port is
    # left out when empty, as behind a reverse proxy on 443.
    PREFERRED_URL_SCHEME = "http"
    PUBLIC_PORT: str | None = None
    # How often a process asks the registry whether anything changed (suspension, new domain):
    # a change made elsewhere takes effect within this many seconds. Must not exceed 5.
    TENANT_CACHE_CHECK_SECONDS = 2.0
    # Hosts' values kept in memory per process (tenants/core/hostdata.py), least recently used
    # dropped first past this size: a dashboard is ~10 KB for a host with two hébergements
    # (measured), so 8 MB keep ~800 hosts' dashboards.
    HOST_DATA_CACHE_MB = 8.0
    # SQLite only: the directory holding one database file per collectivité.
    TENANT_SQLITE_DIR: str | None = None
    # Alembic trees.
    SHARED_MIGRATIONS_DIR = str(ROOT / "migrations" / "shared")
    TENANT_MIGRATIONS_DIR = str(ROOT / "migrations" / "tenant")
    MIGRATION_WORKERS = 4
    # Seconds a collectivité's migration waits for a lock before failing (and being reported).
    MIGRATION_LOCK_TIMEOUT = 30
    # Reverse proxy: how many proxies to trust for X-Forwarded-For / -Proto. X-Forwarded-Host
    # is never trusted: the tenant comes from the Host header the proxy passes on.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    SQLALCHEMY_ECHO = False
    DB_POOL_SIZE = 5
    DB_MAX_OVERFLOW = 10
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Host-only cookies: never shared between collectivités' subdomains. In production over
    # HTTPS they take the __Host- prefix, which browsers enforce (Secure, no Domain, Path=/).
    SESSION_COOKIE_DOMAIN = None
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "remember"
    # A browser that logged in before keeps its own budget of login tries (access.throttle).
    DEVICE_COOKIE_NAME = "device"
    HSTS = False
    TESTING = False
    # The largest request body accepted (uploads: documents 10 MB, logos 1 MB).
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # Email: "smtp" (production), "file" (writes .eml files to MAIL_OUTBOX_DIR: the demo),
    # "memory" (kept in the process: tests).
    MAIL_BACKEND = "file"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_STARTTLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "taxesejour <ne-pas-repondre@taxesejour.localhost>"
    MAIL_OUTBOX_DIR = str(INSTANCE / "outbox")
    # Rate limits (Flask-Limiter): shared storage in production (redis://…), per collectivité.
    RATELIMIT_STORAGE_URI = "memory://"
    # Jobs (plateforme/jobs.py): "inline" runs them at once in the process (the demo, the
    # tests); "rq" queues them on Redis for `flask jobs worker` (production), retried after
    # each delay of JOBS_RETRY_DELAYS (seconds), then kept as dead letters.
    JOBS_BACKEND = "inline"
    JOBS_REDIS_URL = "redis://127.0.0.1:6379/0"
    JOBS_QUEUE = "taxesejour"
    JOBS_RETRY_DELAYS = "30,120,600,1800,7200"
    JOBS_TIMEOUT_SECONDS = 600
    # Host accounts.
    ACTIVATION_CODE_DAYS = 90
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    REMEMBER_DAYS = 30
    PASSWORD_RESET_MINUTES = 60
    # PayFiP (the DGFiP's online payment). Empty WSDL URL: the real service, through the copy
    # of its WSDL that eopayment ships. The demo and the tests point both URLs at the local
    # simulator (`flask payfip simulator`).
    PAYFIP_WSDL_URL = ""
    PAYFIP_PAYMENT_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"
    # An idOp lives 15 minutes: after that, declarations held by an unfinished payment are
    # payable again.
    PAYFIP_IDOP_MINUTES = 15
    PAYFIP_TIMEOUT_SECONDS = 15

    @classmethod
    def from_environment(cls) -> dict:
        """The class's settings, each overridden by the environment variable of the same name."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        for key in ("SECRET_KEY", "DATABASE_URL", "PLATFORM_DOMAIN", "PLATFORM_OPERATOR",
                    "MAIL_BACKEND", "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD",
                    "MAIL_DEFAULT_SENDER", "MAIL_OUTBOX_DIR", "RATELIMIT_STORAGE_URI",
                    "PREFERRED_URL_SCHEME",
                    "PUBLIC_PORT", "TENANT_SQLITE_DIR", "SHARED_MIGRATIONS_DIR",
                    "TENANT_MIGRATIONS_DIR", "PAYFIP_WSDL_URL", "PAYFIP_PAYMENT_URL",
                    "JOBS_BACKEND", "JOBS_REDIS_URL", "JOBS_QUEUE", "JOBS_RETRY_DELAYS"):
            values[key] = _env(key, values[key])
        for key in ("MIGRATION_WORKERS", "MIGRATION_LOCK_TIMEOUT", "PROXY_FIX_X_FOR",
                    "PROXY_FIX_X_PROTO", "DB_POOL_SIZE", "DB_MAX_OVERFLOW", "MAIL_PORT",
                    "MAIL_TIMEOUT", "ACTIVATION_CODE_DAYS", "SESSION_IDLE_MINUTES",
                    "SESSION_ABSOLUTE_HOURS", "REMEMBER_DAYS", "PASSWORD_RESET_MINUTES",
                    "PAYFIP_IDOP_MINUTES", "PAYFIP_TIMEOUT_SECONDS", "JOBS_TIMEOUT_SECONDS"):
            values[key] = _env_int(key, values[key])
        values["TENANT_CACHE_CHECK_SECONDS"] = _env_float(
            "TENANT_CACHE_CHECK_SECONDS", values["TENANT_CACHE_CHECK_SECONDS"])
        values["HOST_DATA_CACHE_MB"] = _env_float("HOST_DATA_CACHE_MB",
                                                  values["HOST_DATA_CACHE_MB"])
        for key in ("MAIL_USE_STARTTLS", "MAIL_USE_SSL"):
            values[key] = _env_bool(key, values[key])
        return values

    @classmethod
    def check(cls, values: dict) -> None:
        """Refuse settings that cannot work, in one line."""
        if not values.get("DATABASE_URL"):
            raise ConfigurationError("DATABASE_URL n'est pas défini.")
        if not values.get("SECRET_KEY"):
            raise ConfigurationError("SECRET_KEY n'est pas défini.")
        check_seconds = values["TENANT_CACHE_CHECK_SECONDS"]
        if not 0 <= check_seconds <= 5:
            raise ConfigurationError(
                "TENANT_CACHE_CHECK_SECONDS doit être compris entre 0 et 5 secondes.")
        if values["MIGRATION_WORKERS"] < 1:
            raise ConfigurationError("MIGRATION_WORKERS doit valoir au moins 1.")


def _development_secret() -> str:
    """A random key kept in instance/, so that development sessions survive a restart."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Development(Config):
    """The embedded default: SQLite files under instance/, the demo's domain."""

    ENV_NAME = "development"
    PUBLIC_PORT = "5000"
    # The local PayFiP simulator that ./scripts/demo starts beside the server.
    PAYFIP_WSDL_URL = "http://127.0.0.1:5099/tpa/services/securite?wsdl"
    PAYFIP_PAYMENT_URL = "http://127.0.0.1:5099/tpa/paiementws.web"

    @classmethod
    def from_environment(cls) -> dict:
        values = super().from_environment()
        values["DATABASE_URL"] = values["DATABASE_URL"] or f"sqlite:///{INSTANCE / 'taxesejour.db'}"
        values["SECRET_KEY"] = values["SECRET_KEY"] or _development_secret()
        return values


class Test(Config):
    """Tests pass DATABASE_URL themselves; nothing is read from a developer's instance/."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    TENANT_CACHE_CHECK_SECONDS = 0.5
    MIGRATION_WORKERS = 2
    MAIL_BACKEND = "memory"


class Production(Config):
    """PostgreSQL behind a reverse proxy over HTTPS."""

    ENV_NAME = "production"
    PLATFORM_DOMAIN = "taxesejour.fr"
    PREFERRED_URL_SCHEME = "https"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember"
    DEVICE_COOKIE_NAME = "__Host-device"
    HSTS = True
    PROXY_FIX_X_FOR = 1
    PROXY_FIX_X_PROTO = 1
    MAIL_BACKEND = "smtp"
    MAIL_DEFAULT_SENDER = "taxesejour <ne-pas-repondre@taxesejour.fr>"
    RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
    JOBS_BACKEND = "rq"

    @classmethod
    def check(cls, values: dict) -> None:
        missing = [k for k in ("SECRET_KEY", "DATABASE_URL") if not values.get(k)]
        if missing:
            raise ConfigurationError(
                "Démarrage refusé en production : définissez "
                + " et ".join(missing) + " dans l'environnement.")
        if len(str(values["SECRET_KEY"]).encode()) < 32:
            raise ConfigurationError(
                "Démarrage refusé en production : SECRET_KEY doit compter au moins 32 octets "
                "aléatoires (par exemple : python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))').")
        if values["PREFERRED_URL_SCHEME"] != "https":
            raise ConfigurationError(
                "Démarrage refusé en production : PREFERRED_URL_SCHEME doit valoir https "
                "(les liens des courriels et des courriers, les cookies Secure).")
        if values["RATELIMIT_STORAGE_URI"].startswith("memory"):
            raise ConfigurationError(
                "Démarrage refusé en production : RATELIMIT_STORAGE_URI doit désigner un "
                "stockage partagé entre processus (redis://…), pas memory://.")
        if str(values["DATABASE_URL"]).startswith("sqlite"):
            raise ConfigurationError(
                "Démarrage refusé en production : DATABASE_URL doit désigner PostgreSQL "
                "(postgresql+psycopg://…) ; SQLite ne sert qu'à la démonstration.")
        if values["JOBS_BACKEND"] != "rq":
            raise ConfigurationError(
                "Démarrage refusé en production : JOBS_BACKEND doit valoir rq (les courriels "
                "et les traitements hors de la requête, réessayés si un service manque).")
        super().check(values)


ENVIRONMENTS = {"development": Development, "test": Test, "production": Production}


def load(config=None) -> dict:
    """Resolve `create_app`'s argument into a checked settings dict.

    `config` may be None (TAXESEJOUR_ENV decides), an environment name, a Config class, or a dict
    of overrides applied on top of the test settings' class named by its "ENV" key or of the
    environment's class.
    """
    overrides = {}
    if isinstance(config, dict):
        overrides = dict(config)
        config = overrides.pop("ENV", None)
    chosen = True
    if config is None:
        # Development is asked for (./scripts/demo does), never what a forgotten variable gives:
        # unset, it is production, whose checks then say what is missing.
        config = _env("TAXESEJOUR_ENV", None)
        chosen = config is not None
        config = config or "production"
    if isinstance(config, str):
        try:
            config = ENVIRONMENTS[config]
        except KeyError:
            raise ConfigurationError(
                f"Environnement inconnu : {config!r} (attendu : "
                + ", ".join(ENVIRONMENTS) + ").") from None
    values = config.from_environment()
    values.update(overrides)
    try:
        config.check(values)
    except ConfigurationError as refused:
        if chosen:
            raise
        raise ConfigurationError(
            f"{refused} (TAXESEJOUR_ENV n'est pas défini : c'est donc la production ; pour "
            "la démonstration : ./scripts/demo, ou TAXESEJOUR_ENV=development.)") from None
    return values
