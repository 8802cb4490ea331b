"""Onboarding a collectivité, and its life afterwards (suspension, domains).

Provisioning is one command, idempotent and retryable. First the registry row is committed in
`provisioning` with its domain (its host answers 503 meanwhile); then the collectivité's schema,
tables, version stamp and default content are written in one transaction (DDL is transactional on
PostgreSQL, and on SQLite with the BEGIN the engine emits); only then is it `active`. A failure at
any point leaves it in `provisioning`, and running the command again finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateSchema
from sqlalchemy.sql.elements import quoted_name

from plateforme import operations, registry, servers
from plateforme.cli import domains_group, tenants_group
from plateforme.communes import (
    Commune,
    commune,
    covered,
    set_covered,
    territory_for_insee,
    territory_for_siren,
)
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.migrate import (
    read_version,
    target_of,
    tenant_heads,
    upgrade_tenant,
    version_table,
)
from plateforme.registry import Collectivite, Domain, tenant_info
from plateforme.tenancy import SCHEMA_PLACEHOLDER, TenantInfo, schema_name_for


@dataclass(frozen=True)
class TenantSchema:
    """What a collectivité's schema is made of, handed over by the tenants' package when the
    application is built (so that the platform never names a tenant feature): the metadata
    `create_all` builds, and the seeder that writes a new collectivité's defaults."""

    metadata: sa.MetaData
    seed: Callable[..., None]


SCHEMA_KEY = "taxesejour.tenant_schema"


def use_tenant_schema(app, metadata: sa.MetaData, seed: Callable[..., None]) -> None:
    app.extensions[SCHEMA_KEY] = TenantSchema(metadata, seed)


def _tenant_schema() -> TenantSchema:
    return current_app.extensions[SCHEMA_KEY]


def register(session: Session, platform: Platform, *, slug: str, name: str | None = None,
             kind: str | None = None, siren=None, insee=None,
             communes: Iterable[Commune] | None = None,
             server: str = servers.DEFAULT) -> Collectivite:
    """Add the registry row in `provisioning`, with its default domain and the communes it
    covers; or return the row a previous, interrupted run left. Commits. A SIREN (an EPCI's or
    a mairie's) or an INSEE code the official divisions know fills in what is not given: the
    name, the kind and the communes."""
    slug = registry.validate_slug(slug)
    siren = registry.validate_siren(siren)
    insee = registry.validate_insee(insee)
    server = servers.check_placement(session, server)
    territory = (siren and territory_for_siren(siren)) or (insee and territory_for_insee(insee))
    if not name and territory:
        name = territory.name
    elif not name and (siren or insee):
        raise UserError(f"{'SIREN' if siren else 'Code INSEE'} {siren or insee} absent du "
                        "découpage administratif : indiquez le nom de la collectivité.")
    name = registry.validate_name(name)
    kind = registry.validate_kind(kind or (territory.kind if territory else "commune"))
    if communes is None:
        communes = territory.communes if territory else ()
    existing = registry.get_by_slug(session, slug)
    if existing is not None:
        if existing.name != name:
            raise UserError(
                f"L'identifiant « {slug} » est déjà pris par « {existing.name} ».")
        return existing
    host = registry.normalise_domain(f"{slug}.{platform.domain}")
    if session.scalar(sa.select(Domain.id).where(Domain.host == host)) is not None:
        raise UserError(f"Le domaine {host} est déjà attribué.")
    collectivite = Collectivite(slug=slug, name=name, kind=kind, siren=siren,
                                insee=insee or (territory.insee if territory else None),
                                status="provisioning", schema_name=schema_name_for(slug),
                                server=server)
    collectivite.domains.append(Domain(host=host, is_primary=True))
    session.add(collectivite)
    try:
        set_covered(session, collectivite, communes)
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        raise UserError(f"La collectivité « {slug} » existe déjà ou son schéma est pris.") from None
    except UserError:
        session.rollback()
        raise
    return collectivite


def build_schema(state, tenant: TenantInfo, platform: Platform) -> None:
    """Create the schema at head with its defaults, in one transaction; safe to run again."""
    heads = tenant_heads(platform.tenant_migrations)
    target = target_of(state, tenant.schema, tenant.server)
    # The version table sits in the collectivité's schema: the placeholder, translated.
    stamp = version_table(SCHEMA_PLACEHOLDER)
    with state.tenant_connection(tenant) as conn:
        if state.is_postgresql:
            conn.execute(CreateSchema(quoted_name(tenant.schema, quote=True), if_not_exists=True))
        version = read_version(conn, target)
        if version is None:
            _tenant_schema().metadata.create_all(conn)
            stamp.create(conn)
            conn.execute(sa.insert(stamp), [{"version_num": h} for h in sorted(heads)])
            version = heads
        if version == heads:
            _seed(conn, tenant, platform)
            return
    # Left at an older revision by a run interrupted across a deploy: migrate, then seed.
    status, _before, _after, error = upgrade_tenant(target, platform.tenant_migrations)
    if status == "failed":
        raise UserError(f"La mise à niveau du schéma de « {tenant.slug} » a échoué : {error}")
    with state.tenant_connection(tenant) as conn:
        _seed(conn, tenant, platform)


def _seed(conn, tenant: TenantInfo, platform: Platform) -> None:
    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
        _tenant_schema().seed(session, name=tenant.name,
                              address=platform.url(tenant.primary_host),
                              platform=platform.domain, operator=platform.operator)
        session.commit()


def provision(state, session: Session, platform: Platform, collectivite: Collectivite) -> bool:
    """Finish a collectivité left in `provisioning`; True if there was anything to do."""
    if collectivite.status != "provisioning":
        return False
    tenant = tenant_info(collectivite)
    # Hand the registry's connection back first: the schema is built on a connection of its
    # own, and a small pool must not be held twice by one command.
    session.commit()
    try:
        build_schema(state, tenant, platform)
    except Exception as exc:
        operations.record_failure(state, "provisioning", tenant.slug, operations.one_line(exc))
        raise
    collectivite.status = "active"
    session.commit()
    return True


def create(state, session: Session, platform: Platform, **fields) -> tuple[Collectivite, bool]:
    """Register and provision; running it again on the same slug and name finishes the job."""
    collectivite = register(session, platform, **fields)
    return collectivite, provision(state, session, platform, collectivite)


def set_status(session: Session, slug: str, status: str) -> Collectivite:
    collectivite = registry.require(session, slug)
    allowed = {"suspended": {"active", "suspended"}, "active": {"suspended", "active"},
               "archived": {"active", "suspended", "archived"}}
    if collectivite.status not in allowed[status]:
        if collectivite.status == "provisioning":
            raise UserError(f"« {slug} » n'est pas encore provisionnée : relancez "
                            f"`flask tenants create {slug} --name …`.")
        # A deleted collectivité's data is gone: nothing brings it back (import its archive).
        raise UserError(f"« {slug} » est {collectivite.status_label} : action impossible.")
    collectivite.status = status
    session.commit()
    return collectivite


def add_domain(session: Session, platform: Platform, slug: str, host: str,
               primary: bool = False) -> Domain:
    collectivite = registry.require(session, slug)
    host = registry.normalise_domain(host)
    apex = registry.normalise_domain(platform.domain)
    if host in (apex, f"www.{apex}") or host.endswith(f".{apex}"):
        raise UserError(
            f"{host} appartient au domaine de la plateforme : seul {slug}.{apex} est attribué "
            "automatiquement.")
    owner = session.scalar(sa.select(Domain).where(Domain.host == host))
    if owner is not None:
        who = "cette collectivité" if owner.collectivite_id == collectivite.id else \
            f"« {owner.collectivite.slug} »"
        raise UserError(f"Le domaine {host} est déjà attribué à {who}.")
    domain = Domain(host=host, is_primary=False)
    collectivite.domains.append(domain)
    if primary:
        for other in collectivite.domains:
            other.is_primary = False
        session.flush()
        domain.is_primary = True
    session.commit()
    return domain


# --- commands -----------------------------------------------------------------------------


def _platform() -> Platform:
    return Platform.from_config(current_app.config)


@tenants_group.command("create")
@click.argument("slug")
@click.option("--name", default=None,
              help="Nom de la collectivité, tel que les hébergeurs le lisent (par défaut celui "
                   "du découpage administratif, d'après --siren ou --insee).")
@click.option("--kind", default=None, type=click.Choice(list(registry.KINDS)),
              help="Type de collectivité (par défaut d'après --siren ou --insee, sinon commune).")
@click.option("--siren", default=None, help="Numéro SIREN (9 chiffres).")
@click.option("--insee", default=None, help="Code INSEE (communes).")
@click.option("--commune", "commune_codes", multiple=True, metavar="INSEE",
              help="Code INSEE d'une commune couverte (répétable) : ces communes remplacent "
                   "celles que donnent --siren ou --insee.")
@click.option("--server", default=servers.DEFAULT, show_default=True,
              help="Serveur PostgreSQL où placer son schéma (flask servers list).")
def create_command(slug, name, kind, siren, insee, commune_codes, server):
    """Create a collectivité: registry row, schema, defaults. Run again to finish a failed run.
    The shared schema is brought to head first: an operator's first command on a new database
    works (a no-op, one version read, once it is at head)."""
    from plateforme import migrate

    if migrate.upgrade_shared(db.state, current_app.config["SHARED_MIGRATIONS_DIR"]) \
            == "upgraded":
        click.echo("Schéma partagé (registre des collectivités) mis à jour.")
    platform = _platform()
    collectivite, done = create(db.state, db.session, platform, slug=slug, name=name, kind=kind,
                                siren=siren, insee=insee,
                                communes=_communes(commune_codes) if commune_codes else None,
                                server=server)
    url = platform.url(collectivite.primary_domain.host)
    if done:
        click.echo(f"Collectivité « {collectivite.name} » créée : {url}")
    else:
        click.echo(f"Collectivité « {collectivite.name} » déjà provisionnée "
                   f"({collectivite.status}) : {url}")
    names = [c.name for c in covered(db.session, collectivite)]
    shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    click.echo(f"Communes couvertes ({len(names)}) : {shown or 'aucune'}.")


def _communes(codes) -> list[Commune]:
    """The --commune codes, each found in the official divisions (name, postal codes)."""
    found = {code: commune(registry.validate_insee(code)) for code in codes}
    if unknown := [code for code, c in found.items() if c is None]:
        raise UserError(f"Absente(s) du découpage administratif : {', '.join(unknown)}.")
    return list(found.values())


@tenants_group.command("list")
def list_command():
    """List the collectivités with their status, server and primary domain."""
    rows = registry.all_collectivites(db.session)
    if not rows:
        click.echo("Aucune collectivité.")
        return
    click.echo(f"{'IDENTIFIANT':<28} {'STATUT':<13} {'SCHÉMA':<36} {'SERVEUR':<12} "
               f"{'DOMAINE':<40} NOM")
    for c in rows:
        primary = c.primary_domain.host if c.primary_domain else "-"
        click.echo(f"{c.slug:<28} {c.status:<13} {c.schema_name:<36} {c.server:<12} "
                   f"{primary:<40} {c.name}")


@tenants_group.command("suspend")
@click.argument("slug")
def suspend_command(slug):
    """Suspend a collectivité: its hosts get a 503 page within seconds, in every process."""
    set_status(db.session, slug, "suspended")
    click.echo(f"« {slug} » suspendue.")


@tenants_group.command("resume")
@click.argument("slug")
def resume_command(slug):
    """Reopen a suspended collectivité."""
    set_status(db.session, slug, "active")
    click.echo(f"« {slug} » réactivée.")


@domains_group.command("add")
@click.argument("slug")
@click.argument("host")
@click.option("--primary", is_flag=True,
              help="En faire le domaine principal (liens des courriels et des courriers).")
def domains_add_command(slug, host, primary):
    """Attach a custom domain to a collectivité (matched exactly)."""
    domain = add_domain(db.session, _platform(), slug, host, primary)
    click.echo(f"Domaine {domain.host} ajouté à « {slug} »"
               + (" (principal)." if domain.is_primary else "."))


@domains_group.command("list")
@click.argument("slug")
def domains_list_command(slug):
    """List a collectivité's domains."""
    for d in registry.require(db.session, slug).domains:
        click.echo(f"{d.host}{'  (principal)' if d.is_primary else ''}")
