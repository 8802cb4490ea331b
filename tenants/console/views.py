"""The console's home, its agents and its journal."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for

from plateforme import mail
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.routing import TenantBlueprint
from tenants import agents, audit, settings
from tenants.console.access import agent_required, current_agent, record
from tenants.console.forms import ActionForm, InviteForm, RoleForm
from tenants.hosts import Host

bp = TenantBlueprint("console", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/")
@agent_required()
def index():
    counts = {
        "hosts": db.session.scalar(sa.select(sa.func.count()).select_from(Host)),
        "active": db.session.scalar(sa.select(sa.func.count()).select_from(Host)
                                    .where(Host.password_hash.is_not(None),
                                           Host.disabled_at.is_(None))),
    }
    return render_template("console/index.html", counts=counts,
                           recovery_left=agents.recovery_codes_left(db.session, current_agent()))


# --- agents (administrators) --------------------------------------------------------------


@bp.route("/agents", methods=["GET", "POST"])
@agent_required("admin")
def agent_list():
    form = InviteForm()
    error = None
    if form.validate_on_submit():
        error = db.attempt(invite, form.name.data, form.email.data, form.role.data)
        if error is None:
            flash(f"Invitation envoyée à {form.email.data}.", "success")
            return redirect(url_for(".agent_list"))
    return render_template("console/agents.html", agents=agents.all_agents(db.session),
                           form=form, error=error, role_form=RoleForm(),
                           action_form=ActionForm())


def invite(name: str, email: str, role: str) -> agents.Agent:
    """Create the agent and send the invitation, or neither."""
    from tenants.console.auth import invitation_email

    agent = agents.create(db.session, email, name, role, invited_by=current_agent())
    record("agent.invited", agent.email, role=role)
    try:
        mail.send(invitation_email(agent, current_agent().name))
    except mail.MailError as error:
        raise UserError(f"L'invitation n'a pas pu être envoyée : {error}") from None
    return agent


def _agent_or_404(agent_id: int) -> agents.Agent:
    agent = db.session.get(agents.Agent, agent_id)
    if agent is None:
        abort(404)
    return agent


@bp.post("/agents/<int:agent_id>/role")
@agent_required("admin")
def agent_role(agent_id):
    agent = _agent_or_404(agent_id)
    form = RoleForm()
    if form.validate_on_submit():
        error = db.attempt(_change_role, agent, form.role.data)
        flash(error or f"{agent.name} est désormais {agent.role_label.lower()}.",
              "error" if error else "success")
    return redirect(url_for(".agent_list"))


def _change_role(agent, role):
    agents.set_role(db.session, agent, role, by=current_agent())
    record("agent.role_changed", agent.email, role=role)


@bp.post("/agents/<int:agent_id>/desactiver")
@agent_required("admin")
def agent_disable(agent_id):
    agent = _agent_or_404(agent_id)
    if ActionForm().validate_on_submit():
        error = db.attempt(_disable, agent)
        flash(error or f"Le compte de {agent.name} est désactivé ; ses sessions sont fermées.",
              "error" if error else "success")
    return redirect(url_for(".agent_list"))


def _disable(agent):
    agents.disable(db.session, agent, by=current_agent())
    record("agent.disabled", agent.email)


@bp.post("/agents/<int:agent_id>/reactiver")
@agent_required("admin")
def agent_enable(agent_id):
    agent = _agent_or_404(agent_id)
    if ActionForm().validate_on_submit():
        agents.enable(agent)
        record("agent.enabled", agent.email)
        db.session.commit()
        flash(f"Le compte de {agent.name} est réactivé.", "success")
    return redirect(url_for(".agent_list"))


@bp.post("/agents/<int:agent_id>/double-authentification")
@agent_required("admin")
def agent_reset_second_factor(agent_id):
    """For an agent who lost both the phone and the recovery codes: enrol again at next login."""
    agent = _agent_or_404(agent_id)
    if ActionForm().validate_on_submit():
        agent.totp_secret, agent.totp_enabled_at = None, None
        agents.end_sessions(db.session, agent)
        record("agent.second_factor_reset", agent.email)
        db.session.commit()
        flash(f"{agent.name} configurera de nouveau la double authentification à sa prochaine "
              "connexion.", "success")
    return redirect(url_for(".agent_list"))


# --- journal (administrators) -------------------------------------------------------------


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
@agent_required("admin")
def journal():
    page = max(1, request.args.get("page", 1, type=int))
    events, total = audit.search(db.session, **_journal_filters(), limit=PAGE_SIZE,
                                 offset=(page - 1) * PAGE_SIZE)
    return render_template("console/journal.html", events=events, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           retention=settings.get(db.session).audit_retention_months,
                           action_form=ActionForm())


@bp.get("/journal.csv")
@agent_required("admin")
def journal_csv():
    events, _total = audit.search(db.session, **_journal_filters(), limit=100_000)
    record("audit.exported", details_count=len(events))
    db.session.commit()
    response = make_response(audit.export_csv(events))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="journal.csv"'
    return response


@bp.post("/journal/conservation")
@agent_required("admin")
def journal_retention():
    months = request.form.get("months", type=int)
    if ActionForm().validate_on_submit():
        if months is None or not 1 <= months <= 36:
            flash("La durée de conservation doit être comprise entre 1 et 36 mois.", "error")
        else:
            settings.get(db.session).audit_retention_months = months
            record("audit.retention_changed", months=months)
            purged = audit.purge(db.session, months)
            db.session.commit()
            flash(f"Conservation : {months} mois ({purged} évènement(s) plus ancien(s) "
                  "supprimé(s)).", "success")
    return redirect(url_for(".journal"))
