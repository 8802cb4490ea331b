"""The console's door and its people: login (password, then the second factor enrolled at the
first login), the invitation that lets a new agent choose a password, logout; and the
administrators' page of agents (invite, roles, disable, second factor)."""

from __future__ import annotations

import time

from flask import abort, flash, redirect, render_template, request, session, url_for

from plateforme.database import db
from plateforme.limits import limit
from plateforme.routing import TenantBlueprint
from tenants.access.identity import (
    actor,
    current_agent,
    device_cookie,
    known_device,
    record,
    sign_in,
    sign_out,
)
from tenants.access.rules import Role, agent_required, console_step, safe_next
from tenants.access.throttle import record_success
from tenants.agents import accounts, totp
from tenants.agents.forms import (
    AgentLoginForm,
    EnrolForm,
    InviteForm,
    NewPasswordForm,
    RoleForm,
    TotpForm,
)
from tenants.agents.models import Agent
from tenants.collectivite import settings
from tenants.core.dates import paris_today
from tenants.core.files import download
from tenants.core.forms import ActionForm
from tenants.core.french import elide
from tenants.core.keys import current_keys
from tenants.core.pages import get_or_404

auth = TenantBlueprint("console_auth", __name__, url_prefix="/admin")
people = TenantBlueprint("console_agents", __name__, url_prefix="/admin")
blueprints = (auth, people)

PENDING_SECONDS = 300
LOGIN_FAILED = "Courriel, mot de passe ou code incorrect."


def _pending() -> Agent | None:
    """The agent who gave a right password in the last five minutes, second factor pending."""
    pending = session.get("agent_pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("agent_pending", None)
        return None
    agent = db.session.get(Agent, pending.get("id"))
    return agent if agent is not None and agent.can_log_in else None


@auth.route("/connexion", methods=["GET", "POST"])
@limit("20 per minute; 100 per hour")
@console_step
def login():
    if current_agent() is not None:
        return redirect(url_for("console.index"))
    form = AgentLoginForm()
    error = None
    if form.validate_on_submit():
        outcome = db.attempt(_password_step, form.email.data, form.password.data).value
        if outcome.agent is not None:
            session["agent_pending"] = {"id": outcome.agent.id, "at": time.time(),
                                        "next": safe_next(request.args.get("next"))}
            if outcome.agent.totp_enabled_at is None:
                return redirect(url_for(".enrol"))
            return redirect(url_for(".verify"))
        error = ("Trop de tentatives : réessayez plus tard." if outcome.wait is not None
                 else LOGIN_FAILED)
    return render_template("agents/console/login.html", form=form, error=error)


def _password_step(email: str, password: str) -> accounts.LoginOutcome:
    outcome = accounts.check_password(db.session, current_keys(), email, password,
                                      device_cookie())
    if outcome.agent is None:
        record("console.login_failure", target=email[:200])
    return outcome


@auth.route("/verification", methods=["GET", "POST"])
@limit("10 per minute; 50 per hour")
@console_step
def verify():
    agent = _pending()
    if agent is None or agent.totp_enabled_at is None:
        return redirect(url_for(".login"))
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        next_page = db.attempt(_second_factor, agent, form.code.data).value
        if next_page is not None:
            return redirect(next_page)
        error = LOGIN_FAILED
    return render_template("agents/console/verify.html", form=form, error=error)


def _second_factor(agent: Agent, code: str) -> str | None:
    if accounts.check_second_factor(db.session, current_keys(), agent, code, device_cookie()):
        return _finish_login(agent)
    record("console.second_factor_failure", target=agent.email)
    return None


@auth.route("/double-authentification", methods=["GET", "POST"])
@limit("10 per minute")
@console_step
def enrol():
    agent = _pending()
    if agent is None or agent.totp_enabled_at is not None:
        return redirect(url_for(".login"))
    form = EnrolForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(_confirm_enrolment, agent, form.code.data)
        if done.ok:
            codes, next_page = done.value
            return render_template("agents/console/recovery_codes.html", codes=codes,
                                   next=next_page)
        error = done.error
    elif not agent.totp_secret:
        db.attempt(totp.start_enrolment, agent)  # kept across reloads until a code confirms it
    uri = totp.provisioning_uri(agent, f"taxesejour {settings.display_name(db.session)}")
    return render_template("agents/console/enrol.html", form=form, error=error,
                           qr=totp.qr_svg(uri), secret=agent.totp_secret)


def _confirm_enrolment(agent: Agent, code: str) -> tuple[list[str], str]:
    codes = totp.confirm_enrolment(db.session, current_keys(), agent, code)
    record("console.second_factor_enrolled", target=agent.email)
    return codes, _finish_login(agent)


def _finish_login(agent: Agent) -> str:
    """Open the console session (in the caller's transaction); returns where to go."""
    next_page = (session.get("agent_pending") or {}).get("next")
    spent = accounts.budget(current_keys(), agent.email, device_cookie())
    record_success(db.session, spent.key)
    sign_in(agent)
    known_device(spent.account)
    record("console.login_success", target=agent.email)
    return next_page or url_for("console.index")


@auth.post("/codes-de-secours/<kind>")
@agent_required()
def recovery_codes_copy(kind):
    """The codes just shown, as a .txt file or a page to print. They come back in the form
    (the server keeps only their digests) and are echoed only if they are the agent's own
    unused codes: nothing makes them retrievable later."""
    if kind not in ("fichier", "impression"):
        abort(404)
    agent = current_agent()
    typed = request.form.getlist("code")[:totp.RECOVERY_CODES]
    if not ActionForm().validate_on_submit() \
            or not totp.are_unused_recovery_codes(db.session, current_keys(), agent, typed):
        flash("Ces codes de secours ne sont plus valables : un administrateur peut "
              "réinitialiser votre double authentification pour en obtenir de nouveaux.",
              "error")
        return redirect(url_for("console.index"))
    values = {"codes": typed, "agent": agent, "on": paris_today(),
              "collectivite": settings.display_name(db.session)}
    if kind == "impression":
        return render_template("agents/console/recovery_codes_print.html", **values)
    text = render_template("agents/console/recovery_codes.txt", **values)
    return download(text.replace("\n", "\r\n").encode(), "codes-de-secours.txt")


@auth.post("/deconnexion")
@console_step
def logout():
    if ActionForm().validate_on_submit() and current_agent() is not None:
        db.attempt(_log_out, current_agent())
    return redirect(url_for(".login"))


def _log_out(agent: Agent) -> None:
    record("console.logout", target=agent.email)
    sign_out()


@auth.post("/session/prolonger")
@agent_required()
def extend_session():
    """The timeout warning's "Rester connecté(e)" (static/js/session.js): this request restarts
    the agent's idle clock, as any would; without JavaScript it returns to the console."""
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}
    return redirect(url_for("console.index"))


@auth.route("/invitation/<token>", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@console_step
def invitation(token):
    agent = accounts.agent_for_invitation(db.session, current_keys(), token)
    if agent is None:
        return render_template("agents/console/invitation_invalid.html"), 400
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(_accept_invitation, agent, form.password.data)
        if done.ok:
            session.clear()
            session["agent_pending"] = {"id": agent.id, "at": time.time()}
            return redirect(url_for(".enrol"))
        error = done.error
    return render_template("agents/console/invitation.html", form=form, error=error,
                           agent=agent)


def _accept_invitation(agent: Agent, password: str) -> None:
    accounts.accept_invitation(db.session, current_keys(), agent, password,
                               settings.display_name(db.session))
    record("console.invitation_accepted", target=agent.email)


@auth.after_request
def _no_referrer(response):
    if request.endpoint == "console_auth.invitation":
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- agents (administrators) --------------------------------------------------------------

admin_only = agent_required(Role.ADMINISTRATEUR)


@people.route("/agents", methods=["GET", "POST"])
@admin_only
def agent_list():
    form = InviteForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(accounts.invite, db.session, current_keys(), form.name.data,
                          form.email.data, form.role.data, current_agent(), actor())
        if done.ok:
            flash(f"Invitation envoyée à {form.email.data}.", "success")
            return redirect(url_for(".agent_list"))
        error = done.error
    return render_template("agents/console/agents.html",
                           agents=accounts.all_agents(db.session), form=form, error=error,
                           role_form=RoleForm(), action_form=ActionForm())


@people.post("/agents/<int:agent_id>/role")
@admin_only
def agent_role(agent_id):
    agent = get_or_404(Agent, agent_id)
    form = RoleForm()
    if form.validate_on_submit():
        done = db.attempt(accounts.set_role, db.session, agent, form.role.data, current_agent(),
                          actor())
        flash(done.error or f"{agent.name} est désormais {agent.role_noun}.",
              "error" if done.error else "success")
    return redirect(url_for(".agent_list"))


@people.post("/agents/<int:agent_id>/desactiver")
@admin_only
def agent_disable(agent_id):
    agent = get_or_404(Agent, agent_id)
    if ActionForm().validate_on_submit():
        done = db.attempt(accounts.disable, db.session, agent, current_agent(), actor())
        flash(done.error or elide("Le compte de", agent.name)
              + " est désactivé ; ses sessions sont fermées.",
              "error" if done.error else "success")
    return redirect(url_for(".agent_list"))


@people.post("/agents/<int:agent_id>/reactiver")
@admin_only
def agent_enable(agent_id):
    agent = get_or_404(Agent, agent_id)
    if ActionForm().validate_on_submit():
        db.attempt(accounts.enable, db.session, agent, actor())
        flash(elide("Le compte de", agent.name) + " est réactivé.", "success")
    return redirect(url_for(".agent_list"))


@people.post("/agents/<int:agent_id>/double-authentification")
@admin_only
def agent_reset_second_factor(agent_id):
    agent = get_or_404(Agent, agent_id)
    if ActionForm().validate_on_submit():
        db.attempt(accounts.reset_second_factor, db.session, agent, actor())
        flash(f"{agent.name} configurera de nouveau la double authentification à sa prochaine "
              "connexion.", "success")
    return redirect(url_for(".agent_list"))
