"""The host's declarations: "Mes déclarations" (every hébergement and period), one
declaration (the registre du logeur, imports, "0 nuitée", validation, rectification, the état
récapitulatif), and a period for all their hébergements at once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants.access.identity import actor, current_host
from tenants.access.rules import host_required
from tenants.core import hostdata
from tenants.core.dates import paris_today
from tenants.declarations import desk, filing, follow
from tenants.declarations.forms import BulkForm
from tenants.hosts import profile

bp = TenantBlueprint("declarations", __name__, url_prefix="/declarations")


# --- lists ----------------------------------------------------------------------------------


@bp.get("/")
@host_required
def index():
    host, cal = current_host(), filing.calendar_of(db.session)
    entries = follow.host_entries(db.session, host, cal, paris_today())
    return render_template("declarations/host/index.html", host=host, entries=entries,
                           to_do=follow.to_do(entries), cal=cal)


@bp.route("/periode/<period>", methods=["GET", "POST"])
@host_required
def period_page(period):
    host, ctx = current_host(), context()
    try:
        chosen = ctx.cal.period(period)
    except UserError:
        abort(404)
    rows = follow.period_rows(db.session, chosen, ctx.cal, ctx.today, host_id=host.id)
    if not rows or chosen.start > ctx.today:
        abort(404)
    form, error = BulkForm(), None
    if form.validate_on_submit():
        picked = {int(v) for v in request.form.getlist("hebergement") if v.isdigit()}
        mine = [h for h in host.hebergements if h.id in picked]
        done = db.attempt(desk.apply_to_many, ctx, mine, chosen, form.action.data,
                          form.reason.data)
        if done.ok:
            flash(f"{done.value} déclaration(s) validée(s) pour {chosen.label}.", "success")
            return redirect(url_for(".period_page", period=chosen.key))
        error = done.error
    return render_template("declarations/host/period.html", period=chosen, rows=rows, form=form,
                           error=error, deadline=ctx.cal.deadline(chosen))


# --- what the shared declaration pages need of the host's space ---------------------------


def target(hebergement_id: int, key: str):
    """The host's own hébergement and a period they may open, or a 404 (another host's
    hébergement is not theirs to know of)."""
    hebergement = profile.own_hebergement(db.session, current_host(), hebergement_id)
    if hebergement is None:
        abort(404)
    try:
        period = filing.calendar_of(db.session).period(key)
    except UserError:
        abort(404)
    if not desk.concerned(db.session, hebergement, period, paris_today()):
        abort(404)
    return hebergement, period


def context() -> desk.Context:
    return desk.Context(db.session, current_tenant().schema, filing.calendar_of(db.session),
                        actor(), current_host().full_name, paris_today())


def documents_panel(**_context) -> str:
    """"Mes documents": the host's états récapitulatifs."""
    host = current_host()
    return hostdata.kept(db.session, host, "declarations.documents", lambda: render_template(
        "declarations/host/_documents.html", receipts=follow.receipts(db.session, host)))


def dashboard_panel(**_context) -> str:
    """"Mes déclarations" on the dashboard: what is due, per hébergement (kept while the host's
    data, the collectivité's calendar and the day stay the same)."""
    host = current_host()
    return hostdata.kept(db.session, host, "declarations.dashboard",
                         lambda: _dashboard_panel(host))


def _dashboard_panel(host) -> str:
    entries = follow.host_entries(db.session, host, filing.calendar_of(db.session),
                                  paris_today())
    return render_template("declarations/host/_dashboard.html", entries=entries,
                           to_do=follow.to_do(entries), host=host)

