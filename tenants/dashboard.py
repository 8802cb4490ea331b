"""The host's dashboard ("Bienvenue sur votre tableau de bord") and what it leads to: personal
information, hébergements and classements, documents, news and help."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.limits import limit
from plateforme.provisioning import Platform
from plateforme.routing import TenantBlueprint
from plateforme.tenancy import current_tenant
from tenants import accounts, activation, documents, help, hosts, news, passwords, settings
from tenants.forms import (
    EmailChangeForm,
    HebergementEditForm,
    LogoutForm,
    PasswordChangeForm,
    ProfileForm,
)
from tenants.hosts import Hebergement, Host
from tenants.identity import current_host, host_required, log_event, login

bp = TenantBlueprint("dashboard", __name__)


# --- services -----------------------------------------------------------------------------


def change_email(db_session, host: Host, current_password: str, new_email: str) -> None:
    """Re-authenticate, then change the login email (UserError otherwise, nothing changed)."""
    if not passwords.verify(host.password_hash, current_password):
        raise UserError("Mot de passe actuel incorrect.")
    email = hosts.parse_email(new_email)
    if email is None:
        raise UserError("Indiquez la nouvelle adresse électronique.")
    if hosts.email_taken(db_session, email, except_host=host):
        raise UserError("Cette adresse électronique est déjà utilisée par un autre compte.")
    host.email = email


def change_password(db_session, host: Host, current_password: str, new_password: str,
                    collectivite: str) -> None:
    """Re-authenticate, then set the password and end every other session of the host."""
    if not passwords.verify(host.password_hash, current_password):
        raise UserError("Mot de passe actuel incorrect.")
    passwords.check_policy(new_password, [host.first_name, host.last_name, host.email or "",
                                          (host.email or "").split("@")[0], host.city,
                                          collectivite])
    host.password_hash = passwords.hash_password(new_password)
    accounts.end_all_sessions(db_session, host)


def own_hebergement(host: Host, hebergement_id: int) -> Hebergement:
    """Only the host's own hébergements: anything else is a 404, whoever owns it."""
    hebergement = db.session.get(Hebergement, hebergement_id)
    if hebergement is None or hebergement.host_id != host.id:
        abort(404)
    return hebergement


# --- pages --------------------------------------------------------------------------------


@bp.get("/tableau-de-bord")
@host_required
def index():
    return render_template("tenants/dashboard/index.html", host=current_host(),
                           news=news.published(db.session, limit=5),
                           tutorials=help.tutorials(db.session), logout_form=LogoutForm(),
                           tour_steps=[{"anchor": a, "title": t, "text": x}
                                       for a, t, x in help.TOUR])


@bp.route("/mon-compte", methods=["GET", "POST"])
@host_required
def profile():
    host = current_host()
    form = ProfileForm(obj=None if _posted() else activation.details_data(host))
    error = None
    if form.validate_on_submit():
        error = db.attempt(activation.update_details, host, form.data)
        if error is None:
            log_event("profile.updated", host)
            flash("Vos informations sont enregistrées.", "success")
            return redirect(url_for(".profile"))
    return render_template("tenants/dashboard/profile.html", form=form, error=error,
                           email_form=EmailChangeForm(), password_form=PasswordChangeForm(),
                           host=host)


@bp.post("/mon-compte/identifiant")
@limit("10 per 15 minutes")
@host_required
def email():
    host = current_host()
    form = EmailChangeForm()
    error = None
    if form.validate_on_submit():
        error = db.attempt(change_email, db.session, host, form.current_password.data,
                           form.email.data)
        if error is None:
            log_event("profile.email_changed", host)
            flash("Votre identifiant (courriel) est changé.", "success")
            return redirect(url_for(".profile"))
    return _profile_with(email_form=form, email_error=error)


@bp.post("/mon-compte/mot-de-passe")
@limit("10 per 15 minutes")
@host_required
def password():
    host = current_host()
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        error = db.attempt(change_password, db.session, host, form.current_password.data,
                           form.password.data, settings.get(db.session).display_name)
        if error is None:
            log_event("profile.password_changed", host)
            # Every session ended, this one included: open a new one for this browser only.
            login(host, remember=False)
            flash("Votre mot de passe est changé. Vos autres sessions sont fermées.",
                  "success")
            return redirect(url_for(".profile"))
    return _profile_with(password_form=form, password_error=error)


def _profile_with(**forms):
    host = current_host()
    values = {"email_form": EmailChangeForm(), "password_form": PasswordChangeForm(),
              "form": ProfileForm(obj=activation.details_data(host)), "host": host,
              "error": None}
    values.update(forms)
    return render_template("tenants/dashboard/profile.html", **values), 400


@bp.route("/hebergements/<int:hebergement_id>", methods=["GET", "POST"])
@host_required
def hebergement(hebergement_id):
    host = current_host()
    item = own_hebergement(host, hebergement_id)
    form = HebergementEditForm(obj=None if _posted() else item)
    error = None
    if form.validate_on_submit():
        error = db.attempt(activation.update_hebergement, item, form.data)
        if error is None:
            log_event("hebergement.updated", host, hebergement_id=item.id)
            flash(f"L'hébergement « {item.name} » est enregistré.", "success")
            return redirect(url_for(".index") + "#mes-hebergements")
    return render_template("tenants/dashboard/hebergement.html", form=form, item=item,
                           error=error)


@bp.get("/documents")
@host_required
def documents_page():
    return render_template("tenants/dashboard/documents.html",
                           documents=[d for d in documents.ordered(db.session)
                                      if not d.is_guide])


@bp.get("/documents/guide-de-la-teledeclaration.pdf")
@host_required
def guide():
    from tenants import pdf

    uploaded = documents.guide(db.session)
    if uploaded is not None:
        return _pdf_response(uploaded.content, "guide-de-la-teledeclaration.pdf")
    values = settings.get(db.session)
    platform = Platform.from_config(current_app.config)
    sender = pdf.Sender(name=values.display_name,
                        support_phone=hosts.format_phone(values.support_phone),
                        home_url=platform.url(current_tenant().primary_host),
                        logo_png=values.logo_png)
    return _pdf_response(pdf.guide_pdf(sender), "guide-de-la-teledeclaration.pdf")


@bp.get("/documents/<int:document_id>/<filename>")
@host_required
def document(document_id, filename):
    item = db.session.get(documents.Document, document_id)
    if item is None or item.filename != filename:
        abort(404)
    return _pdf_response(item.content, item.filename)


def _pdf_response(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/aide")
@host_required
def help_page():
    return render_template("tenants/dashboard/help.html", tutorials=help.tutorials(db.session))


@bp.get("/aide/visite-guidee")
@host_required
def tour():
    return render_template("tenants/dashboard/tour.html", steps=help.TOUR)


@bp.post("/session/prolonger")
@host_required(before_cgu=True)
def extend_session():
    """The timeout warning's "Rester connecté": any request restarts the idle clock; this one
    only answers, without JavaScript it returns to the page."""
    from flask import request

    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}
    return redirect(url_for(".index"))


def _posted() -> bool:
    from flask import request

    return request.method == "POST"


