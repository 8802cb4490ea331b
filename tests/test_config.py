"""Settings come from the environment; production refuses to start without its secrets."""

import subprocess
import sys

import pytest

import config
from plateforme import create_app
from tests.conftest import ROOT
from tests.test_layout import clean_env


@pytest.mark.parametrize("missing", [("SECRET_KEY",), ("DATABASE_URL",),
                                     ("SECRET_KEY", "DATABASE_URL")])
def test_production_refuses_to_start_without_its_secrets_in_one_line(tmp_path, missing):
    env = clean_env(tmp_path, TAXESEJOUR_ENV="production", SECRET_KEY="s" * 40,
                    DATABASE_URL="postgresql+psycopg://u@db/x")
    for key in missing:
        env.pop(key)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "production" in lines[0]
    for key in missing:
        assert key in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("setting", "value", "said"), [
    ("SECRET_KEY", "x", "au moins 32 octets"),
    ("PREFERRED_URL_SCHEME", "http", "https"),
    ("DATABASE_URL", "sqlite:////tmp/taxesejour.db", "PostgreSQL"),
    ("JOBS_BACKEND", "inline", "JOBS_BACKEND doit valoir rq"),
])
def test_production_refuses_weak_settings_in_one_line(tmp_path, setting, value, said):
    """Issue 12, finding 9: a one-letter key, plain http links, SQLite or jobs run inside the
    request are refused at start."""
    env = clean_env(tmp_path, TAXESEJOUR_ENV="production", SECRET_KEY="s" * 40,
                    DATABASE_URL="postgresql+psycopg://u@db/x")
    env[setting] = value
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], result.stderr


def test_production_starts_with_its_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/x")
    values = config.load("production")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["HSTS"] is True
    assert values["PLATFORM_DOMAIN"] == "taxesejour.fr"


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PLATFORM_DOMAIN", "taxe.example.org")
    monkeypatch.setenv("MIGRATION_WORKERS", "7")
    values = config.load({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert values["PLATFORM_DOMAIN"] == "taxe.example.org"
    assert values["MIGRATION_WORKERS"] == 7


def test_cache_bound_above_five_seconds_is_refused(tmp_path):
    with pytest.raises(config.ConfigurationError, match="5 secondes"):
        create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                    "TENANT_CACHE_CHECK_SECONDS": 6})


def test_unknown_environment_is_refused():
    with pytest.raises(config.ConfigurationError, match="inconnu"):
        config.load("staging")


def test_development_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    values = config.load("development")
    assert values["DATABASE_URL"].startswith("sqlite:///")
    assert values["PLATFORM_DOMAIN"] == "taxesejour.localhost"
    assert values["SECRET_KEY"]


def test_without_taxesejour_env_it_is_production_not_development(tmp_path):
    """Issue 12, finding 9: a WSGI server started with the variable forgotten got the
    development settings (non-Secure cookies, in-memory limits). Now it is production, which
    refuses to start without its settings and says how to ask for development."""
    env = clean_env(tmp_path)
    env.pop("TAXESEJOUR_ENV")
    env.pop("DATABASE_URL")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "production" in line and "TAXESEJOUR_ENV=development" in line
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("TAXESEJOUR_ENV", raising=False)
        patch.setenv("SECRET_KEY", "k" * 40)
        patch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/x")
        assert config.load()["ENV_NAME"] == "production"
