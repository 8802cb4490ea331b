"""The host's space ("Bienvenue sur votre tableau de bord") and what it leads to: personal
information, hébergements and classements, documents, news and help."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from plateforme.database import db
from plateforme.limits import limit
from plateforme.routing import TenantBlueprint
from tenants.access.identity import current_host, security_event, sign_in
from tenants.access.rules import host_required
from tenants.collectivite import documents, legal, news, settings, tutorials
from tenants.collectivite.models import Document
from tenants.core import hostdata
from tenants.core.files import download
from tenants.core.forms import ActionForm
from tenants.core.navigation import tour_steps
from tenants.core.pages import get_or_404, with_token, without_token
from tenants.hosts import accounts, profile
from tenants.hosts.forms import (
    ClosureForm,
    EmailChangeForm,
    HebergementEditForm,
    LogoutForm,
    PasswordChangeForm,
    ProfileForm,
    details_data,
)

bp = TenantBlueprint("dashboard", __name__)
GUIDE_FILENAME = "guide-de-la-teledeclaration.pdf"


@bp.get("/tableau-de-bord")
@host_required
def index():
    host = current_host()
    if "_flashes" in session or request.query_string:
        return _dashboard(host)
    # Without a message, the page is made only of the host's data and the collectivité's
    # content: kept with them (`hostdata`), only the session's token put in. Hosts open it
    # first and most, on the 15th above all.
    return with_token(hostdata.kept(db.session, host, "hosts.dashboard",
                                    lambda: without_token(lambda: _dashboard(host))))


def _dashboard(host) -> str:
    return render_template("hosts/host/index.html", host=host,
                           hebergements=hostdata.kept(db.session, host, "hosts.hebergements",
                                                      lambda: _hebergements(host)),
                           news=news.published(db.session, limit=5),
                           tutorials=tutorials.shown(db.session), logout_form=LogoutForm(),
                           tour_steps=[{"anchor": s.anchor, "title": s.title, "text": s.text}
                                       for s in tour_steps()])


@dataclass(frozen=True)
class HebergementLine:
    id: int
    name: str
    address: str
    postal_code: str
    city: str
    nature_label: str
    classement_label: str
    capacity: int


def _hebergements(host) -> tuple[HebergementLine, ...]:
    return tuple(HebergementLine(h.id, h.name, h.address, h.postal_code, h.city, h.nature_label,
                                 h.classement_label, h.capacity) for h in host.hebergements)


# --- the host's account -------------------------------------------------------------------


@bp.route("/mon-compte", methods=["GET", "POST"], endpoint="profile")
@host_required
def profile_page():
    host = current_host()
    form = ProfileForm(obj=None if request.method == "POST" else details_data(host))
    error = None
    if form.validate_on_submit():
        done = db.attempt(_update_profile, host, form.data)
        if done.ok:
            flash("Vos informations sont enregistrées.", "success")
            return redirect(url_for(".profile"))
        error = done.error
    return render_template("hosts/host/profile.html", form=form, error=error,
                           email_form=EmailChangeForm(), password_form=PasswordChangeForm(),
                           host=host)


def _update_profile(host, data) -> None:
    profile.update_details(host, data)
    security_event("profile.updated", host)


@bp.post("/mon-compte/identifiant")
@limit("10 per 15 minutes")
@host_required
def email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        done = db.attempt(_change_email, current_host(), form.current_password.data,
                          form.email.data)
        if done.ok:
            flash("Votre identifiant (courriel) est changé.", "success")
            return redirect(url_for(".profile"))
        return _profile_with(email_form=form, email_error=done.error)
    return _profile_with(email_form=form)


def _change_email(host, current_password: str, new_email: str) -> None:
    profile.change_email(db.session, host, current_password, new_email)
    security_event("profile.email_changed", host)


@bp.post("/mon-compte/mot-de-passe")
@limit("10 per 15 minutes")
@host_required
def password():
    host, collectivite = current_host(), settings.display_name(db.session)
    form = PasswordChangeForm(password_policy=lambda password, _email: accounts.check_password(
        host, password, collectivite))
    if form.validate_on_submit():
        done = db.attempt(_change_password, current_host(), form.current_password.data,
                          form.password.data)
        if done.ok:
            flash("Votre mot de passe est changé. Vos autres sessions sont fermées.",
                  "success")
            return redirect(url_for(".profile"))
        return _profile_with(password_form=form, password_error=done.error)
    return _profile_with(password_form=form)


def _change_password(host, current_password: str, new_password: str) -> None:
    profile.change_password(db.session, host, current_password, new_password,
                            settings.display_name(db.session))
    security_event("profile.password_changed", host)
    # Every session ended, this one included: a new one for this browser only.
    sign_in(host)
    security_event("login.success", host, remember=False)


def _profile_with(**forms):
    host = current_host()
    values = {"email_form": EmailChangeForm(), "password_form": PasswordChangeForm(),
              "form": ProfileForm(obj=details_data(host)), "host": host, "error": None}
    values.update(forms)
    return render_template("hosts/host/profile.html", **values), 400


@bp.route("/hebergements/<int:hebergement_id>", methods=["GET", "POST"])
@host_required
def hebergement(hebergement_id):
    host = current_host()
    item = _own_or_404(hebergement_id)
    form = HebergementEditForm(obj=None if request.method == "POST" else item)
    error = None
    if form.validate_on_submit():
        done = db.attempt(_update_hebergement, host, item, form.data)
        if done.ok:
            flash(f"L'hébergement « {item.name} » est enregistré.", "success")
            return redirect(url_for(".index") + "#mes-hebergements")
        error = done.error
    return render_template("hosts/host/hebergement.html", form=form, item=item, error=error,
                           closure_form=ClosureForm(), action_form=ActionForm())


def _update_hebergement(host, item, data) -> None:
    profile.update_hebergement(item, data)
    security_event("hebergement.updated", host, hebergement_id=item.id)


@bp.post("/hebergements/<int:hebergement_id>/fermetures")
@host_required
def closure_add(hebergement_id):
    item = _own_or_404(hebergement_id)
    form = ClosureForm()
    if form.validate_on_submit():
        done = db.attempt(_add_closure, item, form.starts_on.data, form.ends_on.data)
        flash(done.error or "Fermeture enregistrée.", "error" if done.error else "success")
    else:
        flash("Indiquez les dates de début et de fin de la fermeture.", "error")
    return redirect(url_for(".hebergement", hebergement_id=item.id) + "#fermetures")


def _add_closure(item, starts_on, ends_on) -> None:
    profile.add_closure(db.session, item, starts_on, ends_on)
    security_event("hebergement.closure_added", current_host(), hebergement_id=item.id)


@bp.post("/hebergements/<int:hebergement_id>/fermetures/<int:closure_id>/supprimer")
@host_required
def closure_remove(hebergement_id, closure_id):
    item = _own_or_404(hebergement_id)
    if ActionForm().validate_on_submit():
        done = db.attempt(profile.remove_closure, db.session, item, closure_id)
        flash(done.error or "Fermeture supprimée.", "error" if done.error else "success")
    return redirect(url_for(".hebergement", hebergement_id=item.id) + "#fermetures")


def _own_or_404(hebergement_id: int):
    item = profile.own_hebergement(db.session, current_host(), hebergement_id)
    if item is None:
        abort(404)
    return item


# --- documents and help -------------------------------------------------------------------


@bp.get("/documents")
@host_required
def documents_page():
    return render_template("hosts/host/documents.html",
                           documents=[d for d in documents.ordered(db.session)
                                      if not d.is_guide])


@bp.get(f"/documents/{GUIDE_FILENAME}")
@host_required
def guide():
    uploaded = documents.guide(db.session)
    if uploaded is not None:
        return download(uploaded.content, GUIDE_FILENAME)
    from tenants.hosts.guide import guide_pdf  # fpdf2 loads only to print

    return download(guide_pdf(settings.sender(db.session)), GUIDE_FILENAME)


@bp.get("/documents/<int:document_id>/<filename>")
@host_required
def document(document_id, filename):
    item = get_or_404(Document, document_id)
    if item.filename != filename:
        abort(404)
    return download(item.content, item.filename)


@bp.get("/aide")
@host_required(before_cgu=True)
def help_page():
    """Open before the texts are accepted (whom to call about them); what lies behind the gate
    is offered only once they are."""
    texts_pending = bool(legal.pending(db.session, current_host().id))
    return render_template("hosts/host/help.html", tutorials=tutorials.shown(db.session),
                           texts_pending=texts_pending, support_in_page=True)


@bp.get("/aide/visite-guidee")
@host_required
def tour():
    return render_template("hosts/host/tour.html", steps=tour_steps())


@bp.post("/session/prolonger")
@host_required(before_cgu=True)
def extend_session():
    """The timeout warning's "Rester connecté": any request restarts the idle clock; this one
    only answers, without JavaScript it returns to the page."""
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}
    return redirect(url_for(".index"))
