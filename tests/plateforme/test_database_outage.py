"""A database out of reach (PostgreSQL restarting, a failover, no connection free) gets a French
503 with Retry-After — never a 500 page or a traceback —, is logged as an error, and the pool
reconnects afterwards; any other database error stays a 500. The real restart under traffic is
tests/resilience/test_restart.py (gunicorn and a private PostgreSQL); these need no restart."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from plateforme.database import db
from plateforme.sites import SiteResolver
from plateforme.web import is_database_outage
from tenants.access import identity
from tenants.access.models import LoginThrottle
from tenants.collectivite import settings
from tenants.tax import calculator
from tests.conftest import create_database, create_tenant, drop_database, get, host_of, make_app
from tests.tenants.conftest import Client, vallee_with_hosts

OUTAGE_TITLE = "Service momentanément indisponible"


def lost_connection() -> sa.exc.OperationalError:
    """What SQLAlchemy raises when PostgreSQL ends the connection during a query (a fast
    shutdown)."""
    return sa.exc.OperationalError(
        "SELECT 1", {}, psycopg.errors.AdminShutdown(
            "terminating connection due to administrator command"), connection_invalidated=True)


def refused() -> sa.exc.OperationalError:
    """What a new connection gets while PostgreSQL is down."""
    return sa.exc.OperationalError(None, None, psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "Connection refused"))


def boom(error):
    def fail(*_args, **_kwargs):
        raise error
    return fail


def assert_outage_page(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert OUTAGE_TITLE in response.text and '<html lang="fr">' in response.text
    for leak in ("Traceback", "psycopg", "OperationalError", "administrator", "Erreur interne"):
        assert leak not in response.text


@pytest.fixture
def vallee(app):
    tenant = create_tenant(app, "vallee", "Vallée Verte")
    with db.tenant_context(tenant):
        settings.get(db.session).support_phone = "+33475123456"
        db.session.commit()
    return tenant


def test_a_lost_connection_gets_the_french_503_with_the_support_number(app, vallee, monkeypatch,
                                                                       caplog):
    # A page read first: this process knows the collectivité's support number.
    assert get(app, host_of("vallee"), "/calculette").status_code == 200
    monkeypatch.setattr(calculator, "communes", boom(lost_connection()))
    with caplog.at_level(logging.ERROR):
        response = get(app, host_of("vallee"), "/calculette")
    assert_outage_page(response)
    assert "Vallée Verte" in response.text
    assert "04 75 12 34 56" in response.text  # read before the outage, not asked again
    logged = [r for r in caplog.records if "base de données injoignable" in r.getMessage()]
    assert logged and logged[0].levelno == logging.ERROR and logged[0].exc_info


def test_a_program_gets_the_503_in_json(app, vallee, monkeypatch):
    monkeypatch.setattr(calculator, "parse", lambda _args: None)
    monkeypatch.setattr(calculator, "quote", boom(refused()))
    response = get(app, host_of("vallee"), "/api/calculette")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {"erreur": OUTAGE_TITLE}


def test_an_unreachable_registry_gets_the_same_page(app, vallee, monkeypatch):
    monkeypatch.setattr(SiteResolver, "_refresh_if_due", boom(refused()))
    response = get(app, host_of("vallee"))
    assert_outage_page(response)
    assert "Le service est momentanément indisponible" in response.text


def test_an_outage_after_the_view_gets_the_503_too(tmp_path, monkeypatch):
    """Saving the session runs after the view, outside its error handlers: the 500 handler
    recognises the outage. (Tests propagate exceptions by default: here, as in production,
    they do not.)"""
    app = make_app(f"sqlite:///{tmp_path / 'shared.db'}", PROPAGATE_EXCEPTIONS=False)
    try:
        create_tenant(app, "vallee", "Vallée Verte")
        monkeypatch.setattr(identity.TenantSessionInterface, "save_session",
                            boom(lost_connection()))
        assert_outage_page(get(app, host_of("vallee")))
    finally:
        app.extensions["taxesejour.db"].dispose()


def _busy_sqlite(tmp_path) -> sa.exc.OperationalError:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    except sa.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
        holder.close()
    raise AssertionError("the file was not busy")


def _error(statement: str, driver_error, kind=sa.exc.OperationalError):
    return kind(statement, {}, driver_error)


def test_only_an_outage_is_taken_for_one(tmp_path):
    assert is_database_outage(lost_connection())
    assert is_database_outage(refused())
    assert is_database_outage(_error("SELECT 1", psycopg.errors.CannotConnectNow(
        "the database system is starting up")))
    assert is_database_outage(_error("SELECT 1", psycopg.errors.TooManyConnections(
        "sorry, too many clients already")))
    assert is_database_outage(_error("SELECT 1", psycopg.InterfaceError(
        "the connection is closed"), sa.exc.InterfaceError))
    assert is_database_outage(sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10"))
    assert is_database_outage(_busy_sqlite(tmp_path))
    # Bugs and refusals stay what they are: a 500 (or the view's own handling).
    assert not is_database_outage(_error("SELECT * FROM nope", psycopg.errors.UndefinedTable(
        'relation "nope" does not exist'), sa.exc.ProgrammingError))
    assert not is_database_outage(_error("INSERT", psycopg.errors.UniqueViolation("duplicate"),
                                         sa.exc.IntegrityError))
    assert not is_database_outage(_error("UPDATE", psycopg.errors.SerializationFailure(
        "could not serialize access")))
    assert not is_database_outage(_error("SELECT * FROM nope", sqlite3.OperationalError(
        "no such table: nope")))
    assert not is_database_outage(RuntimeError("not a database error"))


@pytest.fixture
def pg_real_app():
    """PostgreSQL with real pooled connections, exceptions handled as in production."""
    url = create_database()
    app = make_app(url, PROPAGATE_EXCEPTIONS=False)
    yield app
    app.extensions["taxesejour.db"].dispose()
    drop_database(url)


def _terminate_others(app) -> int:
    """End every other connection to the app's database, as a restart does."""
    engine = sa.create_engine(app.config["DATABASE_URL"], poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ended = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    return ended


def _terminate_session_connection(app) -> None:
    """End the connection the bound session's transaction runs on, from another one."""
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    engine = sa.create_engine(app.config["DATABASE_URL"], poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


def test_the_pool_recovers_from_lost_connections(pg_real_app, monkeypatch):
    create_tenant(pg_real_app, "vallee", "Vallée Verte")
    host = host_of("vallee")
    assert get(pg_real_app, host, "/calculette").status_code == 200
    # Idle pooled connections killed: found dead by the first statement, replaced, that
    # statement retried, nobody notices.
    assert _terminate_others(pg_real_app) >= 1
    assert get(pg_real_app, host, "/calculette").status_code == 200
    # The connection killed in the middle of a request: that request gets the 503...
    monkeypatch.setattr(calculator, "communes", lambda session, _year: session.execute(
        sa.text("SELECT pg_terminate_backend(pg_backend_pid())")))
    assert_outage_page(get(pg_real_app, host, "/calculette"))
    monkeypatch.undo()
    # ...and the next one is served.
    assert get(pg_real_app, host, "/calculette").status_code == 200


def test_closing_a_session_whose_connection_died_does_not_raise(pg_real_app):
    """Sessions are closed in teardowns, after the response is made: a connection that died
    under the transaction (the page was read, then PostgreSQL restarted) must not turn that
    response into the server's bare 500."""
    tenant = create_tenant(pg_real_app, "vallee", "Vallée Verte")
    with pg_real_app.app_context():
        with db.tenant_context(tenant):
            assert settings.get(db.session) is not None  # a transaction is open
            _terminate_session_connection(pg_real_app)
        # Leaving closed the session without raising; the pool replaced the connection.
        with db.tenant_context(tenant):
            assert settings.get(db.session) is not None


def test_closing_a_session_after_its_failed_statement_does_not_raise(pg_real_app):
    """The same, when a statement already failed on the dead connection (the view's error
    became the 503 page): the transaction can only be rolled back, and closing must not try
    anything else (a read-only session is otherwise ended with COMMIT)."""
    tenant = create_tenant(pg_real_app, "vallee", "Vallée Verte")
    with pg_real_app.app_context():
        with db.tenant_context(tenant):
            assert settings.get(db.session) is not None
            _terminate_session_connection(pg_real_app)
            with pytest.raises(sa.exc.DBAPIError):
                db.session.execute(sa.text("SELECT 1"))
        with db.tenant_context(tenant):
            assert settings.get(db.session) is not None


# --- no ping before use: a dead connection is found by the first statement, which is retried ---


def _statements(engine):
    """Every statement the engine sends from now on (pings are not statements: counted apart)."""
    seen = []
    event.listen(engine, "before_cursor_execute",
                 lambda _conn, _cursor, sql, *_rest: seen.append(" ".join(sql.split())))
    return seen


def test_requests_cost_no_ping(pg_real_app, monkeypatch):
    """No `SELECT 1` before each checkout (pool_pre_ping): one round trip less per request.
    Two requests of a logged-in host, on connections the pool already holds."""
    tenant, email = vallee_with_hosts(pg_real_app)
    client = Client(pg_real_app, host_of(tenant.slug))
    client.login(email)
    client.accept_cgu()
    assert client.get("/tableau-de-bord").status_code == 200  # the pool is warm
    engine = pg_real_app.extensions["taxesejour.db"].shared_engine
    pings, checkouts = [], []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda dbapi_conn: pings.append(1) or
                        ping(dbapi_conn))
    event.listen(engine, "checkout", lambda *_args: checkouts.append(1))
    statements = _statements(engine)
    for _ in range(2):
        assert client.get("/tableau-de-bord").status_code == 200
    assert checkouts and statements, "the page reads the database"
    assert pings == []
    assert not [s for s in statements if s.upper().rstrip(";") == "SELECT 1"]


def test_a_dead_pooled_connection_is_replaced_on_the_first_statement(pg_real_app, caplog):
    tenant = create_tenant(pg_real_app, "vallee", "Vallée Verte")
    state = pg_real_app.extensions["taxesejour.db"]
    with pg_real_app.app_context(), db.tenant_context(tenant):
        before = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.commit()  # the connection goes back to the pool
        assert _terminate_others(pg_real_app) >= 1
        with caplog.at_level(logging.WARNING, logger="plateforme.database"):
            after = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        assert after != before
        assert "found dead on its first statement" in caplog.text
        assert settings.get(db.session) is not None
        db.session.commit()
    # The same for a Core transaction (the host resolver's reads, commands).
    assert _terminate_others(pg_real_app) >= 1
    with state.shared_connection() as conn:
        assert conn.scalar(sa.text("SELECT 1 + 1")) == 2
    assert _terminate_others(pg_real_app) >= 1
    with state.tenant_connection(tenant) as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0


def test_only_the_first_statement_of_a_transaction_is_retried(pg_real_app):
    """After a statement ran, or with changes waiting to be flushed (the autoflush would be the
    first statement), a lost connection is the outage it is: raised, nothing saved, nothing
    run twice."""
    tenant = create_tenant(pg_real_app, "vallee", "Vallée Verte")
    with pg_real_app.app_context(), db.tenant_context(tenant):
        db.session.scalar(sa.text("SELECT 1"))
        assert _terminate_others(pg_real_app) >= 1
        with pytest.raises(sa.exc.DBAPIError) as lost:
            db.session.scalar(sa.text("SELECT 2"))
        assert lost.value.connection_invalidated
        db.session.rollback()

        db.session.add(LoginThrottle(key_digest="a" * 64))
        db.session.commit()
        db.session.add(LoginThrottle(key_digest="b" * 64))
        assert _terminate_others(pg_real_app) >= 1
        with pytest.raises(sa.exc.DBAPIError):
            db.session.scalar(sa.text("SELECT 1"))
        db.session.rollback()
        assert db.session.scalars(sa.select(LoginThrottle.key_digest)).all() == ["a" * 64]

    with pytest.raises(sa.exc.DBAPIError):
        with pg_real_app.extensions["taxesejour.db"].shared_connection() as conn:
            conn.scalar(sa.text("SELECT 1"))
            assert _terminate_others(pg_real_app) >= 1
            conn.scalar(sa.text("SELECT 2"))
