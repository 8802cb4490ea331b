"""Deliberations in the console: the one in force for each commune, the history of every
version, the detail of one; administrators import the DGFiP's DELTA file for their own
collectivité, or type and correct a deliberation (the law's checks apply either way)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.core.dates import utcnow
from tenants.core.pages import get_or_404
from tenants.tax import deliberations, importing
from tenants.tax.forms import DeliberationForm, ImportDeltaForm
from tenants.tax.law import law
from tenants.tax.models import Deliberation

bp = TenantBlueprint("console_tax", __name__, url_prefix="/admin/deliberations")
admin_only = agent_required(Role.ADMINISTRATEUR)


@bp.get("/")
@agent_required()
def index():
    known = deliberations.years(db.session)
    year = request.args.get("annee", type=int) or (known[0] if known else utcnow().year)
    return render_template("tax/console/index.html", year=year, years=known,
                           in_force=deliberations.in_force(db.session, year),
                           history=deliberations.history(db.session, year),
                           import_form=ImportDeltaForm(), law=law(),
                           imports=importing.console_imports(db.session))


@bp.get("/<int:deliberation_id>")
@agent_required()
def detail(deliberation_id):
    row = get_or_404(Deliberation, deliberation_id)
    return render_template("tax/console/detail.html", row=row, law=law(),
                           versions=deliberations.versions_of(db.session, row),
                           rules=deliberations.rules(row, current_tenant().schema))


@bp.route("/nouvelle", methods=["GET", "POST"])
@admin_only
def new():
    form = DeliberationForm()
    if request.method == "GET":
        form.year.data = utcnow().year + 1
    return _edit(form, key=None)


@bp.route("/<int:deliberation_id>/corriger", methods=["GET", "POST"])
@admin_only
def correct(deliberation_id):
    row = get_or_404(Deliberation, deliberation_id)
    form = (DeliberationForm() if request.method == "POST"
            else DeliberationForm.of(deliberations.to_data(row), row.year))
    return _edit(form, key=row.key, row=row)


def _edit(form, key, row=None):
    error = None
    if form.validate_on_submit():
        done = db.attempt(_save, form, key)
        if done.ok:
            outcome, saved = done.value
            flash(f"Délibération {outcome.value} (version {saved.version}).", "success")
            return redirect(url_for(".detail", deliberation_id=saved.id))
        error = done.error
    return render_template("tax/console/edit.html", form=form, row=row, error=error)


def _save(form, key):
    return deliberations.store(db.session, form.to_data(), form.year.data,
                               deliberations.Source.CONSOLE, actor(), key=key)


@bp.post("/import")
@admin_only
def import_delta():
    """The DELTA file, loaded for this collectivité alone, by a task: the page says where the
    result will show."""
    form = ImportDeltaForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        flash("Choisissez le fichier DELTA (XML) de la DGFiP.", "error")
        return redirect(url_for(".index"))
    done = db.attempt(importing.request_console_import, db.session, upload.read(),
                      upload.filename, actor())
    flash(done.error or "Fichier DELTA reçu : son chargement est en cours. Le résultat "
          "s'affiche ci-dessous, sous « Imports du fichier DELTA ».",
          "error" if done.error else "success")
    return redirect(url_for(".index"))
