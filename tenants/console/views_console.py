"""The console's shell: its home page and the journal (administrators)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor, current_agent
from tenants.access.rules import Role, agent_required
from tenants.agents import totp
from tenants.audit import journal as events
from tenants.collectivite import settings
from tenants.core.files import download
from tenants.core.forms import ActionForm
from tenants.core.pages import page_number
from tenants.hosts import admin

bp = TenantBlueprint("console", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/")
@agent_required()
def index():
    return render_template("console/index.html", counts=admin.counts(db.session),
                           recovery_left=totp.recovery_codes_left(db.session, current_agent()))


def _journal_filters():
    def day(name):
        value = request.args.get(name, "")
        try:
            return datetime.strptime(value, "%Y-%m-%d") if value else None
        except ValueError:
            return None

    until = day("jusquau")
    return {"text": request.args.get("q", "").strip()[:100],
            "action": request.args.get("action", "").strip()[:60],
            "since": day("depuis"), "until": until + timedelta(days=1) if until else None}


@bp.get("/journal")
@agent_required(Role.ADMINISTRATEUR)
def journal():
    page = page_number(request.args.get("page"))
    rows, total = events.search(db.session, **_journal_filters(), limit=PAGE_SIZE,
                                offset=(page - 1) * PAGE_SIZE)
    return render_template("console/journal.html", events=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           retention=settings.get(db.session).audit_retention_months,
                           action_form=ActionForm())


@bp.get("/journal.csv")
@agent_required(Role.ADMINISTRATEUR)
def journal_csv():
    content = db.attempt(events.export, db.session, actor(), _journal_filters()).value
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
