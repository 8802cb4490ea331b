"""Several PostgreSQL servers: where each collectivité's schema lives, and moving it elsewhere.

The registry's `collectivites.server` names the server holding the schema. "default" is the
platform's own database (DATABASE_URL, which also holds the shared schema); the others are rows of
`database_servers`, added by `flask servers add`. Each process opens one pool per server, on first
use (`DatabaseState.server_engine`), and keeps it; the host cache carries the server's name in the
`TenantInfo`, so a request finds its pool with no query.

Passwords are never written in the shared schema: a server's URL is stored without one (a URL
holding one is refused). The password comes from the environment,
`TAXESEJOUR_SERVER_<NAME>_PASSWORD` (the name in capitals), read when the pool is created; without
it, libpq looks for it as for any client (~/.pgpass, PGPASSFILE, PGPASSWORD, or a certificate, or
a trust/peer rule). So a dump of the shared schema, or an operator listing the servers, reveals no
credential.

SQLite (the demo) has no server but its files: servers are refused there.

Moving a collectivité (`move`), what guarantees that nothing written is lost:
1. `moving_to` is set in the registry (its version bumped): every process sees it within
   TENANT_CACHE_CHECK_SECONDS (5 s at most) and answers 503 « maintenance » without touching the
   schema. The move waits that bound, plus a margin, so that new requests have stopped.
2. Every table of the source schema is then locked IN EXCLUSIVE MODE, in the copy's transaction:
   reads go on, writes wait. Acquiring the lock waits for the writes still in flight (a request
   that started before its process saw the bump) to commit, so they are in the copy; a write that
   comes later waits for the lock and, the schema being dropped in that same transaction, fails
   (its request gets an error, nothing is acknowledged then lost). The lock is held until the
   source is dropped: nothing can be written on the old copy once the copy started.
3. On the target, in one transaction: the schema and its tables at head, built before the
   maintenance starts (the move refuses a collectivité behind head: migrate it first), then
   every table copied in dependency order with COPY (streamed, chunk by chunk, never whole in
   memory), sequences set as on the source, then per table the count and an md5 over the
   ordered rows' md5 compared with the source's. Any difference rolls it back: nothing is left
   on the target.
4. The registry switches in one transaction (server set, `moving_to` cleared, version bumped),
   then the source schema is dropped (still under the lock) and its transaction committed.
A failure before the switch rolls back the copy (or drops it, had it been committed), clears
`moving_to`: the collectivité stays where it was, open. One move at a time per collectivité (an
advisory lock); a move interrupted by a crash is finished or undone by running it again.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

from plateforme import migrate, registry
from plateforme.cli import CommandGroup, tenants_group
from plateforme.database import DatabaseState, SharedModel, TenantModel, db
from plateforme.errors import UserError
from plateforme.registry import Collectivite, utcnow
from plateforme.tenancy import SCHEMA_PLACEHOLDER

log = logging.getLogger(__name__)

DEFAULT = "default"
SQLITE_REFUSAL = ("Les serveurs de bases de données demandent PostgreSQL : la démonstration sur "
                  "SQLite n'a que son fichier.")
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: Seconds added to the host cache's bound before the source is locked: a request that started
#: just before its process saw the maintenance flag.
SETTLE_MARGIN = 0.5
#: Key of the advisory locks that keep two moves of one collectivité apart (with its id).
MOVE_LOCK = 0x7A5E
#: Session settings under which both servers print a row the same way (the checksums).
ROW_TEXT_SETTINGS = ("SET LOCAL DateStyle = 'ISO, YMD'", "SET LOCAL TimeZone = 'UTC'",
                     "SET LOCAL IntervalStyle = 'postgres'", "SET LOCAL extra_float_digits = 3",
                     "SET LOCAL bytea_output = 'hex'")


class DatabaseServer(SharedModel):
    """A PostgreSQL server collectivités' schemas may live on (besides "default")."""

    __tablename__ = "database_servers"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    # Without its password (see the module's docstring).
    url: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def password_variable(name: str) -> str:
    return f"TAXESEJOUR_SERVER_{name.upper()}_PASSWORD"


def with_password(name: str, stored: str) -> URL:
    url = make_url(stored)
    password = os.environ.get(password_variable(name))
    return url.set(password=password) if password else url


def _require_postgresql(state: DatabaseState) -> None:
    if not state.is_postgresql:
        raise UserError(SQLITE_REFUSAL)


def get_server(session: Session, name: str) -> DatabaseServer | None:
    return session.get(DatabaseServer, name)


def check_placement(session: Session, name: str) -> str:
    """The server a new collectivité may be placed on: "default", or one that was added."""
    if name == DEFAULT:
        return name
    if session.get_bind().dialect.name != "postgresql":
        raise UserError(SQLITE_REFUSAL)
    if get_server(session, name) is None:
        raise UserError(f"Serveur de bases de données « {name} » inconnu : voyez "
                        "`flask servers list`.")
    return name


def _locate(state: DatabaseState, name: str) -> URL:
    table = DatabaseServer.__table__
    with state.shared_connection() as conn:
        stored = conn.execute(sa.select(table.c.url).where(table.c.name == name)).scalar()
    if stored is None:
        raise UserError(f"Serveur de bases de données « {name} » inconnu.")
    return with_password(name, stored)


def _probe(url: URL) -> str | None:
    """Why `url` cannot be reached (None if it can): a connection of its own, 3 s at most."""
    engine = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return None
    except sa.exc.SQLAlchemyError as exc:
        return " ".join(str(getattr(exc, "orig", exc)).split())[:200]
    finally:
        engine.dispose()


def add_server(state: DatabaseState, session: Session, name: str, url: str) -> DatabaseServer:
    """Record a server, once it answers. Commits."""
    _require_postgresql(state)
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise UserError(f"Nom de serveur « {name} » invalide : une lettre minuscule puis lettres "
                        "minuscules, chiffres ou « _ », 40 caractères au plus.")
    if name == DEFAULT:
        raise UserError("Le serveur « default » est celui de DATABASE_URL : il existe déjà.")
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise UserError(f"URL « {url} » invalide : postgresql://utilisateur@hôte:port/base "
                        "attendue.") from None
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        raise UserError("L'URL doit désigner une base PostgreSQL : "
                        "postgresql://utilisateur@hôte:port/base.")
    if parsed.password is not None:
        raise UserError(f"Pas de mot de passe dans l'URL : il serait écrit en clair dans le "
                        f"registre. Définissez {password_variable(name)} ou ~/.pgpass.")
    if get_server(session, name) is not None:
        raise UserError(f"Le serveur « {name} » existe déjà.")
    parsed = parsed.set(drivername=state.shared_engine.url.drivername)
    stored = parsed.render_as_string(hide_password=False)
    problem = _probe(with_password(name, stored))
    if problem is not None:
        raise UserError(f"Serveur « {name} » injoignable, rien n'est enregistré : {problem}")
    server = DatabaseServer(name=name, url=stored)
    session.add(server)
    session.commit()
    return server


@dataclass(frozen=True)
class ServerStatus:
    name: str
    url: str  # without password
    collectivites: int
    problem: str | None  # why it cannot be reached, None when it answers


def list_servers(state: DatabaseState, session: Session) -> list[ServerStatus]:
    _require_postgresql(state)
    counts = dict(session.execute(
        sa.select(Collectivite.server, sa.func.count()).group_by(Collectivite.server)).all())
    servers = [(DEFAULT, state.shared_engine.url)]
    servers += [(s.name, with_password(s.name, s.url)) for s in
                session.scalars(sa.select(DatabaseServer).order_by(DatabaseServer.name))]
    session.commit()  # hand the registry's connection back while servers are probed
    return [ServerStatus(name, _without_password(url), counts.get(name, 0), _probe(url))
            for name, url in servers]


def _without_password(url: URL) -> str:
    return URL.create(url.drivername, url.username, None, url.host, url.port, url.database,
                      url.query).render_as_string(hide_password=False)


# --- moving a collectivité ------------------------------------------------------------------


class MoveFailed(Exception):
    """The copy is not identical to the source: the move is undone."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


@dataclass
class MoveReport:
    slug: str
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    maintenance_seconds: float = 0.0
    old_copy_dropped: bool = False

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _tables() -> list[sa.Table]:
    """Every table of a collectivité's schema, parents first, and Alembic's version table."""
    return [*TenantModel.metadata.sorted_tables, migrate.version_table(SCHEMA_PLACEHOLDER)]


def _quote(conn: Connection, *names: str) -> str:
    preparer = conn.dialect.identifier_preparer
    return ".".join(preparer.quote_identifier(n) for n in names)


def _prepare(conn: Connection) -> None:
    for statement in ROW_TEXT_SETTINGS:
        conn.exec_driver_sql(statement)


def table_checksum(conn: Connection, schema: str, table: sa.Table) -> TableCheck:
    """Count and md5 over the rows' md5, in primary-key order: equal on both servers only if
    every row is."""
    order = ", ".join(f"t.{_quote(conn, c.name)}" for c in table.primary_key.columns) \
        or "t::text"
    rows, checksum = conn.exec_driver_sql(
        f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY {order}), '')) "  # noqa: S608
        f"FROM {_quote(conn, schema, table.name)} AS t").one()
    return TableCheck(table.name, rows, checksum)


def copy_table(source: Connection, target: Connection, schema: str, table: sa.Table) -> None:
    """Stream one table with COPY, chunk by chunk, from one server's transaction to the
    other's."""
    name = _quote(source, schema, table.name)
    columns = ", ".join(_quote(source, c.name) for c in table.columns)
    with source.connection.driver_connection.cursor() as reader, \
            target.connection.driver_connection.cursor() as writer, \
            reader.copy(f"COPY {name} ({columns}) TO STDOUT (FORMAT binary)") as out, \
            writer.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT binary)") as into:
        for chunk in out:
            into.write(chunk)


def _copy_sequences(source: Connection, target: Connection, schema: str) -> None:
    query = sa.text("SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = :s AND last_value IS NOT NULL")
    for name, value in source.execute(query, {"s": schema}).all():
        target.execute(sa.text("SELECT setval(CAST(:seq AS regclass), :v, true)"),
                       {"seq": _quote(target, schema, name), "v": value})


def _schema_exists(conn: Connection, schema: str) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                        {"s": schema}).first() is not None


def _drop_schema(engine: sa.Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {_quote(conn, schema)} CASCADE")


def _build(target: Connection, schema: str) -> None:
    """The schema and its empty tables at head, in `target`'s open transaction: built before
    the maintenance starts, committed only with the rows."""
    target.exec_driver_sql(f"CREATE SCHEMA {_quote(target, schema)}")
    ddl = target.execution_options(schema_translate_map={SCHEMA_PLACEHOLDER: schema})
    TenantModel.metadata.create_all(ddl, checkfirst=False)
    migrate.version_table(SCHEMA_PLACEHOLDER).create(ddl)


def _copy(source: Connection, target: Connection, schema: str, heads: frozenset) -> list:
    """Copy `source`'s rows into the tables built on `target`, then compare them."""
    tables = _tables()
    version = tables[-1]
    found = frozenset(source.execute(
        sa.select(version.c.version_num),
        execution_options={"schema_translate_map": {SCHEMA_PLACEHOLDER: schema}}).scalars())
    if found != heads:
        raise MoveFailed("le schéma n'est plus à la dernière révision")
    for table in tables:
        copy_table(source, target, schema, table)
    _copy_sequences(source, target, schema)
    checks = []
    for table in tables:
        before, after = table_checksum(source, schema, table), table_checksum(target, schema, table)
        if before != after:
            raise MoveFailed(f"table « {table.name} » : {before.rows} ligne(s) sur la source, "
                             f"{after.rows} sur la copie, empreintes différentes"
                             if before.rows != after.rows else
                             f"table « {table.name} » : empreintes différentes "
                             f"({before.checksum} / {after.checksum})")
        checks.append(before)
    return checks


def move(state: DatabaseState, session: Session, slug: str, to: str, *,
         settle_seconds: float, heads: frozenset, lock_timeout: int = 30,
         progress=None) -> MoveReport:
    """Move `slug`'s schema to server `to` (see the module's docstring)."""
    _require_postgresql(state)
    collectivite = registry.require(session, slug)
    with _one_move_at_a_time(state, collectivite.id, slug):
        session.refresh(collectivite)
        report = MoveReport(slug, collectivite.server, to)
        if _check_move(state, session, collectivite, to, heads):
            # What a move that died between its copy and its switch left there.
            _drop_schema(state.server_engine(to), collectivite.schema_name)
        try:
            _copy_and_switch(state, session, collectivite, report, settle_seconds=settle_seconds,
                             heads=heads, lock_timeout=lock_timeout, progress=progress)
        except (MoveFailed, sa.exc.SQLAlchemyError) as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            raise UserError(f"Déplacement de « {slug} » annulé, elle reste sur le serveur "
                            f"« {report.source} » : {reason}") from exc
    return report


def _check_move(state, session, collectivite: Collectivite, to: str, heads) -> bool:
    """Refuse a move that cannot be done, before any maintenance. True when the target holds a
    copy left by an interrupted move (to drop before copying again)."""
    slug = collectivite.slug
    if to != DEFAULT and get_server(session, to) is None:
        raise UserError(f"Serveur de bases de données « {to} » inconnu : voyez "
                        "`flask servers list`.")
    if collectivite.server == to:
        raise UserError(f"« {slug} » est déjà sur le serveur « {to} ».")
    if collectivite.status not in ("active", "suspended", "archived"):
        raise UserError(f"« {slug} » est {collectivite.status} : déplacement impossible.")
    if collectivite.moving_to not in (None, to):
        raise UserError(f"« {slug} » a un déplacement interrompu vers « "
                        f"{collectivite.moving_to} » : relancez-le avec --to "
                        f"{collectivite.moving_to}.")
    schema = collectivite.schema_name
    with state.tenant_connection(registry.tenant_info(collectivite)) as conn:
        version = migrate.read_version(conn, migrate.target_of(state, schema,
                                                               collectivite.server))
    if version != heads:
        raise UserError(f"« {slug} » n'est pas à la dernière révision : lancez d'abord "
                        f"`flask tenants migrate {slug}`.")
    with state.server_engine(to).connect() as target:
        leftover = _schema_exists(target, schema)
    if leftover and collectivite.moving_to != to:
        raise UserError(f"Le schéma {schema} existe déjà sur le serveur « {to} » : rien n'est "
                        "copié.")
    session.commit()
    return leftover


def _copy_and_switch(state, session, collectivite: Collectivite, report: MoveReport, *,
                     settle_seconds: float, heads, lock_timeout: int, progress) -> None:
    schema, target_engine = collectivite.schema_name, state.server_engine(report.target)
    copied = switched = False
    try:
        with target_engine.connect() as target, \
                state.server_engine(report.source).connect() as source:
            target_transaction = target.begin()
            _prepare(target)
            _build(target, schema)
            collectivite.moving_to = report.target
            session.commit()  # bumps the registry's version: every process answers 503
            started = time.monotonic()
            if progress:
                progress(report)
            time.sleep(settle_seconds)
            source_transaction = source.begin()
            try:
                _prepare(source)
                source.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(lock_timeout)}s'")
                source.exec_driver_sql(
                    "LOCK TABLE " + ", ".join(_quote(source, schema, t.name) for t in _tables())
                    + " IN EXCLUSIVE MODE")
                report.tables = _copy(source, target, schema, heads)
                target_transaction.commit()
                copied = True
                collectivite.server, collectivite.moving_to = report.target, None
                session.commit()  # the switch, atomic; bumps the version
                switched = True
                report.maintenance_seconds = time.monotonic() - started
                source.exec_driver_sql(f"DROP SCHEMA {_quote(source, schema)} CASCADE")
                source_transaction.commit()
                report.old_copy_dropped = True
            except BaseException:
                source_transaction.rollback()
                raise
    except Exception:
        if switched:  # moved: only the old copy is left, which the report tells
            log.exception("ancienne copie de %s non supprimée sur %s", schema, report.source)
            return
        _undo(session, collectivite, target_engine if copied else None)
        raise
    except BaseException:
        if not switched:
            _undo(session, collectivite, target_engine if copied else None)
        raise


def _undo(session: Session, collectivite: Collectivite, target_engine) -> None:
    """Back where it was: the copy dropped (if it had been committed), maintenance cleared."""
    session.rollback()
    if target_engine is not None:
        _drop_schema(target_engine, collectivite.schema_name)
    collectivite.moving_to = None
    session.commit()


@contextmanager
def _one_move_at_a_time(state: DatabaseState, collectivite_id: int, slug: str):
    """A session advisory lock on the shared database, for the move's whole duration."""
    params = {"a": MOVE_LOCK, "b": collectivite_id}
    with state.shared_engine.connect() as conn:
        taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:a, :b)"), params).scalar()
        conn.commit()
        if not taken:
            raise UserError(f"Un déplacement de « {slug} » est déjà en cours.")
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:a, :b)"), params)
            conn.commit()


# --- commands -----------------------------------------------------------------------------


servers_group = CommandGroup(
    "servers", help="Serveurs PostgreSQL où vivent les schémas des collectivités.")


@servers_group.command("add")
@click.argument("name")
@click.argument("url")
def add_command(name, url):
    """Add a server (URL without password: TAXESEJOUR_SERVER_<NAME>_PASSWORD or ~/.pgpass)."""
    server = add_server(db.state, db.session, name, url)
    click.echo(f"Serveur « {server.name} » ajouté : {server.url}")


@servers_group.command("list")
def list_command():
    """List the servers: URL (no password), collectivités, reachable or not."""
    listed = list_servers(db.state, db.session)
    click.echo(f"{'SERVEUR':<20} {'COLLECTIVITÉS':>13}  {'ÉTAT':<12} URL")
    for s in listed:
        state = "joignable" if s.problem is None else "injoignable"
        line = f"{s.name:<20} {s.collectivites:>13}  {state:<12} {s.url}"
        click.echo(line + (f" — {s.problem}" if s.problem else ""))


@tenants_group.command("move")
@click.argument("slug")
@click.option("--to", "to", required=True, help="Serveur de destination (flask servers list).")
def move_command(slug, to):
    """Move a collectivité's schema to another server (503 « maintenance » meanwhile)."""

    def progress(report):
        click.echo(f"« {slug} » en maintenance : copie de « {report.source} » vers "
                   f"« {report.target} »…")

    config = current_app.config
    report = move(db.state, db.session, slug, to,
                  settle_seconds=config["TENANT_CACHE_CHECK_SECONDS"] + SETTLE_MARGIN,
                  heads=migrate.tenant_heads(config["TENANT_MIGRATIONS_DIR"]),
                  progress=progress)
    click.echo(f"{len(report.tables)} tables, {report.rows} lignes copiées ; comptes et "
               "empreintes identiques.")
    click.echo(f"« {slug} » est sur le serveur « {to} » (maintenance : "
               f"{report.maintenance_seconds:.1f} s).")
    if not report.old_copy_dropped:
        click.echo(f"Attention : l'ancienne copie ({report.source}) n'a pas pu être supprimée ; "
                   "supprimez le schéma à la main.", err=True)


def init_app(app) -> None:
    state = app.extensions["taxesejour.db"]
    state.locate_server = functools.partial(_locate, state)
    app.cli.add_command(servers_group)
