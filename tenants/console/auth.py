"""Console login: password, then the second factor (enrolled at the first login), and the
invitation that lets a new agent choose a password."""

from __future__ import annotations

import time

from flask import current_app, redirect, render_template, request, session, url_for

from plateforme import mail
from plateforme.database import db
from plateforme.errors import UserError
from plateforme.limits import limit
from plateforme.provisioning import Platform
from plateforme.routing import TenantBlueprint, tenant_path
from plateforme.tenancy import current_tenant
from tenants import accounts, agents, passwords, settings
from tenants.console.access import console_step, current_agent, record, start_session
from tenants.console.forms import AgentLoginForm, NewPasswordForm, TotpForm
from tenants.identity import keys, safe_next

bp = TenantBlueprint("console_auth", __name__, url_prefix="/admin")

PENDING_SECONDS = 300
LOGIN_FAILED = "Courriel, mot de passe ou code incorrect."


def _pending() -> agents.Agent | None:
    """The agent who gave a right password in the last five minutes, second factor pending."""
    pending = session.get("agent_pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("agent_pending", None)
        return None
    agent = db.session.get(agents.Agent, pending.get("id"))
    return agent if agent is not None and agent.can_log_in else None


def _throttle_key(email: str) -> str:
    return accounts.throttle_key(keys(), "agent:" + (email or ""))


@bp.route("/connexion", methods=["GET", "POST"])
@limit("20 per minute; 100 per hour")
@console_step
def login():
    if current_agent() is not None:
        return redirect(url_for("console.index"))
    form = AgentLoginForm()
    error = None
    if form.validate_on_submit():
        key = _throttle_key(form.email.data)
        wait = accounts.blocked_for(db.session, key)
        agent = agents.by_email(db.session, form.email.data)
        ok = passwords.verify(agent.password_hash if agent else None, form.password.data)
        if wait is None and ok and agent.can_log_in:
            session["agent_pending"] = {"id": agent.id, "at": time.time(),
                                        "next": safe_next(request.args.get("next"))}
            db.session.commit()
            if agent.totp_enabled_at is None:
                return redirect(url_for(".enrol"))
            return redirect(url_for(".verify"))
        if wait is None:
            accounts.record_failure(db.session, key)
        record("console.login_failure", target=form.email.data[:200])
        db.session.commit()
        error = ("Trop de tentatives : réessayez plus tard." if wait is not None
                 else LOGIN_FAILED)
    return render_template("console/login.html", form=form, error=error)


@bp.route("/verification", methods=["GET", "POST"])
@limit("10 per minute; 50 per hour")
@console_step
def verify():
    agent = _pending()
    if agent is None or agent.totp_enabled_at is None:
        return redirect(url_for(".login"))
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        key = _throttle_key(agent.email)
        if accounts.blocked_for(db.session, key) is None and (
                agents.check_totp(agent, form.code.data)
                or agents.use_recovery_code(db.session, keys(), agent, form.code.data)):
            return redirect(_finish_login(agent))
        accounts.record_failure(db.session, key)
        record("console.second_factor_failure", target=agent.email)
        db.session.commit()
        error = LOGIN_FAILED
    return render_template("console/verify.html", form=form, error=error)


@bp.route("/double-authentification", methods=["GET", "POST"])
@limit("10 per minute")
@console_step
def enrol():
    agent = _pending()
    if agent is None or agent.totp_enabled_at is not None:
        return redirect(url_for(".login"))
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = agents.confirm_enrolment(db.session, keys(), agent, form.code.data)
        except UserError as exc:
            db.session.rollback()
            error = exc.message
        else:
            record("console.second_factor_enrolled", target=agent.email)
            return render_template("console/recovery_codes.html", codes=codes,
                                   next=_finish_login(agent))
    elif not agent.totp_secret:
        agents.start_enrolment(agent)  # kept across reloads until a first code confirms it
        db.session.commit()
    uri = agents.provisioning_uri(agent, f"taxesejour {settings.get(db.session).display_name}")
    return render_template("console/enrol.html", form=form, error=error,
                           qr=agents.qr_svg(uri), secret=agent.totp_secret)


def _finish_login(agent: agents.Agent) -> str:
    """Open the console session (one transaction with the audit row); returns where to go."""
    next_page = (session.get("agent_pending") or {}).get("next")
    accounts.record_success(db.session, _throttle_key(agent.email))
    start_session(agent)
    agent.last_login_at = accounts.utcnow()
    record("console.login_success", target=agent.email)
    db.session.commit()
    return next_page or url_for("console.index")


@bp.post("/deconnexion")
@console_step
def logout():
    from tenants.console.forms import ActionForm

    if ActionForm().validate_on_submit() and current_agent() is not None:
        record("console.logout", target=current_agent().email)
        agents.end_session(db.session, keys(), session.get("agent_auth"))
        db.session.commit()
        session.clear()
    return redirect(url_for(".login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@console_step
def invitation(token):
    agent = agents.agent_for_invitation(db.session, keys(), token)
    if agent is None:
        return render_template("console/invitation_invalid.html"), 400
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        error = db.attempt(agents.set_password, db.session, agent, form.password.data,
                           settings.get(db.session).display_name)
        if error is None:
            record("console.invitation_accepted", target=agent.email)
            session.clear()
            session["agent_pending"] = {"id": agent.id, "at": time.time()}
            db.session.commit()
            return redirect(url_for(".enrol"))
    return render_template("console/invitation.html", form=form, error=error, agent=agent)


@bp.after_request
def _no_referrer(response):
    if request.endpoint == "console_auth.invitation":
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def invitation_email(agent: agents.Agent, by_name: str) -> mail.Email:
    """The invitation, with a link on the collectivité's primary domain."""
    tenant = current_tenant()
    platform = Platform.from_config(current_app.config)
    path = tenant_path(current_app, "console_auth.invitation",
                       token=agents.invitation_token(keys(), agent))
    link = platform.url(tenant.primary_host, path)
    name = settings.get(db.session).display_name
    text = (f"Bonjour {agent.name},\n\n{by_name} vous invite à rejoindre la console de "
            f"{name} sur la plateforme de la taxe de séjour, en tant que "
            f"{agent.role_label.lower()}.\n\nPour choisir votre mot de passe, ouvrez ce lien "
            f"dans les {agents.INVITATION_DAYS} jours (il ne sert qu'une fois) :\n{link}\n\n"
            "Vous configurerez ensuite la double authentification avec une application "
            "d'authentification (FreeOTP, Google Authenticator, Microsoft Authenticator…).\n")
    return mail.Email(to=agent.email, subject=f"{name} : invitation à la console",
                      text=text, sender_name=name)
