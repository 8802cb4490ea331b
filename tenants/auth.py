"""Logging in and out, and the forgotten password.

One generic failure message, the same whether the email exists or not, and the same work
(a password hash is always verified). It also tells accounts from before 2019 to reset their
password: saying so only to them would reveal which emails have such an account.

The reset email's link is built from the collectivité's primary domain in the registry, never
from the request's Host header. The link is valid one hour at most, once, and dies as soon as
the password, the email or the last login changes. Its token leaves the URL at once (kept in the
session), and the page sends no Referer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from plateforme import mail, tenancy
from plateforme.database import db
from plateforme.limits import limit
from plateforme.provisioning import Platform
from plateforme.routing import TenantBlueprint, tenant_path
from tenants import accounts, hosts, passwords, settings
from tenants.forms import ForgotPasswordForm, LoginForm, LogoutForm, NewPasswordForm
from tenants.hosts import Host
from tenants.identity import (
    current_host,
    keys,
    log_event,
    login,
    logout,
    public,
    safe_next,
)

bp = TenantBlueprint("auth", __name__)

LOGIN_FAILED = ("Identifiant ou mot de passe incorrect. Si votre compte a été créé avant le "
                "1er janvier 2019, vous devez d'abord réinitialiser votre mot de passe avec "
                "« Mot de passe oublié ? ».")


@dataclass
class LoginOutcome:
    host: Host | None = None
    wait: timedelta | None = None


# --- services -----------------------------------------------------------------------------


def authenticate(db_session, keys_: accounts.Keys, email: str, password: str) -> LoginOutcome:
    """The host if `email` and `password` match an account that may log in; otherwise nothing,
    after as much work, and a failure counted against what was typed."""
    key = accounts.throttle_key(keys_, email)
    wait = accounts.blocked_for(db_session, key)
    if wait is not None:
        return LoginOutcome(wait=wait)
    host = hosts.by_email(db_session, email)
    ok = passwords.verify(host.password_hash if host else None, password)
    if ok and host.can_log_in:
        accounts.record_success(db_session, key)
        if passwords.needs_rehash(host.password_hash):
            host.password_hash = passwords.hash_password(password)
        return LoginOutcome(host=host)
    accounts.record_failure(db_session, key)
    return LoginOutcome()


def reset_email(host: Host, link: str, collectivite: str, support_phone: str,
                minutes: int) -> mail.Email:
    phone = (f"Si vous n'arrivez pas à vous connecter, appelez le service technique de votre "
             f"collectivité au {support_phone}." if support_phone else
             "Si vous n'arrivez pas à vous connecter, contactez votre collectivité.")
    text = (
        f"{host.salutation},\n\n"
        f"Vous avez demandé à réinitialiser le mot de passe de votre espace hébergeur de "
        f"{collectivite}.\n\n"
        f"Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {minutes} minutes :\n"
        f"{link}\n\n"
        "Le lien ne sert qu'une fois. Si vous n'êtes pas à l'origine de cette demande, "
        "ignorez ce message : votre mot de passe actuel reste valable.\n\n"
        f"{phone}\n\n{collectivite}\n")
    return mail.Email(to=host.email, subject=f"{collectivite} : réinitialisation de votre mot "
                                             "de passe", text=text, sender_name=collectivite)


def request_reset(db_session, keys_: accounts.Keys, email: str, link_for) -> mail.Email | None:
    """The email to send if `email` belongs to an account that may reset; None otherwise."""
    host = hosts.by_email(db_session, email)
    if host is None or host.disabled_at is not None:
        return None
    token = accounts.reset_token(keys_, host)
    config = current_app.config
    values = settings.get(db_session)
    return reset_email(host, link_for(token), values.display_name,
                       hosts.format_phone(values.support_phone),
                       config["PASSWORD_RESET_MINUTES"])


def reset_password(db_session, host: Host, password: str, collectivite: str) -> None:
    """Set the new password and end every session and remembered browser of the host."""
    passwords.check_policy(password, [host.first_name, host.last_name, host.email or "",
                                      (host.email or "").split("@")[0], host.city,
                                      collectivite])
    host.password_hash = passwords.hash_password(password)
    host.legacy = False
    if host.activated_at is None:
        host.activated_at = accounts.utcnow()
    accounts.end_all_sessions(db_session, host)


# --- pages --------------------------------------------------------------------------------


@bp.post("/connexion")
@limit("20 per minute; 100 per hour")
@public
def login_post():
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form, status=400)
    outcome = authenticate(db.session, keys(), form.email.data, form.password.data)
    if outcome.host is None:
        db.session.commit()
        log_event("login.failure", throttled=outcome.wait is not None)
        if outcome.wait is not None:
            minutes = max(1, round(outcome.wait.total_seconds() / 60))
            message = (f"Trop de tentatives de connexion. Réessayez dans {minutes} minute(s), "
                       "ou utilisez « Mot de passe oublié ? ».")
            return _login_page(form, error=message, status=429)
        return _login_page(form, error=LOGIN_FAILED, status=200)
    next_page = safe_next(request.args.get("next"))
    login(outcome.host, remember=form.remember.data)
    return redirect(next_page or url_for("dashboard.index"))


def _login_page(form, error=None, status=200):
    from tenants.home import home_page

    return home_page(form, error=error), status


@bp.post("/deconnexion")
@public
def logout_post():
    form = LogoutForm()
    if form.validate_on_submit():
        if current_host() is not None:
            logout()
        flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("home.index"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limit("5 per minute; 20 per hour")
@public
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = request_reset(db.session, keys(), form.email.data, _reset_link)
        if email is not None:
            mail.send(email)
            log_event("password_reset.requested")
        # Same page, same words, whether or not the account exists.
        return render_template("tenants/auth/forgot_sent.html")
    return render_template("tenants/auth/forgot.html", form=form)


def _reset_link(token: str) -> str:
    """On the collectivité's own primary domain, whatever Host the request came with."""
    tenant = tenancy.current_tenant()
    platform = Platform.from_config(current_app.config)
    return platform.url(tenant.primary_host,
                        tenant_path(current_app, "auth.reset_from_link", token=token))


@bp.get("/reinitialisation/<token>")
@public
def reset_from_link(token):
    session["reset_token"] = token
    return redirect(url_for(".reset"))


@bp.route("/reinitialisation", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@public
def reset():
    max_age = timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    host = accounts.host_for_reset_token(db.session, keys(), session.get("reset_token", ""),
                                         max_age)
    if host is None:
        session.pop("reset_token", None)
        return render_template("tenants/auth/reset_invalid.html"), 400
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        error = db.attempt(reset_password, db.session, host, form.password.data,
                           settings.get(db.session).display_name)
        if error is None:
            log_event("password_reset.completed", host)
            if current_host() is not None:
                session.clear()
                g.host = None
            session.pop("reset_token", None)
            g.remember_cookie = ""
            flash("Votre mot de passe est changé. Connectez-vous avec votre courriel et votre "
                  "nouveau mot de passe.", "success")
            return redirect(url_for("home.index"))
    return render_template("tenants/auth/reset.html", form=form, error=error)


@bp.after_request
def _no_referrer(response):
    """The reset pages never leak their URL (or anything) to another site."""
    if request.endpoint in ("auth.reset_from_link", "auth.reset", "auth.forgot"):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response

