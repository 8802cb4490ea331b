"""Migrations across schemas: the shared tree first, then every collectivité's, in parallel.

Why not one long loop like django-tenants' migrate_schemas: it takes minutes with nothing to apply
and one failure stops everyone. Here the current version of every collectivité is read with a
couple of batched queries, collectivités already at head are skipped without opening a migration
context, and only the others are handed to a bounded pool of worker processes (Alembic's `op` and
`context` are process-wide proxies, so threads cannot run migrations side by side). Each
collectivité migrates in its own transaction, on its own database server (versions are read per
server): a failure rolls it back to where it was, is reported with its error, and does not stop
the others.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema, DropSchema
from sqlalchemy.sql.elements import quoted_name

from plateforme import operations, registry
from plateforme.cli import tenants_group
from plateforme.database import TenantModel, create_shared_engine, sqlite_file_engine
from plateforme.errors import UserError
from plateforme.tenancy import SCHEMA_PREFIX, check_schema_name

if TYPE_CHECKING:  # Alembic (~0.3 s, Mako and Pygments with it) is imported when a migration runs
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

VERSION_TABLE = "alembic_version"
BATCH = 500


def migration_metadata() -> sa.MetaData:
    """The tenant models as revisions see them: no schema (the connection says which)."""
    metadata = sa.MetaData(naming_convention=TenantModel.metadata.naming_convention)
    for table in TenantModel.metadata.sorted_tables:
        table.to_metadata(metadata, schema=None)
    return metadata


def prepare_tenant_connection(connection, schema: str | None, lock_timeout=None) -> None:
    """Inside the migration's transaction: the collectivité's schema alone on the search path."""
    if connection.dialect.name != "postgresql":
        return
    quoted = connection.dialect.identifier_preparer.quote_identifier(check_schema_name(schema))
    connection.exec_driver_sql(f"SET LOCAL search_path TO {quoted}")
    if lock_timeout:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(lock_timeout) * 1000}")


def alembic_config(directory: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(Path(directory) / "alembic.ini"))
    cfg.set_main_option("script_location", str(directory))
    return cfg


def tenant_heads(directory: str) -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config(directory)).get_heads())


# --- one collectivité ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a collectivité's tables are, in terms a worker process can rebuild on its own."""

    url: str
    schema: str
    tenant_dir: str | None = None  # SQLite only
    server: str = "default"  # which database server (PostgreSQL: plateforme/servers.py)

    @property
    def is_sqlite(self) -> bool:
        return self.tenant_dir is not None


_worker_engines: dict = {}
_worker_scripts: dict = {}


def _engine(target: Target) -> sa.Engine:
    key = (target.url, target.schema if target.is_sqlite else None)
    engine = _worker_engines.get(key)
    if engine is None:
        if target.is_sqlite:
            engine = sqlite_file_engine(Path(target.tenant_dir) / f"{target.schema}.db")
        else:
            engine = create_shared_engine(target.url, poolclass=NullPool)
        _worker_engines[key] = engine
    return engine


def _script(directory: str) -> tuple[AlembicConfig, ScriptDirectory]:
    """The tree, parsed once per process for as long as its revision files do not change."""
    from alembic.script import ScriptDirectory

    signature = tuple(sorted((p.name, p.stat().st_mtime_ns)
                             for p in Path(directory, "versions").glob("*.py")))
    cached = _worker_scripts.get(directory)
    if cached is None or cached[2] != signature:
        cfg = alembic_config(directory)
        cached = _worker_scripts[directory] = (cfg, ScriptDirectory.from_config(cfg), signature)
    return cached[0], cached[1]


def read_version(connection, target: Target) -> frozenset[str] | None:
    """The versions recorded in the collectivité's own table, or None if it has none."""
    schema = None if target.is_sqlite else target.schema
    if not sa.inspect(connection).has_table(VERSION_TABLE, schema=schema):
        return None
    table = sa.table(VERSION_TABLE, sa.column("version_num"), schema=schema)
    return frozenset(connection.execute(sa.select(table.c.version_num)).scalars())


def upgrade_tenant(target: Target, directory: str, revision="head",
                   lock_timeout: int | None = None) -> tuple[str, tuple, tuple, str | None]:
    """Bring one collectivité to `revision` in one transaction.

    Returns (status, before, after, error) and never raises: a worker reports, it does not die.
    """
    before: tuple = ()
    try:
        from alembic.runtime.environment import EnvironmentContext

        cfg, script = _script(directory)
        with _engine(target).connect() as connection, connection.begin():
            current = read_version(connection, target)
            if current is None:
                return "skipped", (), (), "pas de table de version : collectivité non provisionnée"
            before = tuple(sorted(current))
            cfg.attributes.update(connection=connection, schema=target.schema,
                                  lock_timeout=lock_timeout)

            def upgrade(rev, _context):
                return script._upgrade_revs(revision, rev)

            with EnvironmentContext(cfg, script, fn=upgrade, destination_rev=revision):
                script.run_env()
            after = tuple(sorted(read_version(connection, target) or ()))
        return ("upgraded" if after != before else "at-head"), before, after, None
    except Exception as exc:  # noqa: BLE001 - reported per collectivité, others go on
        message = " ".join(str(exc).split()) or type(exc).__name__
        return "failed", before, before, f"{type(exc).__name__}: {message[:500]}"
    finally:
        if directory in _worker_scripts:
            _worker_scripts[directory][0].attributes.clear()


def _upgrade_in_worker(args):
    return upgrade_tenant(*args)


# --- every collectivité -------------------------------------------------------------------


@dataclass
class Outcome:
    slug: str
    schema: str
    status: str  # at-head | upgraded | failed | skipped
    before: tuple = ()
    after: tuple = ()
    error: str | None = None


@dataclass
class Report:
    shared: str = ""
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0


def target_of(state, schema: str, server: str = "default") -> Target:
    return Target(state.server_url(server).render_as_string(hide_password=False), schema,
                  str(state.tenant_dir) if state.tenant_dir else None, server)


def targets_for(state, collectivites) -> list[tuple[registry.Collectivite, Target]]:
    return [(c, target_of(state, c.schema_name, c.server)) for c in collectivites]


def current_versions(state, targets: list[Target]) -> dict[str, frozenset[str] | None]:
    """Every collectivité's version: a few batched queries per PostgreSQL server, one file at a
    time on SQLite (opening a file costs microseconds)."""
    versions: dict[str, frozenset[str] | None] = {t.schema: None for t in targets}
    if state.is_postgresql:
        for server in sorted({t.server for t in targets}):
            _server_versions(state.server_engine(server),
                             [t.schema for t in targets if t.server == server], versions)
        return versions
    for target in targets:
        path = Path(target.tenant_dir) / f"{target.schema}.db"
        if not path.exists():
            continue
        engine = sqlite_file_engine(path)
        try:
            with engine.connect() as conn:
                versions[target.schema] = read_version(conn, target)
        finally:
            engine.dispose()
    return versions


def _server_versions(engine, schemas: list[str], versions: dict) -> None:
    """Which schemas of `schemas` have a version table on this server, then their versions."""
    with engine.connect() as conn:
        present = set()
        for i in range(0, len(schemas), BATCH):
            chunk = schemas[i:i + BATCH]
            present.update(conn.execute(
                sa.text("SELECT table_schema FROM information_schema.tables "
                        "WHERE table_name = :t AND table_schema = ANY(:s)"),
                {"t": VERSION_TABLE, "s": chunk}).scalars())
        found: dict[str, set] = {}
        ordered = [s for s in schemas if s in present]
        for i in range(0, len(ordered), BATCH):
            selects = [
                sa.select(sa.literal(s).label("schema"), sa.column("version_num"))
                .select_from(sa.table(VERSION_TABLE, sa.column("version_num"),
                                      schema=quoted_name(s, quote=True)))
                for s in ordered[i:i + BATCH]]
            for row in conn.execute(sa.union_all(*selects)):
                found.setdefault(row.schema, set()).add(row.version_num)
        for s in ordered:
            versions[s] = frozenset(found.get(s, ()))


def upgrade_shared(state, directory: str) -> str:
    from alembic import command

    cfg = alembic_config(directory)
    with state.shared_engine.connect() as connection:
        cfg.attributes["connection"] = connection
        before = _shared_version(connection)
        command.upgrade(cfg, "head")
        connection.commit()
        after = _shared_version(connection)
    return "at-head" if before == after else "upgraded"


def _shared_version(connection) -> tuple:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return ()
    return tuple(sorted(connection.execute(
        sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()))  # noqa: S608


#: Collectivités `flask tenants migrate` leaves alone: no schema to serve (any more).
SKIPPED_STATUSES = {"archived": "archivée", "deleted": "supprimée"}


def migrate(state, session, *, shared_dir: str, tenant_dir: str, slugs=None, workers: int = 4,
            lock_timeout: int | None = None, progress=None) -> Report:
    report = Report(shared=upgrade_shared(state, shared_dir))
    session.expire_all()
    collectivites = registry.all_collectivites(session, slugs)
    if slugs:
        unknown = sorted(set(slugs) - {c.slug for c in collectivites})
        if unknown:
            raise UserError(f"Collectivité inconnue : {', '.join(unknown)}.")
    pairs = targets_for(state, [c for c in collectivites
                                if c.status not in SKIPPED_STATUSES and c.moving_to is None])
    for c in collectivites:
        if c.status in SKIPPED_STATUSES:
            report.outcomes.append(Outcome(c.slug, c.schema_name, "skipped",
                                           error=SKIPPED_STATUSES[c.status]))
        elif c.moving_to is not None:  # its copy holds the version it had: migrate it after
            report.outcomes.append(Outcome(c.slug, c.schema_name, "skipped",
                                           error=f"en cours de déplacement vers {c.moving_to}"))
    heads = tenant_heads(tenant_dir)
    versions = current_versions(state, [t for _, t in pairs])
    pending = []
    for c, target in pairs:
        version = versions[target.schema]
        if version is None:
            report.outcomes.append(Outcome(c.slug, c.schema_name, "skipped",
                                           error="non provisionnée"))
        elif version == heads:
            report.outcomes.append(Outcome(c.slug, c.schema_name, "at-head",
                                           tuple(sorted(version)), tuple(sorted(version))))
        else:
            pending.append((c.slug, target))
    jobs = [(target, tenant_dir, "head", lock_timeout) for _, target in pending]
    if len(jobs) <= 1 or workers <= 1:
        results = map(_upgrade_in_worker, jobs)
        report.outcomes.extend(_collect(pending, results, progress))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                                 max_tasks_per_child=500) as pool:
            results = pool.map(_upgrade_in_worker, jobs, chunksize=max(1, len(jobs) // 64))
            report.outcomes.extend(_collect(pending, results, progress))
    report.outcomes.sort(key=lambda o: o.slug)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            operations.record_failure(state, "migration", outcome.slug, outcome.error or "")
    return report


def _collect(pending, results, progress):
    for (slug, target), (status, before, after, error) in zip(pending, results, strict=True):
        outcome = Outcome(slug, target.schema, status, before, after, error)
        if progress:
            progress(outcome)
        yield outcome


# --- by hand: flask db ... -d migrations/tenant -x tenant=SLUG ----------------------------


@contextmanager
def connect_for_cli(slug: str | None):
    if not slug:
        raise SystemExit(
            "Précisez la collectivité : -x tenant=SLUG (ou utilisez `flask tenants migrate` "
            "et `flask tenants revision`).")
    state = current_app.extensions["taxesejour.db"]
    with state.shared_engine.connect() as conn:
        row = conn.execute(sa.select(registry.Collectivite.schema_name,
                                     registry.Collectivite.server)
                           .where(registry.Collectivite.slug == slug)).first()
    if row is None:
        raise SystemExit(f"Aucune collectivité « {slug} ».")
    target = target_of(state, row.schema_name, row.server)
    with _private_connection(target) as conn:
        yield conn, target.schema


@contextmanager
def _private_connection(target: Target):
    """A connection on an engine of its own, whose dialect believes the collectivité's schema is
    the default one, so that autogenerate reflects that schema and no other."""
    if target.is_sqlite:
        engine = sqlite_file_engine(Path(target.tenant_dir) / f"{target.schema}.db")
    else:
        engine = create_shared_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not target.is_sqlite:
                conn.dialect.default_schema_name = target.schema
            yield conn
            conn.commit()
    finally:
        engine.dispose()


@contextmanager
def scratch_target(state):
    """An empty collectivité-shaped target, outside the registry, removed afterwards."""
    name = check_schema_name(f"{SCHEMA_PREFIX}_scratch_{secrets.token_hex(6)}")
    url = state.shared_engine.url.render_as_string(hide_password=False)
    if state.is_postgresql:
        with state.shared_engine.begin() as conn:
            conn.execute(CreateSchema(quoted_name(name, quote=True)))
        try:
            yield Target(url, name)
        finally:
            with state.shared_engine.begin() as conn:
                conn.execute(DropSchema(quoted_name(name, quote=True), cascade=True))
        return
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_file_engine(Path(tmp) / f"{name}.db").dispose()
        yield Target(url, name, tmp)


def version_table(schema: str | None) -> sa.Table:
    """Alembic's version table, as Alembic defines it, in `schema`."""
    return sa.Table(VERSION_TABLE, sa.MetaData(),
                    sa.Column("version_num", sa.String(32), nullable=False),
                    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
                    schema=schema)


def _stamp_base(target: Target) -> None:
    """An empty target has no version table; create it empty so that upgrade starts from base."""
    with _engine(target).connect() as conn, conn.begin():
        schema = None if target.is_sqlite else quoted_name(target.schema, quote=True)
        version_table(schema).create(conn, checkfirst=True)


def autogenerate_revision(state, directory: str, message: str, autogenerate: bool) -> list:
    """Write a new tenant revision, comparing the models with an empty target brought to head."""
    from alembic import command

    cfg = alembic_config(directory)
    if not autogenerate:
        return [command.revision(cfg, message=message)]
    with scratch_target(state) as target:
        _stamp_base(target)
        status, _before, _after, error = upgrade_tenant(target, directory)
        if status == "failed":
            raise UserError(f"Les révisions existantes ne s'appliquent pas : {error}")
        _worker_engines.pop((target.url, target.schema if target.is_sqlite else None),
                            None)
        with _private_connection(target) as conn, conn.begin():
            prepare_tenant_connection(conn, target.schema)
            cfg.attributes.update(connection=conn, schema=target.schema)
            scripts = command.revision(cfg, message=message, autogenerate=True)
    return scripts if isinstance(scripts, list) else [scripts]


# --- Flask-Migrate's `flask db`, on the shared tree ----------------------------------------

#: Flask-Migrate's options for the shared tree (its `Migrate(compare_type=..., ...)`).
FLASK_MIGRATE_OPTIONS = {"compare_type": True, "render_as_batch": True}


class _FlaskMigrateState:
    """What Flask-Migrate keeps in `app.extensions["migrate"]` (its `_MigrateConfig`: the same
    attributes), its `Migrate` made when a `flask db` command first asks for it: importing
    flask_migrate imports Alembic, which no web worker and no other command needs."""

    def __init__(self, db, directory: str):
        self.db = db
        self.directory = str(directory)
        self.configure_args = dict(FLASK_MIGRATE_OPTIONS)

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class _FlaskMigrateGroup(click.Group):
    """Flask-Migrate's `db` group, loaded when it is used (its options, callback and commands
    are the library's own): `flask --help` lists it from its name and help alone."""

    def __init__(self):
        super().__init__("db", help="Perform database migrations.")
        self._real = None

    def _load(self) -> click.Group:
        if self._real is None:
            from flask_migrate.cli import db as real

            self._real = real
            self.params = list(real.params)
            self.callback = real.callback
            self.help = real.help
        return self._real

    def get_params(self, ctx):
        self._load()
        return super().get_params(ctx)

    def list_commands(self, ctx):
        return self._load().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._load().get_command(ctx, name)


def init_app(app, db) -> None:
    """Flask-Migrate on the shared tree, as `Migrate(...).init_app(app, db, directory)` would
    set it up, without importing it (nor Alembic) before a `flask db` command runs."""
    app.extensions["migrate"] = _FlaskMigrateState(db, app.config["SHARED_MIGRATIONS_DIR"])
    app.cli.add_command(_FlaskMigrateGroup(), name="db")


# --- commands -----------------------------------------------------------------------------


STATUS_LABELS = {"at-head": "à jour", "upgraded": "migrée", "failed": "ÉCHEC",
                 "skipped": "ignorée"}


@tenants_group.command("migrate")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processus en parallèle (par défaut MIGRATION_WORKERS).")
@click.argument("slugs", nargs=-1)
def migrate_command(workers, slugs):
    """Upgrade the shared schema, then every collectivité (or those named) to head."""
    from plateforme.database import db

    config = current_app.config
    report = migrate(
        db.state, db.session, shared_dir=config["SHARED_MIGRATIONS_DIR"],
        tenant_dir=config["TENANT_MIGRATIONS_DIR"], slugs=slugs or None,
        workers=workers or config["MIGRATION_WORKERS"],
        lock_timeout=config.get("MIGRATION_LOCK_TIMEOUT", 30))
    click.echo(f"schéma partagé : {report.shared}")
    for o in report.outcomes:
        versions = ",".join(o.after) or "-"
        line = f"{o.slug:<40} {o.status:<9} {versions}"
        if o.status == "upgraded":
            line += f" (depuis {','.join(o.before) or 'base'})"
        if o.error:
            line += f" — {o.error}"
        click.echo(line)
    click.echo(
        f"{len(report.outcomes)} collectivité(s) : {report.count('at-head')} à jour, "
        f"{report.count('upgraded')} migrée(s), {report.count('failed')} en échec, "
        f"{report.count('skipped')} ignorée(s).")
    if report.failed:
        raise SystemExit(1)


@tenants_group.command("revision")
@click.option("-m", "--message", required=True, help="Ce que fait la révision.")
@click.option("--autogenerate", is_flag=True,
              help="Comparer les modèles à une cible vide amenée à la dernière révision.")
def revision_command(message, autogenerate):
    """Write a new revision of the collectivités' tree (migrations/tenant)."""
    from plateforme.database import db

    scripts = autogenerate_revision(db.state, current_app.config["TENANT_MIGRATIONS_DIR"],
                                    message, autogenerate)
    for script in scripts:
        click.echo(f"révision écrite : {os.path.relpath(script.path)}")
