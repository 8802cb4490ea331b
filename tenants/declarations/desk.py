"""One hébergement × period as the pages see it (what to show, what may be done), and the
actions the host's and the agent's pages take on it: each opens the draft when needed, so a
page never creates anything by being read. Plain functions on a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.core.dates import french_date
from tenants.declarations import filing, sources
from tenants.declarations.calendar import Period
from tenants.declarations.computing import StayInput, Summary
from tenants.declarations.filing import Calendar, State, Status
from tenants.declarations.models import Declaration, Stay
from tenants.hosts.models import Hebergement
from tenants.tax.calculation import Regime


@dataclass
class Desk:
    hebergement: Hebergement
    period: Period
    deadline: date
    state: State
    versions: list[Declaration]             # newest first
    draft: Declaration | None
    validated: Declaration | None           # the version in force
    summary: Summary | None                 # the draft's (or what a forfait will owe)
    problem: str | None                     # why it cannot be computed yet
    carried: list[Stay] = field(default_factory=list)
    ended: bool = False                     # the period is over: it may be validated
    stays: list[Stay] = field(default_factory=list)   # one page of the shown version's lines
    stays_count: int = 0
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.stays_count // STAYS_PER_PAGE))

    @property
    def regime(self) -> str | None:
        if self.draft is not None:
            return self.draft.regime
        if self.summary is not None:
            return self.summary.regime.value
        return self.validated.regime if self.validated else None

    @property
    def validable_from(self) -> date:
        return self.period.end + timedelta(days=1)

    @property
    def forfait(self) -> bool:
        return self.regime == Regime.FORFAIT


def concerned(session: Session, hebergement: Hebergement, period: Period, today: date) -> bool:
    """A period the host may open: begun, and from their start date on (earlier ones only when
    somebody recorded them)."""
    if period.start > today:
        return False
    return period.end >= hebergement.start_date or bool(
        filing.versions(session, hebergement.id, period.key))


STAYS_PER_PAGE = 100


def desk(session: Session, schema: str, hebergement: Hebergement, period: Period,
         cal: Calendar, today: date, page: int = 1) -> Desk:
    versions = filing.versions(session, hebergement.id, period.key)
    draft = versions[0] if versions and versions[0].status == Status.BROUILLON else None
    validated = filing.last_validated(versions)
    deadline = cal.deadline(period)
    shown = draft or validated
    register = _register(session, shown, page)
    result, problem, carried = None, None, []
    if draft is not None or validated is None:
        subject = draft or _unsaved(hebergement, period, deadline)
        carried = filing.carried(session, subject) if not subject.zero_reason else []
        try:
            result = filing.summary(session, schema, subject, hebergement, carried,
                                    register.whole if subject is shown else None)
        except UserError as refusal:
            problem = refusal.message
    return Desk(hebergement, period, deadline, filing.state_of(versions, deadline, today),
                versions, draft, validated, result, problem, carried, period.end < today,
                register.lines, register.count, register.page)


@dataclass(frozen=True)
class _Register:
    lines: list[Stay]           # the page shown
    count: int
    page: int
    whole: list[Stay] | None    # every line, when they fit on one page


def _register(session: Session, shown: Declaration | None, page: int) -> _Register:
    """The page of the register shown. A period's register usually fits on one page: then it
    is read once, with one line more to tell, for the page and for the engine alike."""
    if shown is None:
        return _Register([], 0, 1, None)
    first = None
    if page <= 1:
        first = filing.stays_page(session, shown, 1, STAYS_PER_PAGE + 1)
        if len(first) <= STAYS_PER_PAGE:
            return _Register(first, len(first), 1, first)
    count = filing.stay_count(session, shown)
    page = min(max(1, page), max(1, -(-count // STAYS_PER_PAGE)))
    if first is not None:
        return _Register(first[:STAYS_PER_PAGE], count, 1, None)
    lines = filing.stays_page(session, shown, page, STAYS_PER_PAGE) if count else []
    return _Register(lines, count, page, None)


def _unsaved(hebergement: Hebergement, period: Period, deadline: date) -> Declaration:
    """What the first draft will be, to show before anything is typed (never added)."""
    return Declaration(hebergement_id=hebergement.id, period=period.key,
                       period_start=period.start, period_end=period.end, deadline=deadline,
                       version=1, status=Status.BROUILLON.value, zero_reason=None)


# --- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Who acts, where: the same actions serve the host and an agent on their behalf."""

    session: Session
    schema: str
    cal: Calendar
    by: Actor
    by_name: str
    today: date
    reason: str = ""       # an agent's, kept on the draft and in the journal
    on_behalf: bool = False   # an agent acting for the host: a new draft needs a reason


def _open(ctx: Context, hebergement: Hebergement, period: Period,
          rectifying: bool = False) -> Declaration:
    """The draft to work on: the one in progress, else a new one; a validated declaration is
    only reopened as a rectification, on purpose."""
    if not concerned(ctx.session, hebergement, period, ctx.today) and not ctx.on_behalf:
        raise UserError("Cette période n'est pas à déclarer pour cet hébergement.")
    if period.start > ctx.today:
        raise UserError("Cette période n'a pas commencé.")
    current = filing.current(ctx.session, hebergement.id, period.key)
    if current is not None and current.status != Status.BROUILLON and not rectifying:
        raise UserError("Cette déclaration est validée : elle ne change plus. Pour la corriger, "
                        "faites une rectification.")
    if ctx.on_behalf and not ctx.reason and (current is None
                                             or current.status != Status.BROUILLON):
        raise UserError("Indiquez le motif de la saisie pour le compte de l'hébergeur : il est "
                        "inscrit au journal.")
    draft = filing.draft(ctx.session, ctx.schema, hebergement, period, ctx.cal, ctx.by)
    if ctx.reason:
        draft.reason = "\n".join(r for r in (draft.reason, ctx.reason) if r)
        journal.record(ctx.session, "declaration.on_behalf", ctx.by, target=period.key,
                       declaration_id=draft.id, reason=ctx.reason)
    return draft


def open_draft(ctx: Context, hebergement: Hebergement, period: Period) -> Declaration:
    return _open(ctx, hebergement, period)


def _draft(ctx: Context, hebergement: Hebergement, period: Period) -> Declaration:
    """The draft in progress (editing a line needs one)."""
    current = filing.current(ctx.session, hebergement.id, period.key)
    if current is None or current.status != Status.BROUILLON:
        raise UserError("Aucun brouillon en cours pour cette période : la déclaration est "
                        "validée ou n'a pas été commencée.")
    return current


def add(ctx: Context, hebergement: Hebergement, period: Period, stay: StayInput) -> Stay:
    draft = _open(ctx, hebergement, period)
    return filing.add_stay(ctx.session, ctx.schema, draft, hebergement, stay, ctx.by)


def update(ctx: Context, hebergement: Hebergement, period: Period, stay_id: int,
           stay: StayInput) -> None:
    filing.update_stay(ctx.session, ctx.schema, _draft(ctx, hebergement, period), hebergement,
                       stay_id, stay, ctx.by)


def remove(ctx: Context, hebergement: Hebergement, period: Period, stay_id: int) -> None:
    filing.remove_stay(ctx.session, ctx.schema, _draft(ctx, hebergement, period), hebergement,
                       stay_id, ctx.by)


def zero(ctx: Context, hebergement: Hebergement, period: Period, reason: str) -> None:
    draft = _open(ctx, hebergement, period)
    filing.set_zero(ctx.session, ctx.schema, draft, hebergement, reason, ctx.by)


def abandon(ctx: Context, hebergement: Hebergement, period: Period) -> None:
    filing.abandon(ctx.session, _draft(ctx, hebergement, period), ctx.by)


def rectify(ctx: Context, hebergement: Hebergement, period: Period) -> Declaration:
    found = filing.versions(ctx.session, hebergement.id, period.key)
    if filing.last_validated(found) is None:
        raise UserError("Seule une déclaration validée se rectifie.")
    if found[0].status == Status.BROUILLON:
        raise UserError("Une rectification est déjà en cours : complétez-la puis validez-la.")
    return _open(ctx, hebergement, period, rectifying=True)


def validate(ctx: Context, hebergement: Hebergement, period: Period) -> Declaration:
    if period.end >= ctx.today:
        raise UserError(f"La période n'est pas terminée : vous pourrez valider la déclaration à "
                        f"partir du {french_date(period.end + timedelta(days=1))}.")
    draft = _open(ctx, hebergement, period)
    return filing.validate(ctx.session, ctx.schema, draft, hebergement, ctx.by, ctx.by_name)


# --- imports ------------------------------------------------------------------------------


def read(data: bytes, extra: bytes | None) -> sources.Parsed:
    """The file(s) read and checked row by row; UserError with every problem, by line."""
    if not data:
        raise UserError("Choisissez le fichier à importer.")
    try:
        parsed = sources.parse(data, extra or None)
    except sources.SourceError as error:
        raise UserError(str(error)) from None
    if parsed.errors:
        raise UserError("Le fichier contient des erreurs, rien n'a été importé : "
                        + " ; ".join(parsed.errors[:50])
                        + (f" ; et {len(parsed.errors) - 50} autres." if len(parsed.errors) > 50
                           else "."))
    if not parsed.rows:
        raise UserError("Le fichier ne contient aucun séjour à importer.")
    return parsed


def platforms(parsed: sources.Parsed) -> dict[str, tuple[int, bool]]:
    """Per platform of a platform's export: its stays, and whether it collected the tax (as
    read; the host confirms)."""
    found: dict[str, tuple[int, bool]] = {}
    if parsed.format == "registre":
        return found
    for row in parsed.rows:
        count, collected = found.get(row.platform or "", (0, True))
        found[row.platform or ""] = (count + 1, collected and row.channel == "plateforme")
    return found


def confirmed(parsed: sources.Parsed, collected: dict[str, bool]) -> list[sources.StayRow]:
    """The rows with the channel the host confirmed for each platform."""
    if parsed.format == "registre":
        return parsed.rows
    from dataclasses import replace

    return [replace(row, channel="plateforme" if collected.get(row.platform or "") else "direct")
            for row in parsed.rows]


def import_file(ctx: Context, hebergement: Hebergement, period: Period, data: bytes,
                extra: bytes | None, collected: dict[str, bool]) -> filing.ImportOutcome:
    parsed = read(data, extra)
    draft = _open(ctx, hebergement, period)
    return filing.import_rows(ctx.session, ctx.schema, draft, hebergement,
                              confirmed(parsed, collected), parsed.format, ctx.by)


# --- several hébergements at once ---------------------------------------------------------


def apply_to_many(ctx: Context, hebergements: list[Hebergement], period: Period, action: str,
                  zero_reason: str = "") -> int:
    """Validate (or declare 0 nuitée for) each of the host's hébergements checked: all or
    none, the refusals named by hébergement."""
    if not hebergements:
        raise UserError("Cochez au moins un hébergement.")
    problems = []
    for hebergement in hebergements:
        try:
            if action == "zero":
                zero(ctx, hebergement, period, zero_reason)
            validate(ctx, hebergement, period)
        except UserError as refusal:
            problems.append(f"« {hebergement.name} » : {refusal.message}")
    if problems:
        raise UserError("Rien n'a été validé. " + " ".join(problems))
    return len(hebergements)
