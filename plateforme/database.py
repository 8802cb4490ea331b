"""Engines, sessions and the two model bases: shared (the registry) and tenant (one collectivité).

PostgreSQL: one engine, one pool per database server, created lazily (the platform's own database
is the server "default"; others are listed in `database_servers`, see plateforme/servers.py).
Tenant tables are declared in the placeholder schema `tenant` and each session carries a
`schema_translate_map` that rewrites it to the bound collectivité's schema, always quoted. A
pooled connection carries no tenant state (no `SET search_path`), so it cannot leak one
collectivité's rows into another's request.

SQLite (the embedded default): the shared database in one file and one file per collectivité,
each with its own engine; the placeholder schema is translated to the file's main schema.

A session routes each statement: tenant tables to the bound collectivité, everything else to the
shared database. With no collectivité bound, a tenant table raises `NoTenantBound`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import quoted_name

from plateforme import tenancy
from plateforme.errors import UserError
from plateforme.tenancy import SCHEMA_PLACEHOLDER, NoTenantBound, TenantInfo

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SharedModel(DeclarativeBase):
    """Tables of the shared schema: the registry of collectivités and what spans them."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TenantModel(DeclarativeBase):
    """Tables that exist once per collectivité, in its own schema (or file)."""

    metadata = sa.MetaData(schema=SCHEMA_PLACEHOLDER, naming_convention=NAMING_CONVENTION)


def _is_tenant_table(obj) -> bool:
    return isinstance(obj, sa.Table) and obj.schema == SCHEMA_PLACEHOLDER


def is_tenant_scoped(mapper=None, clause=None) -> bool:
    if mapper is not None:
        return any(_is_tenant_table(t) for t in mapper.tables)
    if clause is not None:
        return any(_is_tenant_table(obj) for obj in visitors.iterate(clause))
    return False


def _retry_on_dead_connection(run: Callable, end_transaction: Callable[[], None], *args,
                              **kwargs):
    """Run the first statement of a transaction, on a connection just checked out of the pool;
    when it fails because that connection was dead (PostgreSQL restarted, or ended it, since it
    was last used: SQLAlchemy recognises the disconnect, invalidates the connection and every
    other one the pool held before), end the failed transaction and run it once more, on a new
    connection. Nothing had been executed in that transaction, so nothing can run twice.

    This is SQLAlchemy's "optimistic" way of dealing with disconnects, instead of the
    "pessimistic" `pool_pre_ping`: a `SELECT 1` round trip on every checkout, every request
    paying for the rare restart. A second failure (the server still starting, say) is raised:
    the request gets the French 503 (`plateforme/web.py`)."""
    try:
        return run(*args, **kwargs)
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.warning("pooled database connection found dead on its first statement; "
                    "retried on a new connection", exc_info=True)
        end_transaction()
    return run(*args, **kwargs)


class RoutingSession(Session):
    """A session for one collectivité (or none): it never changes tenant.

    The first statement of each transaction (`execute`, `scalar`, `scalars`: `get`, queries and
    lazy loads go through `execute`) is retried once on a new connection when the pooled one
    was dead (`_retry_on_dead_connection`)."""

    def __init__(self, state: DatabaseState, tenant: TenantInfo | None, **kwargs):
        self.state = state
        self.tenant = tenant
        super().__init__(**kwargs)

    def _starts_transaction(self) -> bool:
        """Whether the next statement is the first of its transaction, on a connection still to
        be checked out: no connection taken by this transaction yet, and nothing waiting to be
        flushed (an autoflush would run first, and a retry would lose it with the rollback).
        Never with a pinned connection (tests): there is no other to retry on."""
        if self.state._pinned is not None:
            return False
        root = self.get_transaction()
        return (root is None or not root._connections) and self._is_clean()

    def execute(self, statement, params=None, **kwargs):
        if self._starts_transaction():
            return _retry_on_dead_connection(super().execute, self.rollback, statement, params,
                                             **kwargs)
        return super().execute(statement, params, **kwargs)

    def scalar(self, statement, params=None, **kwargs):
        if self._starts_transaction():
            return _retry_on_dead_connection(super().scalar, self.rollback, statement, params,
                                             **kwargs)
        return super().scalar(statement, params, **kwargs)

    def scalars(self, statement, params=None, **kwargs):
        if self._starts_transaction():
            return _retry_on_dead_connection(super().scalars, self.rollback, statement, params,
                                             **kwargs)
        return super().scalars(statement, params, **kwargs)

    def get_bind(self, mapper=None, *, clause=None, **kwargs):
        if is_tenant_scoped(mapper, clause):
            if self.tenant is None:
                raise NoTenantBound(
                    "a tenant table was queried from a session with no collectivité bound")
            return self.state.tenant_bind(self.tenant)
        return self.state.shared_bind()

    def close(self) -> None:
        """Close, even when the connection died under the transaction (PostgreSQL restarted,
        the connection cut): the ROLLBACK that closing sends then fails, and there is nothing
        left to roll back — the server ended the transaction with the connection. The
        connection is invalidated instead, and the pool replaces it. Sessions are closed in
        teardowns, after the response is made: an exception there would replace it with the
        server's bare, English 500 page."""
        try:
            if self._only_read():
                # Ended by COMMIT rather than ROLLBACK — the same for a transaction that wrote
                # nothing — because psycopg forgets every prepared statement of the connection
                # on a ROLLBACK: pages would then never reach its prepare threshold, and each
                # query would be planned again on every request. If that fails (the
                # connection lost meanwhile), closing rolls back as it always did.
                try:
                    self.commit()
                except Exception:  # noqa: BLE001 - closing must never raise (see above)
                    log.warning("read-only transaction not committed at close", exc_info=True)
            super().close()
        except sa.exc.DBAPIError:
            log.warning("session closed on a lost database connection", exc_info=True)
            self.invalidate()

    def _only_read(self) -> bool:
        """Whether the open transaction only read: nothing flushed or executed but SELECTs,
        nothing waiting to be flushed, on PostgreSQL (SQLite has no prepared statements)."""
        transaction = self.get_transaction()
        return (self.state.is_postgresql and self.state._pinned is None
                and transaction is not None and transaction.is_active
                and not self.info.get("wrote") and self._is_clean())


@event.listens_for(RoutingSession, "after_flush")
def _flushed(session, _context):
    session.info["wrote"] = True


@event.listens_for(RoutingSession, "do_orm_execute")
def _executed(state):
    if not state.is_select:
        state.session.info["wrote"] = True


@event.listens_for(RoutingSession, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is None:
        session.info.pop("wrote", None)


class _TransactionConnection(Connection):
    """The connection of one `DatabaseState.shared_connection` / `tenant_connection` block: its
    first statement, which begins the transaction, is retried once on a new connection when
    the pooled one was dead (`_retry_on_dead_connection`). Not a statement run after a
    transaction was begun by other means (`begin_nested()` first, say)."""

    _first = True

    def _run(self, run, *args, **kwargs):
        if not self._first:
            return run(*args, **kwargs)
        self._first = False
        if self.in_transaction():
            return run(*args, **kwargs)
        return _retry_on_dead_connection(run, self.rollback, *args, **kwargs)

    def execute(self, statement, parameters=None, **kwargs):
        return self._run(super().execute, statement, parameters, **kwargs)

    def scalar(self, statement, parameters=None, **kwargs):
        return self._run(super().scalar, statement, parameters, **kwargs)

    def scalars(self, statement, parameters=None, **kwargs):
        return self._run(super().scalars, statement, parameters, **kwargs)

    def exec_driver_sql(self, statement, parameters=None, execution_options=None):
        return self._run(super().exec_driver_sql, statement, parameters, execution_options)


def _sqlite_pragmas(engine: Engine) -> None:
    """Real transactions on SQLite (pysqlite's own handling skips BEGIN before DDL), foreign
    keys enforced, and WAL so the demo's threaded server can read while it writes."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


def create_shared_engine(url: str, *, pool_size=5, max_overflow=10, echo=False,
                         poolclass=None) -> Engine:
    parsed = make_url(url)
    kwargs = {"echo": echo}
    if poolclass is not None:
        kwargs["poolclass"] = poolclass
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("SQLite needs a file: the collectivités' files sit beside it")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, **kwargs)
        _sqlite_pragmas(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database: {parsed.get_backend_name()}")
    if poolclass is None:
        # No pool_pre_ping: a connection found dead (PostgreSQL restarted) on the first statement
        # of a transaction is replaced and that statement retried (`_retry_on_dead_connection`).
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    return sa.create_engine(parsed, **kwargs)


def sqlite_file_engine(path: Path, echo=False) -> Engine:
    """An engine on one collectivité's SQLite file; connections are opened per use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool, echo=echo)
    _sqlite_pragmas(engine)
    return engine


class DatabaseState:
    """The engines of one application."""

    def __init__(self, url: str, *, tenant_sqlite_dir: str | None = None, pool_size=5,
                 max_overflow=10, echo=False):
        self.url = url
        self.shared_engine = create_shared_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, echo=echo)
        self.backend = self.shared_engine.dialect.name
        self._echo = echo
        self._pool = {"pool_size": pool_size, "max_overflow": max_overflow}
        self._tenant_engines: dict[str, Engine] = {}
        self._server_engines: dict[str, Engine] = {}
        #: name → URL (password included) of a database server other than "default";
        #: installed by plateforme.servers, which owns their list.
        self.locate_server: Callable[[str], sa.URL] | None = None
        self._lock = threading.Lock()
        self._pinned: Connection | None = None
        if self.backend == "sqlite":
            shared_file = Path(self.shared_engine.url.database)
            self.tenant_dir = Path(tenant_sqlite_dir or shared_file.parent / "tenants")
        else:
            self.tenant_dir = None

    @property
    def is_postgresql(self) -> bool:
        return self.backend == "postgresql"

    # --- where a collectivité's tables are -------------------------------------------------

    def translate_map(self, tenant: TenantInfo) -> dict:
        if self.is_postgresql:
            return {SCHEMA_PLACEHOLDER: quoted_name(tenant.schema, quote=True)}
        return {SCHEMA_PLACEHOLDER: None}

    def tenant_file(self, schema: str) -> Path:
        return self.tenant_dir / f"{tenancy.check_schema_name(schema)}.db"

    def server_engine(self, name: str) -> Engine:
        """The pool of database server `name`, created on first use and kept for the process:
        its URL is read once, so a request on a known server costs no query to find it."""
        if name == "default":
            return self.shared_engine
        engine = self._server_engines.get(name)
        if engine is None:
            if not self.is_postgresql or self.locate_server is None:
                raise RuntimeError(f"unknown database server {name!r}")
            url = self.locate_server(name)
            with self._lock:
                engine = self._server_engines.get(name)
                if engine is None:
                    engine = create_shared_engine(url, echo=self._echo, **self._pool)
                    self._server_engines[name] = engine
        return engine

    def server_url(self, name: str) -> sa.URL:
        """Where server `name` is, password included (for worker processes)."""
        return self.server_engine(name).url

    def tenant_engine(self, tenant: TenantInfo) -> Engine:
        """The engine holding `tenant`'s tables: its server's pool on PostgreSQL, the
        collectivité's own file on SQLite."""
        if self.is_postgresql:
            return self.server_engine(tenant.server)
        engine = self._tenant_engines.get(tenant.schema)
        if engine is None:
            with self._lock:
                engine = self._tenant_engines.get(tenant.schema)
                if engine is None:
                    engine = sqlite_file_engine(self.tenant_file(tenant.schema), self._echo)
                    self._tenant_engines[tenant.schema] = engine
        return engine

    def tenant_bind(self, tenant: TenantInfo):
        if self._pinned is not None:
            return self._pinned
        return self.tenant_engine(tenant)

    def shared_bind(self):
        if self._pinned is not None:
            return self._pinned
        return self.shared_engine

    # --- sessions and connections -----------------------------------------------------------

    def make_session(self, tenant: TenantInfo | None) -> RoutingSession:
        options = {"schema_translate_map": self.translate_map(tenant)} if tenant else {}
        kwargs = {}
        if self._pinned is not None:
            kwargs["join_transaction_mode"] = "create_savepoint"
        return RoutingSession(self, tenant, execution_options=options, **kwargs)

    @contextmanager
    def shared_connection(self):
        """A transaction on the shared database, committed on success (its first statement
        retried once if the pooled connection was dead: `_TransactionConnection`)."""
        if self._pinned is not None:
            with self._pinned.begin_nested():
                yield self._pinned
            return
        with _TransactionConnection(self.shared_engine) as conn:
            yield conn
            conn.commit()  # begun by its first statement (rolled back by closing on an error)

    @contextmanager
    def tenant_connection(self, tenant: TenantInfo):
        """A transaction on `tenant`'s tables (Core and DDL), committed on success (its first
        statement retried as `shared_connection`'s)."""
        translate = self.translate_map(tenant)
        if self._pinned is not None:
            conn = self._pinned
            previous = conn.get_execution_options().get("schema_translate_map")
            conn.execution_options(schema_translate_map=translate)
            try:
                with conn.begin_nested():
                    yield conn
            finally:
                conn.execution_options(schema_translate_map=previous)
            return
        with _TransactionConnection(self.tenant_engine(tenant)) as conn:
            conn.execution_options(schema_translate_map=translate)
            yield conn
            conn.commit()  # begun by its first statement (rolled back by closing on an error)

    # --- tests ------------------------------------------------------------------------------

    def pin(self, connection: Connection | None) -> None:
        """Route every session and connection through `connection` (tests on PostgreSQL: the
        test's work happens in savepoints of one transaction, rolled back at the end)."""
        self._pinned = connection

    def forget_tenant_engine(self, schema: str) -> None:
        engine = self._tenant_engines.pop(schema, None)
        if engine is not None:
            engine.dispose()

    def dispose(self) -> None:
        for engine in (*self._tenant_engines.values(), *self._server_engines.values()):
            engine.dispose()
        self._tenant_engines.clear()
        self._server_engines.clear()
        self.shared_engine.dispose()


@dataclass(frozen=True)
class Attempt:
    """What came of one user action: its value once committed, or the refusal (nothing saved)."""

    value: Any = None
    refused: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None

    @property
    def error(self) -> str | None:
        """The refusal's French sentence, to show as it is."""
        return self.refused.message if self.refused is not None else None


class Database:
    """The Flask extension: `db.session` is the current context's session.

    With a collectivité bound, it is that binding's session; otherwise an application-context
    session that reaches only the shared schema.
    """

    shared_metadata = SharedModel.metadata
    tenant_metadata = TenantModel.metadata

    def init_app(self, app: Flask) -> None:
        state = DatabaseState(
            app.config["DATABASE_URL"],
            tenant_sqlite_dir=app.config.get("TENANT_SQLITE_DIR"),
            pool_size=app.config["DB_POOL_SIZE"],
            max_overflow=app.config["DB_MAX_OVERFLOW"],
            echo=app.config["SQLALCHEMY_ECHO"],
        )
        app.extensions["taxesejour.db"] = state
        app.teardown_appcontext(self._close_shared_session)

    @property
    def state(self) -> DatabaseState:
        return current_app.extensions["taxesejour.db"]

    # Flask-Migrate's env.py reads these.
    @property
    def metadata(self) -> sa.MetaData:
        return self.shared_metadata

    @property
    def engine(self) -> Engine:
        return self.state.shared_engine

    @property
    def session(self) -> Session:
        binding = tenancy.current_binding()
        if binding is not None:
            return binding.session
        session = g.get("_shared_session")
        if session is None:
            session = g._shared_session = self.state.make_session(None)
        return session

    def attempt(self, action, *args, **kwargs) -> Attempt:
        """Run one user action as one transaction: committed when it succeeds (its value is
        returned); rolled back when it refuses (UserError: its French reason is returned) or
        fails. Nothing is ever half-saved. Views change data through this and nothing else."""
        try:
            value = action(*args, **kwargs)
            self.session.commit()
        except UserError as refusal:
            self.session.rollback()
            return Attempt(refused=refusal)
        except BaseException:
            self.session.rollback()
            raise
        return Attempt(value=value)

    @contextmanager
    def tenant_context(self, tenant: TenantInfo):
        """Bind `tenant` for the block: `db.session` serves its data, then is closed."""
        token = tenancy.bind(tenant, self.state)
        try:
            yield
        finally:
            tenancy.unbind(token)

    @staticmethod
    def _close_shared_session(_exc=None):
        session = g.pop("_shared_session", None)
        if session is not None:
            session.close()


db = Database()
