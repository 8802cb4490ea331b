"""The registry of collectivités and their domains, in the shared schema.

Every change to it bumps `registry_state.version` in the same transaction: that single number is
what each process's host cache polls to learn that a suspension or a new domain happened
elsewhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import idna
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from plateforme.database import SharedModel
from plateforme.errors import UserError
from plateforme.hostnames import InvalidHost, normalise_host
from plateforme.tenancy import TenantInfo

STATUSES = ("provisioning", "active", "suspended", "archived", "deleted")

#: How each status reads in French (a deleted collectivité keeps its registry row, data gone).
STATUS_LABELS = {"provisioning": "en cours de création", "active": "active",
                 "suspended": "suspendue", "archived": "archivée", "deleted": "supprimée"}

KINDS = {
    "commune": "Commune",
    "communaute_de_communes": "Communauté de communes",
    "communaute_d_agglomeration": "Communauté d'agglomération",
    "communaute_urbaine": "Communauté urbaine",
    "metropole": "Métropole",
    "autre": "Autre groupement",
}

#: Subdomains that belong to the platform itself, never to a collectivité.
RESERVED_SLUGS = frozenset({
    "www", "admin", "administration", "api", "app", "operateurs", "operateur", "plateforme",
    "static", "assets", "media", "cdn", "mail", "smtp", "imap", "pop", "mx", "webmail", "ftp",
    "ns", "ns1", "ns2", "dns", "status", "statut", "aide", "support", "docs", "blog", "demo-api",
    "test", "staging", "preprod", "dev", "localhost", "tenant", "public", "root", "postgres",
    "autoconfig", "autodiscover", "calculette", "compte", "connexion", "login", "auth", "sso",
})

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
SIREN_RE = re.compile(r"\d{9}")
INSEE_RE = re.compile(r"(?:\d{5}|2[AB]\d{3})")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Collectivite(SharedModel):
    __tablename__ = "collectivites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40), default="commune")
    siren: Mapped[str | None] = mapped_column(sa.String(9))
    insee: Mapped[str | None] = mapped_column(sa.String(5))
    status: Mapped[str] = mapped_column(sa.String(20), default="provisioning")
    schema_name: Mapped[str] = mapped_column(sa.String(63), unique=True)
    # Which database server holds the schema; "default" until collectivités are spread over
    # several PostgreSQL servers.
    server: Mapped[str] = mapped_column(sa.String(40), default="default")
    # The server a move is copying the schema to (plateforme/servers.py): its pages answer 503
    # « maintenance » meanwhile. A column of its own, not a status: a move keeps the status.
    moving_to: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When its data was deleted (`flask tenants delete`): the row stays, as the processor's
    # record of what it held and when it stopped holding it.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    # The value of `registry_state.content_version` when its content (settings, news, legal
    # texts, tariffs...) last changed: what each process's content cache compares against
    # (plateforme/content.py).
    content_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    domains: Mapped[list[Domain]] = relationship(
        back_populates="collectivite", cascade="all, delete-orphan", order_by="Domain.id")

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted')",
            name="status"),
    )

    @property
    def primary_domain(self) -> Domain | None:
        return next((d for d in self.domains if d.is_primary), None)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


class Domain(SharedModel):
    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(
        sa.ForeignKey("collectivites.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(sa.String(253), unique=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    collectivite: Mapped[Collectivite] = relationship(back_populates="domains")

    __table_args__ = (
        # At most one primary domain per collectivité.
        sa.Index("uq_domains_primary", "collectivite_id", unique=True,
                 postgresql_where=sa.text("is_primary"), sqlite_where=sa.text("is_primary")),
    )


class RegistryState(SharedModel):
    """One row: a counter bumped by every change to the registry, and one bumped by every
    change to any collectivité's content (plateforme/content.py)."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    content_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


REGISTRY_MODELS = (Collectivite, Domain)


@event.listens_for(Session, "before_flush")
def _bump_registry_version(session, _flush_context, _instances):
    """Any flush that changes the registry tells every process's host cache to refresh."""
    touched = any(isinstance(obj, REGISTRY_MODELS)
                  for obj in (*session.new, *session.dirty, *session.deleted))
    if touched:
        bump_version(session)
        session.info["registry_changed"] = True


#: Called after a commit that changed the registry (the host resolver drops its cache): a list
#: that `plateforme.sites` fills, so that the registry knows nothing of who caches it.
on_change: list = []


@event.listens_for(Session, "after_commit")
def _invalidate_local_cache(session):
    if session.info.pop("registry_changed", False):
        for listener in on_change:
            listener()


@event.listens_for(Session, "after_rollback")
def _forget_registry_change(session):
    session.info.pop("registry_changed", None)


def bump_version(session_or_conn) -> None:
    table = RegistryState.__table__
    result = session_or_conn.execute(
        sa.update(table).where(table.c.id == 1).values(version=table.c.version + 1))
    if result.rowcount == 0:
        session_or_conn.execute(sa.insert(table).values(id=1, version=1))


def read_versions(conn) -> tuple[int, int]:
    """The registry's and the content's counters, in one single-row query."""
    table = RegistryState.__table__
    row = conn.execute(sa.select(table.c.version, table.c.content_version)
                       .where(table.c.id == 1)).first()
    return (row.version, row.content_version) if row is not None else (0, 0)


# --- validation -----------------------------------------------------------------------------


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise UserError(
            f"Identifiant « {slug} » invalide : lettres minuscules sans accent, chiffres et "
            "tirets uniquement, 40 caractères au plus, sans tiret au début ni à la fin.")
    if slug in RESERVED_SLUGS:
        raise UserError(f"L'identifiant « {slug} » est réservé à la plateforme.")
    return slug


def validate_siren(siren: str | None) -> str | None:
    if not siren:
        return None
    siren = siren.replace(" ", "")
    if not SIREN_RE.fullmatch(siren) or not _luhn_ok(siren):
        raise UserError(f"Numéro SIREN « {siren} » invalide : 9 chiffres attendus.")
    return siren


def validate_insee(insee: str | None) -> str | None:
    if not insee:
        return None
    insee = insee.strip().upper()
    if not INSEE_RE.fullmatch(insee):
        raise UserError(f"Code INSEE « {insee} » invalide : 5 caractères attendus (ex. 07186).")
    return insee


def validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UserError(
            f"Type de collectivité « {kind} » inconnu ; valeurs possibles : {', '.join(KINDS)}.")
    return kind


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError("Le nom de la collectivité est obligatoire.")
    if len(name) > 200:
        raise UserError("Le nom de la collectivité dépasse 200 caractères.")
    return name


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalise_domain(host: str) -> str:
    """A host name as the registry stores it: lower case, IDNA-encoded, no port, no final dot.

    Raises UserError for anything that is not a plain DNS name.
    """
    try:
        host = normalise_host(host)
    except InvalidHost:
        raise UserError(f"Nom de domaine « {host} » invalide.") from None
    if ":" in host or "." not in host or host.replace(".", "").isdigit():
        raise UserError(f"Nom de domaine « {host} » invalide : un nom DNS complet est attendu.")
    return host


def decode_host(host: str) -> str:
    """The readable form of an IDNA host, for display."""
    try:
        return idna.decode(host)
    except idna.IDNAError:
        return host


# --- queries --------------------------------------------------------------------------------


def get_by_slug(session: Session, slug: str) -> Collectivite | None:
    return session.scalar(sa.select(Collectivite).where(Collectivite.slug == slug))


def require(session: Session, slug: str) -> Collectivite:
    collectivite = get_by_slug(session, slug)
    if collectivite is None:
        raise UserError(f"Aucune collectivité « {slug} ».")
    return collectivite


def all_collectivites(session: Session, slugs=None) -> list[Collectivite]:
    query = sa.select(Collectivite).order_by(Collectivite.slug)
    if slugs:
        query = query.where(Collectivite.slug.in_(list(slugs)))
    return list(session.scalars(query))


def tenant_info(collectivite: Collectivite) -> TenantInfo:
    """What a request or a command bound to `collectivite` needs to know of it."""
    primary = collectivite.primary_domain
    return TenantInfo(id=collectivite.id, slug=collectivite.slug, name=collectivite.name,
                      status=collectivite.status, schema=collectivite.schema_name,
                      server=collectivite.server,
                      primary_host=primary.host if primary else "",
                      moving_to=collectivite.moving_to)
