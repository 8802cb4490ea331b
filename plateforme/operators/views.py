"""The operators' door (login: password, then the second factor, enrolled at the first login
after the invitation; logout) and shell (home, journal, the operators' accounts)."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from wtforms.fields.choices import SelectChoice

from plateforme.database import db
from plateforme.limits import limit
from plateforme.operators import accounts, journal, security
from plateforme.operators.access import (
    COOKIE_KEY,
    current_operator,
    keys,
    operator_required,
    operator_step,
    policy,
    safe_next,
    set_current,
)
from plateforme.operators.forms import (
    ActionForm,
    EnrolForm,
    JournalFilterForm,
    LoginForm,
    NewPasswordForm,
    TotpForm,
)
from plateforme.operators.models import Operator
from plateforme.operators.navigation import PREFIX
from plateforme.registry import utcnow
from plateforme.routing import PlatformBlueprint

auth = PlatformBlueprint("operators_auth", __name__, url_prefix=PREFIX)
shell = PlatformBlueprint("operators", __name__, url_prefix=PREFIX)
blueprints = (auth, shell)

PENDING_KEY = "operator_pending"
PENDING_SECONDS = 300
LOGIN_FAILED = "Courriel, mot de passe ou code incorrect."
TOO_MANY = "Trop de tentatives : réessayez plus tard."
DEVICE_COOKIE = "operator_device"


def _device_cookie() -> str | None:
    return request.cookies.get(DEVICE_COOKIE)


def _pending() -> Operator | None:
    """The operator who gave a right password in the last five minutes, second factor
    pending."""
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    operator = db.session.get(Operator, pending.get("id"))
    return operator if operator is not None and operator.can_log_in else None


@auth.route("/connexion", methods=["GET", "POST"])
@limit("20 per minute; 100 per hour")
@operator_step
def login():
    if current_operator() is not None:
        return redirect(url_for("operators.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        outcome = db.attempt(accounts.check_password, db.session, keys(), form.email.data,
                             form.password.data, _device_cookie()).value
        if outcome.operator is not None:
            session[PENDING_KEY] = {"id": outcome.operator.id, "at": time.time(),
                                    "next": safe_next(request.args.get("next"))}
            if outcome.operator.totp_enabled_at is None:
                return redirect(url_for(".enrol"))
            return redirect(url_for(".verify"))
        error = TOO_MANY if outcome.wait is not None else LOGIN_FAILED
    return render_template("operators/login.html", form=form, error=error)


@auth.route("/verification", methods=["GET", "POST"])
@limit("10 per minute; 50 per hour")
@operator_step
def verify():
    operator = _pending()
    if operator is None or operator.totp_enabled_at is None:
        return redirect(url_for(".login"))
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        next_page = db.attempt(_second_factor, operator, form.code.data).value
        if next_page is not None:
            return redirect(next_page)
        error = LOGIN_FAILED
    return render_template("operators/verify.html", form=form, error=error)


def _second_factor(operator: Operator, code: str) -> str | None:
    if accounts.check_second_factor(db.session, keys(), operator, code, _device_cookie()):
        return _finish_login(operator)
    return None


@auth.route("/double-authentification", methods=["GET", "POST"])
@limit("10 per minute")
@operator_step
def enrol():
    operator = _pending()
    if operator is None or operator.totp_enabled_at is not None:
        return redirect(url_for(".login"))
    form = EnrolForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(_confirm_enrolment, operator, form.code.data)
        if done.ok:
            codes, next_page = done.value
            return render_template("operators/recovery_codes.html", codes=codes,
                                   next=next_page)
        error = done.error
    elif not operator.totp_secret:
        db.attempt(accounts.start_enrolment, operator)  # kept across reloads until confirmed
    return render_template("operators/enrol.html", form=form, error=error,
                           qr=security.qr_svg(security.provisioning_uri(operator)),
                           secret=operator.totp_secret)


def _confirm_enrolment(operator: Operator, code: str) -> tuple[list[str], str]:
    codes = accounts.confirm_enrolment(db.session, keys(), operator, code)
    return codes, _finish_login(operator)


def _finish_login(operator: Operator) -> str:
    """Open the session (in the caller's transaction): a fresh cookie content, so a session
    id planted before the login is worthless; returns where to go."""
    next_page = (session.get(PENDING_KEY) or {}).get("next")
    session.clear()
    # Flask-WTF caches the request's token: the page rendered next gets the new session's.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    session[COOKIE_KEY] = security.open_session(db.session, keys(), operator, policy())
    operator.last_login_at = utcnow()
    g.operator_device = security.known_device_cookie(keys(), operator.email)
    set_current(operator)
    journal.record(db.session, "operator.login", operator=operator)
    return next_page or url_for("operators.home")


@auth.post("/deconnexion")
@operator_step
def logout():
    operator = current_operator()
    if ActionForm().validate_on_submit() and operator is not None:
        db.attempt(_log_out, operator)
    return redirect(url_for(".login"))


def _log_out(operator: Operator) -> None:
    journal.record(db.session, "operator.logout", operator=operator)
    security.end_session(db.session, keys(), session.get(COOKIE_KEY))
    session.clear()
    set_current(None)


@auth.route("/invitation/<token>", methods=["GET", "POST"])
@limit("10 per 15 minutes")
@operator_step
def invitation(token):
    operator = accounts.operator_for_invitation(db.session, keys(), token)
    if operator is None:
        return render_template("operators/invitation_invalid.html"), 400
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        done = db.attempt(accounts.accept_invitation, db.session, keys(), operator,
                          form.password.data)
        if done.ok:
            session.clear()
            session[PENDING_KEY] = {"id": operator.id, "at": time.time()}
            return redirect(url_for(".enrol"))
        error = done.error
    return render_template("operators/invitation.html", form=form, error=error,
                           operator=operator)


@auth.after_request
def _auth_cookies(response):
    if request.endpoint == "operators_auth.invitation":
        response.headers["Referrer-Policy"] = "no-referrer"
    device = g.get("operator_device")
    if device:
        response.set_cookie(DEVICE_COOKIE, device,
                            max_age=int(security.KNOWN_DEVICE_AGE.total_seconds()),
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Strict", path=PREFIX + "/")
    return response


# --- the shell ------------------------------------------------------------------------------


@shell.get("/")
@operator_required()
def home():
    return render_template("operators/home.html",
                           recent=journal.entries(db.session, per_page=10).entries)


@shell.get("/journal", endpoint="journal")
@operator_required()
def journal_page():
    form = JournalFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(code, code) for code in journal.actions_seen(db.session)]
    page = request.args.get("page", 1, type=int)
    found = journal.entries(db.session, collectivite=(form.collectivite.data or "").strip(),
                            operator=(form.operator.data or "").strip(),
                            action=form.action.data or None, page=page)
    filters = {k: v for k, v in request.args.items() if k in ("collectivite", "operator",
                                                              "action") and v}
    return render_template("operators/journal.html", form=form, found=found, filters=filters)


@shell.get("/comptes", endpoint="accounts")
@operator_required()
def accounts_page():
    return render_template("operators/accounts.html",
                           operators=accounts.all_operators(db.session), action_form=ActionForm())


@shell.post("/comptes/<int:operator_id>/desactiver")
@operator_required("operateur")
def disable(operator_id):
    operator = db.session.get(Operator, operator_id) or abort(404)
    if ActionForm().validate_on_submit():
        done = db.attempt(accounts.disable, db.session, operator, current_operator())
        flash(done.error or f"Le compte {operator.email} est désactivé ; ses sessions sont "
              "fermées.", "error" if done.error else "success")
    return redirect(url_for(".accounts"))
