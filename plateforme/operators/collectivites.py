"""The operators' work on collectivités: onboarding from the browser (the registry row, then the
schema built by a task, then the first administrator invited), the list and what one
collectivité looks like from the platform, suspension / resumption / archiving with a reason,
custom domains, and the platform's health.

Onboarding is not one transaction, as `flask tenants create` is not: the registry row is saved
first (its host answers 503 meanwhile), the schema is built by the task `operators.provision`
(inline in the demo and the tests, a worker in production), and the page follows the steps.
A run interrupted anywhere is finished by running the task again.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from plateforme import hooks, jobs, migrate, operations, provisioning, registry
from plateforme.communes import Commune, Territory, territory_for_insee, territory_for_siren
from plateforme.database import db
from plateforme.deployment import Platform
from plateforme.errors import UserError
from plateforme.operations import Onboarding, OperationFailure
from plateforme.operators import journal
from plateforme.operators.models import Operator, PlatformEvent
from plateforme.registry import Collectivite, Domain, utcnow

log = logging.getLogger(__name__)

PER_PAGE = 25
#: A provisioning older than this, still not active, is shown as stuck.
STUCK_AFTER = timedelta(minutes=10)
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REASON_MAX = 500

#: status change → (statuses it starts from, the status it leaves, journal action).
CHANGES = {
    "suspendre": ({"active"}, "suspended", "collectivite.suspended"),
    "reactiver": ({"suspended"}, "active", "collectivite.resumed"),
    "archiver": ({"active", "suspended"}, "archived", "collectivite.archived"),
}
STATUS_ACTIONS = tuple(action for _, _, action in CHANGES.values())

for _code, _phrase in {
    "collectivite.created": "a créé la collectivité",
    "collectivite.provisioning_resumed": "a relancé la création de la collectivité",
    "collectivite.suspended": "a suspendu la collectivité",
    "collectivite.resumed": "a réactivé la collectivité",
    "collectivite.archived": "a archivé la collectivité",
    "collectivite.domain_added": "a ajouté un domaine à la collectivité",
    "collectivite.domain_primary": "a changé le domaine principal de la collectivité",
    "collectivite.domain_removed": "a retiré un domaine de la collectivité",
}.items():
    journal.describe_action(_code, _phrase)


def current_platform() -> Platform:
    return Platform.from_config(current_app.config)


# --- onboarding ---------------------------------------------------------------------------


def validate_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise UserError("Le courriel du premier administrateur est obligatoire.")
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        raise UserError(f"Adresse électronique « {email} » invalide.")
    return email


def onboard(session: Session, platform: Platform, *, slug: str, name: str | None,
            kind: str | None, siren: str | None, insee: str | None, admin_email: str,
            communes: list[Commune] | None = None,
            operator: Operator | None = None) -> Collectivite:
    """Save the registry row in `provisioning` (what the SIREN or INSEE code tells filling in
    what is left blank) with the administrator to invite, then hand the schema's construction
    to the task. Bad input saves nothing."""
    admin_email = validate_email(admin_email)
    slug = registry.validate_slug((slug or "").strip())
    if registry.get_by_slug(session, slug) is not None:
        raise UserError(f"L'identifiant « {slug} » est déjà pris.")
    session.add(Onboarding(collectivite=slug, admin_email=admin_email,
                           requested_by=operator.email if operator else ""))
    jobs.defer(session, "operators.provision", slug=slug)
    # register checks the rest and commits the row, its domain, its communes and the above.
    collectivite = provisioning.register(
        session, platform, slug=slug, name=(name or "").strip() or None, kind=kind or None,
        siren=siren, insee=insee, communes=communes)
    journal.record(session, "collectivite.created", collectivite=slug, operator=operator,
                   detail={"nom": collectivite.name, "type": collectivite.kind,
                           "siren": collectivite.siren or "", "insee": collectivite.insee or "",
                           "administrateur": admin_email})
    return collectivite


def parse_communes(text: str | None) -> list[Commune] | None:
    """One commune a line, « code INSEE ; nom ; codes postaux » (postal codes separated by
    spaces or commas); None when nothing is typed (the official divisions then decide)."""
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        return None
    found = []
    for number, line in lines:
        parts = [p.strip() for p in line.split(";")]
        if len(parts) not in (2, 3):
            raise UserError(f"Communes, ligne {number} : « code INSEE ; nom ; codes postaux » "
                            "attendu.")
        postal = tuple(re.split(r"[\s,]+", parts[2])) if len(parts) == 3 else ()
        found.append(Commune(parts[0].upper(), parts[1], tuple(p for p in postal if p)))
    return found


def communes_text(communes) -> str:
    return "\n".join(f"{c.insee} ; {c.name} ; {' '.join(c.postal_codes)}" for c in communes)


def territory(siren: str | None, insee: str | None) -> Territory | None:
    """What the official divisions know of a SIREN or an INSEE code, to prefill the form."""
    siren = registry.validate_siren(siren)
    insee = registry.validate_insee(insee)
    return (siren and territory_for_siren(siren)) or (insee and territory_for_insee(insee)) \
        or None


def resume_provisioning(session: Session, slug: str,
                        operator: Operator | None = None) -> Collectivite:
    """Finish what an interrupted run left: the schema, or the administrator's invitation."""
    collectivite = registry.require(session, slug)
    if not needs_finishing(session, collectivite):
        raise UserError(f"La création de « {slug} » est déjà terminée.")
    journal.record(session, "collectivite.provisioning_resumed", collectivite=slug,
                   operator=operator)
    jobs.defer(session, "operators.provision", slug=slug)
    return collectivite


def needs_finishing(session: Session, collectivite: Collectivite) -> bool:
    if collectivite.status == "provisioning":
        return True
    onboarding = onboarding_of(session, collectivite.slug)
    return (collectivite.status == "active" and onboarding is not None
            and onboarding.invited_at is None)


def onboarding_of(session: Session, slug: str) -> Onboarding | None:
    return session.scalar(sa.select(Onboarding).where(Onboarding.collectivite == slug))


@jobs.task("operators.provision", "Création d'une collectivité")
def provision_task(slug: str) -> None:
    # A session of its own: the one that deferred this task may be finishing its commit.
    session = db.state.make_session(None)
    try:
        finish(db.state, session, current_platform(), slug)
    finally:
        session.close()


def finish(state, session: Session, platform: Platform, slug: str) -> None:
    """Build the schema if it is not, then invite the administrator if nobody was. A failure
    is recorded (the health page and the collectivité's page show it), not raised: the
    operator finishes the run from the page."""
    collectivite = registry.require(session, slug)
    try:
        provisioning.provision(state, session, platform, collectivite)
    except Exception:  # noqa: BLE001 - recorded by provision, shown on the page
        session.rollback()
        log.exception("provisioning of %s failed", slug)
        return
    onboarding = onboarding_of(session, slug)
    if onboarding is None or onboarding.invited_at is not None:
        return
    tenant = registry.tenant_info(collectivite)
    email = onboarding.admin_email
    session.commit()
    error = None
    with db.tenant_context(tenant):
        try:
            hooks.invite_admin(db.session, email)
            db.session.commit()
        except UserError as refusal:
            db.session.rollback()
            error = refusal.message
    onboarding = onboarding_of(session, slug)
    onboarding.invited_at = None if error else utcnow()
    onboarding.invitation_error = error
    session.commit()


@dataclass(frozen=True)
class Step:
    label: str
    state: str   # "fait" | "en_cours" | "echec" | "a_faire"

    @property
    def state_label(self) -> str:
        return {"fait": "Terminé", "en_cours": "En cours", "echec": "Échec",
                "a_faire": "À venir"}[self.state]


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    done: bool
    failure: OperationFailure | None
    invitation_error: str | None
    can_finish: bool


def progress(session: Session, collectivite: Collectivite) -> Progress:
    onboarding = onboarding_of(session, collectivite.slug)
    built = collectivite.status != "provisioning"
    failures = operations.recent_failures(session, "provisioning", collectivite.slug, 1)
    failure = failures[0] if failures and not built else None
    schema_state = "fait" if built else ("echec" if failure else "en_cours")
    steps = [Step("Inscription au registre et domaine réservé", "fait"),
             Step("Schéma, tables et contenus par défaut", schema_state)]
    invitation_error = None
    if onboarding is not None:
        invitation_error = onboarding.invitation_error
        if onboarding.invited_at is not None:
            invite_state = "fait"
        elif invitation_error:
            invite_state = "echec"
        else:
            invite_state = "en_cours" if built else "a_faire"
        steps.append(Step(f"Invitation du premier administrateur ({onboarding.admin_email})",
                          invite_state))
    done = not needs_finishing(session, collectivite)
    steps.append(Step("Collectivité ouverte", "fait" if built else "a_faire"))
    return Progress(steps, done, failure, invitation_error,
                    can_finish=not done and (failure is not None or invitation_error is not None
                                             or _stuck(collectivite)))


def _stuck(collectivite: Collectivite) -> bool:
    return collectivite.status == "provisioning" and \
        utcnow() - collectivite.created_at > STUCK_AFTER


# --- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    kind: str = ""
    server: str = ""
    page: int = 1


@dataclass(frozen=True)
class Page:
    rows: list[Collectivite]
    page: int
    pages: int
    total: int


def search(session: Session, filters: Filters, per_page: int = PER_PAGE) -> Page:
    """By slug, name or SIREN (a part of any; spaces ignored in a SIREN), status, kind and
    server."""
    query = sa.select(Collectivite)
    text = filters.q.strip()
    if text:
        pattern = f"%{_escape(text.lower())}%"
        siren = text.replace(" ", "")
        query = query.where(sa.or_(
            Collectivite.slug.like(pattern, escape="\\"),
            sa.func.lower(Collectivite.name).like(pattern, escape="\\"),
            Collectivite.siren.like(f"%{_escape(siren)}%", escape="\\")))
    if filters.status:
        query = query.where(Collectivite.status == filters.status)
    if filters.kind:
        query = query.where(Collectivite.kind == filters.kind)
    if filters.server:
        query = query.where(Collectivite.server == filters.server)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, filters.page), pages)
    rows = session.scalars(query.options(selectinload(Collectivite.domains))
                           .order_by(Collectivite.slug)
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), page, pages, total)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def servers(session: Session) -> list[str]:
    return list(session.scalars(sa.select(Collectivite.server).distinct()
                                .order_by(Collectivite.server)))


# --- one collectivité ---------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    revisions: tuple[str, ...]
    at_head: bool

    @property
    def label(self) -> str:
        return ", ".join(self.revisions) or "aucune"


def version_of(state, collectivite: Collectivite) -> Version | None:
    """The schema's Alembic version, read as `flask tenants migrate` reads it; None before
    the schema exists."""
    with state.tenant_connection(registry.tenant_info(collectivite)) as conn:
        found = migrate.read_version(conn, migrate.target_of(state, collectivite.schema_name))
    if found is None:
        return None
    heads = migrate.tenant_heads(current_app.config["TENANT_MIGRATIONS_DIR"])
    return Version(tuple(sorted(found)), found == heads)


def last_status_change(session: Session, slug: str) -> PlatformEvent | None:
    return session.scalar(
        sa.select(PlatformEvent)
        .where(PlatformEvent.collectivite == slug, PlatformEvent.action.in_(STATUS_ACTIONS))
        .order_by(PlatformEvent.at.desc(), PlatformEvent.id.desc()).limit(1))


def has_schema(collectivite: Collectivite) -> bool:
    return collectivite.status in ("active", "suspended", "archived")


# --- status -------------------------------------------------------------------------------


def change_status(session: Session, slug: str, change: str, reason: str,
                  operator: Operator | None = None) -> Collectivite:
    """Suspend, resume or archive, with the reason kept in the journal. The collectivité's
    hosts see the change within TENANT_CACHE_CHECK_SECONDS, in every process."""
    if change not in CHANGES:
        raise UserError("Action inconnue.")
    starts, status, action = CHANGES[change]
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError("Indiquez le motif : il est gardé au journal.")
    if len(reason) > REASON_MAX:
        raise UserError(f"Le motif dépasse {REASON_MAX} caractères.")
    collectivite = registry.require(session, slug)
    if collectivite.status not in starts:
        raise UserError(f"Action impossible : « {slug} » est {collectivite.status_label}.")
    journal.record(session, action, collectivite=slug, operator=operator,
                   detail={"motif": reason, "avant": collectivite.status})
    return provisioning.set_status(session, slug, status)


# --- domains ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsRecord:
    name: str
    type: str
    value: str
    note: str = ""


def dns_record(host: str, slug: str, platform: Platform) -> DnsRecord | None:
    """What the collectivité asks of whoever runs its DNS; None for the platform's own
    subdomain. A CNAME follows the platform's subdomain wherever it moves; a zone's apex
    cannot carry one (RFC 1034 §3.6.2), hence A and AAAA records there."""
    apex = registry.normalise_domain(platform.domain)
    if host == f"{slug}.{apex}" or host.endswith(f".{apex}"):
        return None
    if host.count(".") == 1:
        return DnsRecord(f"{host}.", "A et AAAA", f"les adresses de {apex}",
                         f"« {host} » est la racine de sa zone, qui ne peut porter de CNAME : "
                         f"les mêmes adresses IPv4 et IPv6 que {apex}.")
    return DnsRecord(f"{host}.", "CNAME", f"{slug}.{apex}.")


def add_domain(session: Session, platform: Platform, slug: str, host: str, primary: bool,
               operator: Operator | None = None) -> Domain:
    host = registry.normalise_domain((host or "").strip())
    journal.record(session, "collectivite.domain_added", collectivite=slug, operator=operator,
                   detail={"domaine": host, "principal": bool(primary)})
    return provisioning.add_domain(session, platform, slug, host, primary)


def _domain(collectivite: Collectivite, domain_id: int) -> Domain:
    domain = next((d for d in collectivite.domains if d.id == domain_id), None)
    if domain is None:
        raise UserError("Ce domaine n'appartient pas à cette collectivité.")
    return domain


def set_primary_domain(session: Session, slug: str, domain_id: int,
                       operator: Operator | None = None) -> Domain:
    """Links in emails and letters follow the primary domain: make sure it answers first."""
    collectivite = registry.require(session, slug)
    domain = _domain(collectivite, domain_id)
    if domain.is_primary:
        raise UserError(f"{domain.host} est déjà le domaine principal.")
    for other in collectivite.domains:
        other.is_primary = False
    session.flush()  # at most one primary per collectivité, checked row by row
    domain.is_primary = True
    journal.record(session, "collectivite.domain_primary", collectivite=slug,
                   operator=operator, detail={"domaine": domain.host})
    return domain


def remove_domain(session: Session, platform: Platform, slug: str, domain_id: int,
                  operator: Operator | None = None) -> str:
    collectivite = registry.require(session, slug)
    domain = _domain(collectivite, domain_id)
    if domain.is_primary:
        raise UserError(f"{domain.host} est le domaine principal : choisissez-en d'abord "
                        "un autre.")
    if domain.host == f"{slug}.{registry.normalise_domain(platform.domain)}":
        raise UserError(f"{domain.host}, le domaine de la plateforme, ne peut être retiré.")
    collectivite.domains.remove(domain)
    journal.record(session, "collectivite.domain_removed", collectivite=slug,
                   operator=operator, detail={"domaine": domain.host})
    return domain.host


# --- health -------------------------------------------------------------------------------


@dataclass
class ServerCounts:
    server: str
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


@dataclass(frozen=True)
class Behind:
    collectivite: Collectivite
    version: tuple[str, ...]


@dataclass(frozen=True)
class PendingProvisioning:
    collectivite: Collectivite
    failure: OperationFailure | None
    stuck: bool


@dataclass(frozen=True)
class Health:
    heads: tuple[str, ...]
    behind: list[Behind]
    provisionings: list[PendingProvisioning]
    migration_failures: list[OperationFailure]
    servers: list[ServerCounts]


def health(state, session: Session) -> Health:
    heads = migrate.tenant_heads(current_app.config["TENANT_MIGRATIONS_DIR"])
    open_ones = list(session.scalars(
        sa.select(Collectivite).where(Collectivite.status.in_(("active", "suspended")))
        .order_by(Collectivite.slug)))
    pairs = migrate.targets_for(state, open_ones)
    versions = migrate.current_versions(state, [t for _, t in pairs])
    behind = [Behind(c, tuple(sorted(versions[t.schema] or ())))
              for c, t in pairs if versions[t.schema] != heads]
    pending = []
    for c in session.scalars(sa.select(Collectivite).where(
            Collectivite.status == "provisioning").order_by(Collectivite.created_at)):
        failures = operations.recent_failures(session, "provisioning", c.slug, 1)
        failure = failures[0] if failures and failures[0].at >= c.created_at else None
        pending.append(PendingProvisioning(c, failure, _stuck(c)))
    counts: dict[str, ServerCounts] = {}
    for server, status, count in session.execute(
            sa.select(Collectivite.server, Collectivite.status, sa.func.count())
            .group_by(Collectivite.server, Collectivite.status)
            .order_by(Collectivite.server)):
        counts.setdefault(server, ServerCounts(server)).statuses[status] = count
    return Health(tuple(sorted(heads)), behind, pending,
                  operations.recent_failures(session, "migration"), list(counts.values()))
