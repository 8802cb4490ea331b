"""Recovery in the console: every open case with its step, next step and date; the documents
issued on a day (to print and send by registered mail); a case with its timeline, where an
agent records the host's observations; the delays and estimation data (administrators)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.core.dates import paris_today
from tenants.core.files import download
from tenants.core.pages import get_or_404
from tenants.hosts.models import Hebergement, Host
from tenants.recovery import procedure
from tenants.recovery.forms import ObservationsForm, SettingsForm, StatementForm
from tenants.recovery.models import RecoveryCase, RecoveryDocument
from tenants.recovery.platforms import check as platforms_check

bp = TenantBlueprint("console_recovery", __name__, url_prefix="/admin/recouvrement")


@bp.get("/")
@agent_required()
def index():
    try:
        day = date.fromisoformat(request.args.get("jour", ""))
    except ValueError:
        day = paris_today()
    values = procedure.settings_of(db.session)
    cases = [(case, host, hebergement, *procedure.next_step(case, values))
             for case, host, hebergement in procedure.open_cases(db.session)]
    return render_template("recovery/console/index.html", cases=cases, day=day,
                           documents=procedure.documents_of_day(db.session, day),
                           Step=procedure.Step, Kind=procedure.Kind)


@bp.route("/dossiers/<int:case_id>", methods=["GET", "POST"])
@agent_required()
def case(case_id):
    found = get_or_404(RecoveryCase, case_id)
    form, error = ObservationsForm(), None
    if form.validate_on_submit():
        done = db.attempt(procedure.record_observations, db.session, found,
                          form.observations.data, paris_today(), actor())
        if done.ok:
            flash("Les observations de l'hébergeur sont enregistrées.", "success")
            return redirect(url_for(".case", case_id=found.id))
        error = done.error
    values = procedure.settings_of(db.session)
    step, when = procedure.next_step(found, values)
    return render_template("recovery/console/case.html", case=found, form=form, error=error,
                           host=db.session.get(Host, found.host_id),
                           hebergement=db.session.get(Hebergement, found.hebergement_id),
                           next_step=step, next_on=when, Step=procedure.Step,
                           Kind=procedure.Kind,
                           notice=db.session.get(RecoveryDocument, found.notice_document_id)
                           if found.notice_document_id else None,
                           assessment=db.session.get(RecoveryDocument,
                                                     found.assessment_document_id)
                           if found.assessment_document_id else None)


@bp.get("/documents/<int:document_id>.pdf")
@agent_required()
def document(document_id):
    found = get_or_404(RecoveryDocument, document_id)
    if not found.pdf:
        abort(404)
    return download(found.pdf, f"{found.reference}.pdf")


@bp.route("/plateformes", methods=["GET", "POST"])
@agent_required()
def platforms():
    """A platform's statement checked against the hébergements and the hosts' declared
    platform stays: nothing is kept, the report is the page."""
    form, matching, error = StatementForm(), None, None
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            matching = platforms_check(db.session, data)
        except UserError as refusal:
            error = refusal.message
        db.session.rollback()
    return render_template("recovery/console/platforms.html", form=form, matching=matching,
                           error=error), 422 if error else 200


@bp.route("/parametres", methods=["GET", "POST"])
@agent_required(Role.ADMINISTRATEUR)
def settings():
    current = procedure.settings_of(db.session)
    form = SettingsForm(obj=None if request.method == "POST" else current)
    error = None
    if form.validate_on_submit():
        done = db.attempt(procedure.configure, db.session, form.data, actor())
        if done.ok:
            flash("Les paramètres du recouvrement sont enregistrés.", "success")
            return redirect(url_for(".settings"))
        error = done.error
    return render_template("recovery/console/settings.html", form=form, error=error), \
        422 if error else 200


def host_panel(host, **_context) -> str:
    return render_template("recovery/console/_host_panel.html", host=host,
                           cases=procedure.cases_of(db.session, host.id), Step=procedure.Step,
                           Kind=procedure.Kind)


def home_panel(**_context) -> str:
    cases = procedure.open_cases(db.session)
    counts = {step: sum(1 for c, _h, _e in cases if c.step == step) for step in procedure.Step}
    return render_template("recovery/console/_home.html", counts=counts, Step=procedure.Step,
                           today=len(procedure.documents_of_day(db.session, paris_today())))
