"""The console's shell: its home page and the journal (administrators)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, g, has_request_context, redirect, render_template, request, url_for

from plateforme import jobs
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from plateforme.sites import SiteKind
from plateforme.tenancy import current_tenant
from tenants.access.identity import actor, current_agent
from tenants.access.rules import Role, agent_required
from tenants.agents import totp
from tenants.audit import catalogue
from tenants.audit import journal as events
from tenants.collectivite import settings
from tenants.console import actors
from tenants.core.dashboard import home_panels
from tenants.core.dates import to_utc
from tenants.core.files import download
from tenants.core.forms import ActionForm
from tenants.core.pages import page_number

PREFIX = "/admin"
bp = TenantBlueprint("console", __name__, url_prefix=PREFIX)

PAGE_SIZE = 50


@bp.get("/")
@agent_required()
def index():
    """The agent's morning page: the panels features contribute, and what needs doing."""
    agent = current_agent()
    shown = home_panels(db.session, agent.is_admin)
    return render_template("console/index.html", home=shown,
                           tasks=[task for panel in shown for task in panel.tasks],
                           recovery_left=totp.recovery_codes_left(db.session, agent))


def console_page() -> dict:
    """Whether the page is under the console's prefix: its error pages (a 404 that no
    blueprint matched included) take the console's layout and lead back to its home."""
    if not has_request_context():  # an email rendered by a task
        return {"console_page": False}
    site, path = g.get("site"), request.path
    return {"console_page": site is not None and site.kind is SiteKind.TENANT
            and (path == PREFIX or path.startswith(f"{PREFIX}/"))}


def _journal_filters():
    def day(name, after=0):
        """The start of the day typed (or of the next one), in Paris as the page shows it."""
        value = request.args.get(name, "")
        try:
            typed = datetime.strptime(value, "%Y-%m-%d") if value else None
        except ValueError:
            return None
        return to_utc(typed + timedelta(days=after)) if typed else None

    return {"text": request.args.get("q", "").strip()[:100],
            "action": request.args.get("action", "").strip()[:60],
            "since": day("depuis"), "until": day("jusquau", after=1)}


@bp.get("/journal")
@agent_required(Role.ADMINISTRATEUR)
def journal():
    page = page_number(request.args.get("page"))
    rows, total = events.search(db.session, **_journal_filters(), limit=PAGE_SIZE,
                                offset=(page - 1) * PAGE_SIZE)
    lines = catalogue.lines(rows, actors.named(db.session, rows))
    return render_template("console/journal.html", lines=lines, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           retention=settings.get(db.session).audit_retention_months,
                           families=catalogue.FAMILIES, action_form=ActionForm())


@bp.get("/journal.csv")
@agent_required(Role.ADMINISTRATEUR)
def journal_csv():
    content = db.attempt(events.export, db.session, actor(), _journal_filters(),
                         actors.named).value
    return download(content, "journal.csv")


@bp.post("/journal/conservation")
@agent_required(Role.ADMINISTRATEUR)
def journal_retention():
    if ActionForm().validate_on_submit():
        months = request.form.get("months", type=int)
        done = db.attempt(settings.set_audit_retention, db.session, months, actor())
        flash(done.error or f"Conservation : {months} mois ({done.value} évènement(s) plus "
              "ancien(s) supprimé(s)).", "error" if done.error else "success")
    return redirect(url_for(".journal"))


@bp.get("/taches")
@agent_required(Role.ADMINISTRATEUR)
def held_jobs():
    """The dead letters: what failed at its last try (an email the server kept refusing) or
    waits for the queue, with « Relancer »."""
    rows = jobs.held(current_tenant().slug)
    return render_template("console/jobs.html", rows=[(row, jobs.describe(row)) for row in rows],
                           failed=jobs.FAILED, action_form=ActionForm())


@bp.post("/taches/<int:job_id>/relancer")
@agent_required(Role.ADMINISTRATEUR)
def release_job(job_id):
    if ActionForm().validate_on_submit():
        done = db.attempt(_release, job_id)
        flash(done.error or "Tâche relancée.", "error" if done.error else "success")
    return redirect(url_for(".held_jobs"))


def _release(job_id: int) -> None:
    if not jobs.release(job_id, current_tenant().slug):
        raise UserError("Cette tâche n'est plus en attente : elle a déjà été relancée.")
    events.record(db.session, "job.released", actor(), target=str(job_id))
