"""The host's side of a procedure: the letters received (mise en demeure, avis de taxation
d'office) and their observations, sent from their space within the time they have to reply."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor, current_host
from tenants.access.rules import host_required
from tenants.core import hostdata
from tenants.core.dates import paris_today
from tenants.core.files import download
from tenants.recovery import procedure
from tenants.recovery.forms import ObservationsForm
from tenants.recovery.models import RecoveryCase, RecoveryDocument

bp = TenantBlueprint("recovery", __name__, url_prefix="/recouvrement")


def _page(error=None, status=200):
    host = current_host()
    return render_template("recovery/host/index.html", host=host, form=ObservationsForm(),
                           cases=procedure.host_cases(db.session, host.id), error=error,
                           Step=procedure.Step, Kind=procedure.Kind), status


@bp.get("/")
@host_required
def index():
    return _page()


@bp.post("/dossiers/<int:case_id>/observations")
@host_required
def observations(case_id):
    found = db.session.get(RecoveryCase, case_id)
    if found is None or found.host_id != current_host().id:
        abort(404)
    form = ObservationsForm()
    if not form.validate_on_submit():
        return _page("Saisissez vos observations.", 422)
    done = db.attempt(procedure.record_observations, db.session, found, form.observations.data,
                      paris_today(), actor(), "hote")
    if done.ok:
        flash("Vos observations sont transmises à votre collectivité.", "success")
        return redirect(url_for(".index"))
    return _page(done.error, 422)


@bp.get("/documents/<int:document_id>.pdf")
@host_required
def document(document_id):
    found = db.session.get(RecoveryDocument, document_id)
    if found is None or found.host_id != current_host().id or not found.pdf:
        abort(404)
    return download(found.pdf, f"{found.reference}.pdf")


def dashboard_panel(**_context) -> str:
    """On the dashboard, only while a procedure stands open: what it is and where to answer."""
    host = current_host()
    return hostdata.kept(db.session, host, "recovery.dashboard", lambda: _dashboard_panel(host))


def _dashboard_panel(host) -> str:
    cases = [c for c, _h in procedure.host_cases(db.session, host.id) if c.status == "ouvert"]
    if not cases:
        return ""
    return render_template("recovery/host/_dashboard.html", cases=cases, Step=procedure.Step)
