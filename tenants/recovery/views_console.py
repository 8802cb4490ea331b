"""Recovery in the console: every open case with its step, next step and date; the documents
issued on a day (to print and send by registered mail); a case with its timeline, where an
agent records the host's observations and the final position; the platforms' statements and
what they paid; the delays and estimation data (administrators)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.core.dates import paris_today
from tenants.core.files import download
from tenants.core.money import parse_amount
from tenants.core.pages import get_or_404
from tenants.hosts.models import Hebergement, Host
from tenants.recovery import platforms as platforms_module
from tenants.recovery import procedure
from tenants.recovery.forms import (
    FinalPositionForm,
    ObservationsForm,
    PlatformPaymentForm,
    SettingsForm,
    StatementForm,
)
from tenants.recovery.models import (
    PlatformPayment,
    PlatformStatement,
    RecoveryCase,
    RecoveryDocument,
)

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
    form, final_form, error = ObservationsForm(), FinalPositionForm(), None
    if request.method == "POST" and "final_position" in request.form:
        if final_form.validate_on_submit():
            done = db.attempt(procedure.take_final_position, db.session, found,
                              final_form.final_position.data, paris_today(), actor())
            if done.ok:
                flash("La position finale est enregistrée : les sommes sont à mettre en "
                      "recouvrement.", "success")
                return redirect(url_for(".case", case_id=found.id))
            error = done.error
    elif form.validate_on_submit():
        done = db.attempt(procedure.record_observations, db.session, found,
                          form.observations.data, paris_today(), actor())
        if done.ok:
            flash("Les observations de l'hébergeur sont enregistrées.", "success")
            return redirect(url_for(".case", case_id=found.id))
        error = done.error
    values = procedure.settings_of(db.session)
    step, when = procedure.next_step(found, values)
    return render_template("recovery/console/case.html", case=found, form=form, error=error,
                           final_form=final_form, today=paris_today(),
                           platform_lines=platforms_module.paid_for(
                               db.session, found.hebergement_id, found.period_start,
                               found.period_end),
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
    """The platforms' statements received, and a new one imported (kept as received)."""
    form, error = StatementForm(), None
    if form.validate_on_submit():
        upload = form.file.data
        done = db.attempt(platforms_module.import_statement, db.session, upload.read(),
                          upload.filename, actor())
        if done.ok:
            flash(f"Relevé {done.value.platform} importé : {done.value.lines} ligne(s).",
                  "success")
            return redirect(url_for(".statement", statement_id=done.value.id))
        error = done.error
    return render_template("recovery/console/platforms.html", form=form, error=error,
                           statements=platforms_module.listing(db.session)), \
        422 if error else 200


@bp.route("/plateformes/<int:statement_id>", methods=["GET", "POST"])
@agent_required()
def statement(statement_id):
    """A statement matched against the hébergements and the hosts' platform stays, and the
    transfer the platform made for it."""
    found = get_or_404(PlatformStatement, statement_id)
    form, error = PlatformPaymentForm(), None
    if form.validate_on_submit():
        done = db.attempt(_record_platform_payment, found, form)
        if done.ok:
            flash("Le versement de la plateforme est enregistré.", "success")
            return redirect(url_for(".statement", statement_id=found.id))
        error = done.error
    paid = db.session.scalars(sa.select(PlatformPayment).where(
        PlatformPayment.statement_id == found.id).order_by(PlatformPayment.received_on)).all()
    return render_template("recovery/console/statement.html", statement=found, form=form,
                           error=error, paid=paid,
                           matching=platforms_module.report(db.session, found)), \
        422 if error else 200


def _record_platform_payment(found, form):
    return platforms_module.record_payment(
        db.session, found, parse_amount(form.amount.data, "Montant reçu"),
        form.received_on.data, form.reference.data or "", actor())


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
