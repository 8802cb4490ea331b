"""Loading the DGFiP's DELTA file into the collectivités it concerns.

The file (`delta.read`, streamed) is read whole before anything is written: a truncated or
malformed file loads nothing. Each deliberation goes to the registered collectivité whose SIREN
deliberated, to those registered as a commune it covers (by INSEE code), and to the groupings
(EPCI) whose territory includes a commune it covers: a grouping's territory is what its own
deliberations cover, in this file or stored before; a commune's is itself.
Deliberations that concern no registered collectivité are only counted. Each collectivité
receives the year's legal grid and its deliberations in one transaction of its own; a
deliberation the law refuses is reported, the others are stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import sqlalchemy as sa

from plateforme import jobs, registry
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.tenancy import TenantInfo, current_tenant
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.core.dates import utcnow
from tenants.tax import deliberations
from tenants.tax.deliberations import Outcome, Source
from tenants.tax.delta import DeliberationData, DeltaError, read
from tenants.tax.models import DeltaImport


@dataclass
class TenantReport:
    tenant: TenantInfo
    outcomes: dict[Outcome, list[str]] = field(default_factory=lambda: {o: [] for o in Outcome})
    refused: list[str] = field(default_factory=list)
    grid_changed: bool = False

    def summary(self) -> str:
        counts = ", ".join(f"{len(self.outcomes[o])} {o.value}(s)" for o in Outcome)
        return f"{counts}, {len(self.refused)} refusée(s)"


@dataclass
class ImportReport:
    version: str
    year: int
    total: int = 0
    unmatched: int = 0
    tenants: list[TenantReport] = field(default_factory=list)


def _covered(data: DeliberationData) -> set[str]:
    return {c.insee for c in data.communes} | ({data.insee} if data.insee else set())


def import_file(source, targets: list[TenantInfo], by: Actor = journal.SYSTEM) -> ImportReport:
    """Load `source` (a path or a binary file) into `targets`; DeltaError (one French line)
    when the file cannot be read, before anything is written."""
    matcher = _Matcher(targets)
    file = read(source)
    report = ImportReport(version=file.version, year=file.year)
    kept: dict[str, list[DeliberationData]] = {t.schema: [] for t in targets}
    # What no collectivité claimed yet: a grouping's deliberation later in the file may bring
    # one of its communes into its territory (a few megabytes at most, the file's size).
    pending: list[tuple[DeliberationData, set[str], set[str]]] = []
    for data in file.deliberations:
        report.total += 1
        covered = _covered(data)
        tenants = matcher.direct(data.siren, covered)
        for tenant in tenants:
            kept[tenant.schema].append(data)
        if (grouping := matcher.grouping_of(data.siren)) is not None:
            matcher.claim(grouping, covered)
        pending.append((data, covered, {t.schema for t in tenants}))
    for data, covered, already in pending:
        late = [t for t in matcher.by_territory(covered) if t.schema not in already]
        for tenant in late:
            kept[tenant.schema].append(data)
        if not already and not late:
            report.unmatched += 1
    del pending
    for tenant in targets:
        report.tenants.append(_load(tenant, file.year, file.grid, kept[tenant.schema], by))
    return report


class _Matcher:
    def __init__(self, targets: list[TenantInfo]):
        self.by_siren: dict[str, TenantInfo] = {}
        self.by_insee: dict[str, TenantInfo] = {}
        self.territory: dict[str, dict[str, TenantInfo]] = {}
        groupings = []
        for tenant in targets:
            collectivite = registry.get_by_slug(db.session, tenant.slug)
            if collectivite.siren:
                self.by_siren[collectivite.siren] = tenant
            if collectivite.insee:
                self.by_insee[collectivite.insee] = tenant
                self.claim(tenant, {collectivite.insee})
            else:
                groupings.append((tenant, collectivite.siren))
        db.session.commit()
        self.groupings = {t.schema for t, _siren in groupings}
        for tenant, siren in groupings:
            with db.tenant_context(tenant):
                self.claim(tenant, deliberations.territory(db.session, siren))

    def grouping_of(self, siren: str) -> TenantInfo | None:
        """The registered grouping that deliberated: what it covers is its territory."""
        tenant = self.by_siren.get(siren)
        return tenant if tenant is not None and tenant.schema in self.groupings else None

    def direct(self, siren: str, covered: set[str]) -> list[TenantInfo]:
        """The collectivité that deliberated, and those registered as a commune covered."""
        found = {t.schema: t for t in (self.by_siren.get(siren),
                                       *(self.by_insee.get(i) for i in covered)) if t}
        return list(found.values())

    def claim(self, tenant: TenantInfo, communes: set[str]) -> None:
        for insee in communes:
            self.territory.setdefault(insee, {})[tenant.schema] = tenant

    def by_territory(self, communes: set[str]) -> list[TenantInfo]:
        found = {}
        for insee in communes:
            found.update(self.territory.get(insee, {}))
        return list(found.values())


def _load(tenant: TenantInfo, year: int, grid, kept: list[DeliberationData],
          by: Actor) -> TenantReport:
    report = TenantReport(tenant)
    with db.tenant_context(tenant):
        stored = deliberations.grid(db.session, year)
        report.grid_changed = deliberations.store_grid(db.session, year, grid, stored)
        batch = deliberations.Batch(db.session, year, Source.DELTA, by, the_grid=grid)
        for data in kept:
            try:  # the law's checks come before anything is queued: a refusal leaves nothing
                outcome = batch.store(data)
            except UserError as refusal:
                report.refused.append(f"{deliberations.describe(data)} : {refusal.message}")
                continue
            report.outcomes[outcome].append(deliberations.describe(data))
        batch.flush()
        journal.record(db.session, "tax.delta_imported", by, target=f"DELTA {year}",
                       **{o.name.lower(): len(v) for o, v in report.outcomes.items()},
                       refused=len(report.refused))
        db.session.commit()
    return report


def targets_all() -> list[TenantInfo]:
    """Every collectivité the file may concern: the active and the suspended ones."""
    rows = [c for c in registry.all_collectivites(db.session)
            if c.status in ("active", "suspended")]
    tenants = [registry.tenant_info(c) for c in rows]
    db.session.commit()
    return tenants



# --- from the console: the file handed to a task ---------------------------------------------

RUNNING, DONE, REFUSED = "en_cours", "termine", "refuse"


def request_console_import(session, data: bytes, filename: str, by: Actor) -> DeltaImport:
    """Record the file's arrival and queue its loading for the bound collectivité alone."""
    if not data:
        raise UserError("Le fichier est vide : choisissez le fichier DELTA (XML) de la DGFiP.")
    row = DeltaImport(filename=filename[:255], state=RUNNING, requested_by=by.label)
    session.add(row)
    session.flush()
    jobs.defer(session, "tax.import_delta", import_id=row.id, data=data, by=by)
    return row


@jobs.task("tax.import_delta", "Import du fichier DELTA")
def import_for_console(import_id: int, data: bytes, by: Actor) -> None:
    if (row := db.session.get(DeltaImport, import_id)) is None or row.state != RUNNING:
        return
    try:
        report = import_file(io.BytesIO(data), [current_tenant()], by)
    except (DeltaError, UserError) as refusal:
        db.session.rollback()
        row = db.session.get(DeltaImport, import_id)
        row.state, row.done_at = REFUSED, utcnow()
        row.summary = getattr(refusal, "message", None) or str(refusal)
        return
    (mine,) = report.tenants
    row = db.session.get(DeltaImport, import_id)
    row.state, row.done_at, row.year = DONE, utcnow(), report.year
    row.summary = f"Fichier DELTA {report.year} : {mine.summary()}."
    row.refused = "\n".join(str(r) for r in mine.refused)


def console_imports(session, limit: int = 5) -> list[DeltaImport]:
    return list(session.scalars(sa.select(DeltaImport).order_by(DeltaImport.id.desc())
                                .limit(limit)))
