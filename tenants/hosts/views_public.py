"""The pages a host reaches before logging in: the home page (the seed's login page, with the
collectivité's news and support number), logging in and out, the forgotten password, and
activation ("Activer mon compte")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, session, url_for

from plateforme import jobs
from plateforme.content import remembered
from plateforme.database import db
from plateforme.limits import limit
from plateforme.routing import TenantBlueprint
from tenants.access.identity import (
    current_host,
    device_cookie,
    forget_browser,
    known_device,
    security_event,
    sign_in,
    sign_out,
)
from tenants.access.rules import public, safe_next
from tenants.collectivite import news, settings
from tenants.core.forms import ActionForm
from tenants.core.keys import current_keys
from tenants.core.pages import with_token, without_token
from tenants.core.validation import normalised_email
from tenants.hosts import accounts, activation, profile
from tenants.hosts.forms import (
    AccountDetailsForm,
    ActivationCodeForm,
    CredentialsForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    NewPasswordForm,
    details_data,
)

home = TenantBlueprint("home", __name__)
auth = TenantBlueprint("auth", __name__)
activation_bp = TenantBlueprint("activation", __name__, url_prefix="/activation")
blueprints = (home, auth, activation_bp)

LOGIN_FAILED = ("Identifiant ou mot de passe incorrect. Si votre compte a été créé avant le "
                "1er janvier 2019, vous devez d'abord réinitialiser votre mot de passe avec "
                "« Mot de passe oublié ? ».")


def _home_page(form: LoginForm, error: str | None = None, status: int = 200):
    return render_template("hosts/public/home.html", form=form, error=error,
                           news=news.published(db.session)), status


@home.get("/")
@public
def index():
    if current_host() is not None:
        return redirect(url_for("dashboard.index"))
    if "login_email" in session or "_flashes" in session or request.query_string:
        return _home_page(LoginForm(email=session.pop("login_email", None)))
    return _blank_login_page()


def _blank_login_page() -> str:
    """The login page as every visitor without a message, a prefilled email or a `next` gets
    it: rendered once per change of the collectivité's content (and of the news shown), kept
    in memory, only the session's CSRF token put in. It is most of the collectivité's traffic
    on the 15th."""
    shown = news.published(db.session)
    return with_token(remembered(
        ("login page", tuple(item.id for item in shown)), lambda: without_token(
            lambda: render_template("hosts/public/home.html", form=LoginForm(meta={"csrf": False}),
                                    error=None, news=shown))))


# --- logging in and out -------------------------------------------------------------------


@auth.post("/connexion")
@limit("20 per minute; 100 per hour")
@public
def login_post():
    form = LoginForm()
    if not form.validate_on_submit():
        return _home_page(form, status=400)
    next_page = safe_next(request.args.get("next"))
    outcome = db.attempt(_log_in, form.email.data, form.password.data, form.remember.data).value
    if outcome.wait is not None:
        minutes = max(1, round(outcome.wait.total_seconds() / 60))
        return _home_page(form, status=429, error=(
            f"Trop de tentatives de connexion. Réessayez dans {minutes} minute(s), ou "
            "utilisez « Mot de passe oublié ? »."))
    if outcome.host is None:
        return _home_page(form, error=LOGIN_FAILED)
    return redirect(next_page or url_for("dashboard.index"))


def _log_in(email: str, password: str, remember: bool) -> accounts.LoginOutcome:
    outcome = accounts.authenticate(db.session, current_keys(), email, password, device_cookie())
    if outcome.host is None:
        security_event("login.failure", throttled=outcome.wait is not None)
    else:
        sign_in(outcome.host, remember)
        known_device(outcome.account)
        security_event("login.success", outcome.host, remember=remember)
    return outcome


@auth.post("/deconnexion")
@public
def logout_post():
    if LogoutForm().validate_on_submit():
        if current_host() is not None:
            db.attempt(_log_out, current_host())
        flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("home.index"))


def _log_out(host) -> None:
    sign_out()
    security_event("logout", host)


# --- the forgotten password ---------------------------------------------------------------


@auth.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limit("5 per minute; 20 per hour")
@public
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same work whatever the address: one task queued; it finds the account, if any.
        jobs.enqueue("hosts.reset_requested", email=form.email.data, ip=request.remote_addr)
        return render_template("hosts/public/auth/forgot_sent.html")
    return render_template("hosts/public/auth/forgot.html", form=form)


@auth.get("/reinitialisation/<token>")
@public
def reset_from_link(token):
    """The token leaves the URL at once: it is kept in the session, never in a Referer."""
    session["reset_token"] = token
    return redirect(url_for(".reset"))


@auth.route("/reinitialisation", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@public
def reset():
    max_age = timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    host = accounts.host_for_reset_token(db.session, current_keys(),
                                         session.get("reset_token", ""), max_age)
    if host is None:
        session.pop("reset_token", None)
        return render_template("hosts/public/auth/reset_invalid.html"), 400
    collectivite = settings.display_name(db.session)
    form = NewPasswordForm(password_policy=lambda password, _email: accounts.check_password(
        host, password, collectivite))
    error = None
    if form.validate_on_submit():
        done = db.attempt(_reset, host, form.password.data)
        if done.ok:
            forget_browser()
            session.pop("reset_token", None)
            flash("Votre mot de passe est changé. Connectez-vous avec votre courriel et votre "
                  "nouveau mot de passe.", "success")
            return redirect(url_for("home.index"))
        error = done.error
    return render_template("hosts/public/auth/reset.html", form=form, error=error)


def _reset(host, password: str) -> None:
    accounts.reset_password(db.session, current_keys(), host, password)
    security_event("password_reset.completed", host)


@auth.after_request
def _no_referrer(response):
    """The reset pages never leak their URL (or anything) to another site."""
    if request.endpoint in ("auth.reset_from_link", "auth.reset", "auth.forgot"):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- activation -----------------------------------------------------------------------------


def _pending_code():
    code = activation.pending_code(db.session, session.get("activation_code"))
    if code is None:
        session.pop("activation_code", None)
    return code


@activation_bp.route("/", methods=["GET", "POST"])
@limit("10 per 15 minutes; 30 per day")
@public
def code():
    form = ActivationCodeForm()
    error = None
    if form.validate_on_submit():
        state, found = activation.check_code(db.session, current_keys(), form.code.data)
        if found is not None:
            session["activation_code"] = found.id
            db.attempt(security_event, "activation.code_accepted", found.host)
            return redirect(url_for(".details"))
        db.attempt(security_event, "activation.code_refused", reason=str(state))
        error = activation.CODE_MESSAGES[state]
    return render_template("hosts/public/activation/code.html", form=form, error=error)


@activation_bp.route("/informations", methods=["GET", "POST"])
@public
def details():
    code = _pending_code()
    if code is None:
        return redirect(url_for(".code"))
    host = code.host
    posted = request.method == "POST"
    form = AccountDetailsForm(obj=None if posted else details_data(host, with_hebergements=True))
    error = None
    if form.validate_on_submit():
        done = db.attempt(profile.update_details, host, form.data)
        if done.ok:
            return redirect(url_for(".credentials"))
        error = done.error
    return render_template("hosts/public/activation/details.html", form=form, host=host,
                           error=error)


@activation_bp.post("/retour")
@public
def back():
    """Back to step 1 (a code typed wrongly shows someone else's details): the browser forgets
    the code, so steps 2 and 3 open again only with a code typed anew."""
    if ActionForm().validate_on_submit():
        for key in ("activation_code", "activation_sent_to"):
            session.pop(key, None)
    return redirect(url_for(".code"))


@activation_bp.route("/identifiants", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@public
def credentials():
    code = _pending_code()
    if code is None:
        return redirect(url_for(".code"))
    collectivite = settings.display_name(db.session)
    form = CredentialsForm(password_policy=lambda password, email: accounts.check_password(
        code.host, password, collectivite, email=normalised_email(email)))
    if request.method != "POST" and code.host.email:
        form.email.data = code.host.email
    error = None
    if form.validate_on_submit():
        done = db.attempt(activation.request_activation, db.session, current_keys(), code,
                          form.email.data, form.password.data, collectivite)
        if done.ok:
            session["activation_sent_to"] = done.value
            return redirect(url_for(".sent"))
        error = done.error
    return render_template("hosts/public/activation/credentials.html", form=form,
                           host=code.host, error=error)


@activation_bp.get("/courriel-envoye")
@public
def sent():
    """The same page whatever the address typed: only its mailbox tells more."""
    if _pending_code() is None or "activation_sent_to" not in session:
        return redirect(url_for(".code"))
    email = session["activation_sent_to"]
    config = current_app.config
    outbox = message = None
    if config["ENV_NAME"] == "development" and config["MAIL_BACKEND"] == "file":
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        message = activation.latest_in_outbox(outbox, email)
    return render_template("hosts/public/activation/sent.html", email=email,
                           hours=activation.CONFIRM_HOURS, outbox=outbox, message=message)


@activation_bp.get("/confirmer/<token>")
@public
def confirm_from_link(token):
    """The token leaves the URL at once: it is kept in the session, never in a Referer."""
    session["activation_token"] = token
    return redirect(url_for(".confirm"))


@activation_bp.route("/confirmation", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@public
def confirm():
    """A button, not the link itself, activates: mail scanners that open links change nothing."""
    code = activation.code_for_confirmation(db.session, current_keys(),
                                            session.get("activation_token", ""))
    if code is None:
        session.pop("activation_token", None)
        return render_template("hosts/public/activation/confirm_invalid.html"), 400
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(_activate, code)
        if done.ok:
            for key in ("activation_token", "activation_code", "activation_sent_to"):
                session.pop(key, None)
            # The login page offers the address just confirmed; from the session, never in a
            # URL that a Referer or a history could give away.
            session["login_email"] = code.host.email
            flash("Votre compte est activé. Connectez-vous avec votre courriel et votre "
                  "nouveau mot de passe.", "success")
            return redirect(url_for("home.index"))
        error = done.error
    return render_template("hosts/public/activation/confirm.html", form=form,
                           email=code.pending_email, error=error)


def _activate(code) -> None:
    host = activation.confirm_activation(db.session, code)
    security_event("activation.completed", host)


@activation_bp.after_request
def _activation_no_referrer(response):
    if request.endpoint in ("activation.confirm_from_link", "activation.confirm"):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
