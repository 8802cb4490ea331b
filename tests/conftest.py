"""Fixtures: applications on both backends, collectivités built by the product's own functions.

- `app`: one application per backend. SQLite: fresh files in a temporary directory. PostgreSQL:
  one database per test session (per xdist worker); each test runs inside one transaction, in
  savepoints, rolled back at the end, so that tests stay fast and see nothing of each other.
- `real_app`: the same, but with real connections and pools (PostgreSQL: a database of its own),
  for what a single pinned connection would hide: pools, worker processes, other processes.

PostgreSQL is found at TEST_POSTGRES_URL (default: the local server, user postgres). Without it,
PostgreSQL tests are skipped with the reason printed, except under CI=true where they fail.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import secrets
import shutil
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.engine import make_url

from plateforme import create_app, mail, migrate, provisioning, registry
from plateforme.database import db
from plateforme.deployment import Platform

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_DOMAIN = "taxesejour.test"
BACKENDS = ("sqlite", "postgresql")


# --- PostgreSQL availability ------------------------------------------------------------


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL unreachable at {make_url(PG_ADMIN_URL).render_as_string()}: " \
               f"{' '.join(str(exc).split())[:200]}"


_PG_PROBLEM = _postgres_problem()


def require_postgresql():
    if _PG_PROBLEM:
        if CI:
            pytest.fail(f"CI=true requires PostgreSQL. {_PG_PROBLEM}", pytrace=False)
        pytest.skip(_PG_PROBLEM)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_url_or_skip() -> str:
    """The Redis the job queue's tests use (a database number of their own); skipped without
    it, except under CI=true where it is required."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        problem = f"Redis unreachable at {REDIS_URL}: {exc}"
        if CI:
            pytest.fail(f"CI=true requires Redis. {problem}", pytrace=False)
        pytest.skip(problem)
    return REDIS_URL


@pytest.fixture
def jobs_on_redis(app, monkeypatch):
    """The application switched to production's job queue (RQ on a real Redis), on a queue of
    this test's own; `plateforme.jobs.work(app, burst=True)` plays the worker."""
    from plateforme import jobs

    name = f"taxesejour-test-{secrets.token_hex(6)}"
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "JOBS_REDIS_URL", redis_url_or_skip())
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    monkeypatch.setitem(app.config, "JOBS_RETRY_DELAYS", "1,1")
    app.extensions[jobs.EXTENSION_KEY].clear()
    yield app
    queue = jobs.queue(app)
    queue.empty()
    queue.connection.close()
    app.extensions[jobs.EXTENSION_KEY].clear()


def create_database() -> str:
    """A new, empty PostgreSQL database; returns its URL."""
    require_postgresql()
    name = f"taxesejour_test_{secrets.token_hex(5)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# --- applications -------------------------------------------------------------------------


def make_app(url: str, **overrides):
    config = {"ENV": "test", "DATABASE_URL": url, "PLATFORM_DOMAIN": TEST_DOMAIN,
              "PUBLIC_PORT": None, **overrides}
    app = create_app(config)
    with app.app_context():
        migrate.upgrade_shared(db.state, app.config["SHARED_MIGRATIONS_DIR"])
    return app


@pytest.fixture(scope="session")
def pg_session_app():
    url = create_database()
    app = make_app(url)
    yield app
    app.extensions["taxesejour.db"].dispose()
    drop_database(url)


@contextmanager
def rolled_back(app):
    """Run the test in one transaction of one connection, rolled back at the end."""
    state = app.extensions["taxesejour.db"]
    resolver = app.extensions["taxesejour.resolver"]
    conn = state.shared_engine.connect()
    transaction = conn.begin()
    state.pin(conn)
    resolver.invalidate()
    # What lives in the process rather than the database starts afresh too.
    app.extensions["taxesejour.limiter"].reset()
    app.extensions["taxesejour.hostdata"].clear()   # hosts' kept pages (tenants/core/hostdata.py)
    mail.outbox(app).clear()
    try:
        yield app
    finally:
        state.pin(None)
        resolver.invalidate()
        transaction.rollback()
        conn.close()


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgresql":
        require_postgresql()
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    if backend == "postgresql":
        with rolled_back(request.getfixturevalue("pg_session_app")) as pg_app:
            with pg_app.app_context():
                yield pg_app
        return
    sqlite_app = make_app(f"sqlite:///{tmp_path / 'shared.db'}")
    with sqlite_app.app_context():
        yield sqlite_app
    sqlite_app.extensions["taxesejour.db"].dispose()


@pytest.fixture
def pg_app(request):
    """PostgreSQL only, for what exists only there (schema names in SQL)."""
    require_postgresql()
    with rolled_back(request.getfixturevalue("pg_session_app")) as pg:
        with pg.app_context():
            yield pg


@pytest.fixture
def real_app(backend, tmp_path):
    """An application with real connections; PostgreSQL gets a database of its own."""
    yield from _real_app(backend, tmp_path)


def _real_app(backend, tmp_path, **overrides):
    if backend == "postgresql":
        url = create_database()
        application = make_app(url, **overrides)
        try:
            with application.app_context():
                yield application
        finally:
            application.extensions["taxesejour.db"].dispose()
            drop_database(url)
        return
    application = make_app(f"sqlite:///{tmp_path / 'shared.db'}", **overrides)
    with application.app_context():
        yield application
    application.extensions["taxesejour.db"].dispose()


@pytest.fixture
def make_real_app(backend, tmp_path):
    """Build a real application with settings overridden (a pool of one, say)."""
    generators = []

    def build(**overrides):
        gen = _real_app(backend, tmp_path / f"app{len(generators)}", **overrides)
        generators.append(gen)
        return next(gen)

    yield build
    for gen in reversed(generators):
        for _ in gen:
            pass


# --- collectivités ------------------------------------------------------------------------


def create_tenant(app, slug: str, name: str | None = None, **fields):
    """A collectivité created as an operator creates one (in the test's app context if it is
    this app's, so that the test's session sees the result)."""
    context = nullcontext() if has_app_context() and current_app._get_current_object() is app \
        else app.app_context()
    with context:
        platform = Platform.from_config(app.config)
        collectivite, _ = provisioning.create(db.state, db.session, platform, slug=slug,
                                              name=name or slug.replace("-", " ").title(),
                                              **fields)
        info = registry.tenant_info(collectivite)
        db.session.commit()  # hand the connection back to the pool
        return info


@pytest.fixture
def make_tenant(app):
    def make(slug, name=None, **fields):
        return create_tenant(app, slug, name, **fields)

    return make


def replace_seed(app, monkeypatch, seed) -> None:
    """Provision the test's collectivités with `seed` instead of the tenants' own (undone with
    the monkeypatch)."""
    schema = app.extensions[provisioning.SCHEMA_KEY]
    monkeypatch.setitem(app.extensions, provisioning.SCHEMA_KEY,
                        dataclasses.replace(schema, seed=seed))


def host_of(slug: str) -> str:
    return f"{slug}.{TEST_DOMAIN}"


def isolated(call, *args, **kwargs):
    """Run a test-client request as the server runs it: in a context of its own. (Flask reuses
    an application context the test pushed, and `g` with it, across requests.)"""
    return contextvars.Context().run(call, *args, **kwargs)


def get(app, host: str, path: str = "/", **kwargs):
    """A request as a browser on `host` sends it."""
    return isolated(app.test_client().get, path, base_url=f"http://{host}", **kwargs)


@pytest.fixture
def tenant_migrations_copy(tmp_path):
    """A writable copy of the tenant tree, for tests that add revisions."""
    target = tmp_path / "tenant_migrations"
    shutil.copytree(ROOT / "migrations" / "tenant", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target
