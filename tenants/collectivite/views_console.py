"""What administrators configure in the console: settings and branding, news, the CGU and the
privacy policy, documents and tutorials for hosts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants.access.identity import actor
from tenants.access.rules import Role, agent_required
from tenants.collectivite import (
    accessibility,
    branding,
    documents,
    legal,
    news,
    settings,
    tutorials,
)
from tenants.collectivite.forms import (
    AccessibilityForm,
    DocumentForm,
    LegalForm,
    LogoForm,
    NewsForm,
    SettingsForm,
    TutorialForm,
)
from tenants.collectivite.models import Document, NewsItem, Tutorial
from tenants.core.dates import to_paris
from tenants.core.forms import ActionForm
from tenants.core.markdown import render_markdown
from tenants.core.pages import enum_or_404, get_or_404

bp = TenantBlueprint("console_content", __name__, url_prefix="/admin")
admin_only = agent_required(Role.ADMINISTRATEUR)


def _flash(done, success: str) -> None:
    flash(done.error or success, "error" if done.error else "success")


# --- settings -----------------------------------------------------------------------------


@bp.route("/parametres", methods=["GET", "POST"])
@admin_only
def settings_page():
    values = settings.get(db.session)
    form = SettingsForm() if request.method == "POST" else SettingsForm.of(values)
    error = None
    if form.validate_on_submit():
        done = db.attempt(settings.update, db.session, form.data, actor())
        if done.ok:
            flash("Paramètres enregistrés.", "success")
            return redirect(url_for(".settings_page"))
        error = done.error
    return render_template("collectivite/console/settings.html", form=form, error=error,
                           values=values, logo_form=LogoForm(), action_form=ActionForm())


@bp.post("/parametres/logo")
@admin_only
def logo_upload():
    if LogoForm().validate_on_submit():
        upload = request.files.get("logo")
        data = upload.read(branding.MAX_LOGO_BYTES + 1) if upload else b""
        _flash(db.attempt(settings.set_logo, db.session, data, actor()), "Logo enregistré.")
    return redirect(url_for(".settings_page"))


@bp.post("/parametres/logo/supprimer")
@admin_only
def logo_delete():
    if ActionForm().validate_on_submit():
        _flash(db.attempt(settings.remove_logo, db.session, actor()), "Logo supprimé.")
    return redirect(url_for(".settings_page"))


# --- news ---------------------------------------------------------------------------------


@bp.get("/actualites")
@admin_only
def news_list():
    return render_template("collectivite/console/news_list.html",
                           items=news.all_items(db.session), action_form=ActionForm(),
                           paris=to_paris)


@bp.route("/actualites/nouvelle", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/actualites/<int:item_id>", methods=["GET", "POST"])
@admin_only
def news_edit(item_id):
    item = get_or_404(NewsItem, item_id) if item_id else None
    form = NewsForm() if request.method == "POST" else NewsForm.of(item)
    error = None
    if form.validate_on_submit():
        done = db.attempt(news.save, db.session, item, form.data, actor())
        if done.ok:
            flash("Actualité enregistrée.", "success")
            return redirect(url_for(".news_list"))
        error = done.error
    preview = render_markdown(form.body.data) if form.body.data else ""
    return render_template("collectivite/console/news_edit.html", form=form, item=item,
                           preview=preview, error=error)


@bp.post("/actualites/<int:item_id>/<action>")
@admin_only
def news_action(item_id, action):
    item, action = get_or_404(NewsItem, item_id), enum_or_404(news.NewsAction, action)
    if ActionForm().validate_on_submit():
        _flash(db.attempt(news.act, db.session, item, action, actor()), "Actualité mise à jour.")
    return redirect(url_for(".news_list"))


# --- CGU and privacy policy ---------------------------------------------------------------


@bp.route("/textes/<kind>", methods=["GET", "POST"])
@admin_only
def legal_edit(kind):
    if kind not in legal.KINDS:
        abort(404)
    current = legal.current(db.session, kind)
    draft = legal.draft(db.session, kind)
    form = LegalForm(data=None if request.method == "POST" else
                     {"body": draft.body if draft else current.body if current else ""})
    preview = error = None
    if form.validate_on_submit():
        if form.publish.data or (form.confirmed.data and not form.confirm.data):
            return _confirm_publication(kind, form, current)
        if form.save.data or form.confirmed.data:
            done, message = _save_or_publish(kind, form)
            if done.ok:
                flash(message, "success")
                return redirect(url_for(".legal_edit", kind=kind))
            error = done.error
        elif not form.back.data:
            preview = render_markdown(form.body.data)
    return render_template("collectivite/console/legal_edit.html", form=form, kind=kind,
                           draft=draft, title=legal.KINDS[kind], current=current,
                           preview=preview, error=error)


def _confirm_publication(kind, form, current):
    """The step between « Publier » and the new version: what it will do to the hosts, and a
    box to tick; the text travels in the form, nothing is saved yet."""
    if form.confirmed.data:
        form.confirm.errors = ["Cochez la case pour confirmer la publication."]
    return render_template("collectivite/console/legal_confirm.html", form=form, kind=kind,
                           title=legal.KINDS[kind], current=current,
                           preview=render_markdown(form.body.data))


def _save_or_publish(kind, form):
    if form.save.data:
        return (db.attempt(legal.save_draft, db.session, kind, form.body.data, actor()),
                "Brouillon enregistré : il n'est pas montré aux hébergeurs tant qu'il n'est pas "
                "publié.")
    return (db.attempt(legal.publish_draft, db.session, kind, form.body.data, actor()),
            f"{legal.KINDS[kind]} : nouvelle version publiée ; chaque hébergeur l'acceptera à "
            "sa prochaine visite.")


# --- documents and tutorials --------------------------------------------------------------


@bp.route("/documents", methods=["GET", "POST"])
@admin_only
def library():
    form = DocumentForm()
    error = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(documents.MAX_BYTES + 1) if upload else b""
        done = db.attempt(documents.add, db.session, form.title.data, data,
                          form.is_guide.data, actor())
        if done.ok:
            flash("Document ajouté.", "success")
            return redirect(url_for(".library"))
        error = done.error
    return render_template("collectivite/console/library.html", form=form, error=error,
                           documents=documents.ordered(db.session),
                           tutorials=tutorials.ordered(db.session),
                           tutorial_form=TutorialForm(), action_form=ActionForm())


@bp.post("/documents/<int:document_id>/<action>")
@admin_only
def document_action(document_id, action):
    document = get_or_404(Document, document_id)
    action = enum_or_404(documents.DocumentAction, action)
    if ActionForm().validate_on_submit():
        db.attempt(documents.act, db.session, document, action, actor())
    return redirect(url_for(".library"))


@bp.post("/tutoriels")
@admin_only
def tutorial_add():
    form = TutorialForm()
    if form.validate_on_submit():
        _flash(db.attempt(tutorials.add, db.session, form.title.data, form.url.data,
                          form.kind.data, form.description.data, actor()), "Tutoriel ajouté.")
    return redirect(url_for(".library"))


@bp.post("/tutoriels/<int:tutorial_id>/supprimer")
@admin_only
def tutorial_delete(tutorial_id):
    tutorial = get_or_404(Tutorial, tutorial_id)
    if ActionForm().validate_on_submit():
        db.attempt(tutorials.delete, db.session, tutorial, actor())
    return redirect(url_for(".library"))


# --- accessibility statement --------------------------------------------------------------


@bp.route("/parametres/accessibilite", methods=["GET", "POST"])
@admin_only
def accessibility_page():
    form = (AccessibilityForm() if request.method == "POST"
            else AccessibilityForm(data=accessibility.form_values(db.session)))
    error = None
    if form.validate_on_submit():
        done = db.attempt(accessibility.update, db.session, form.data, actor())
        if done.ok:
            flash("Déclaration d'accessibilité enregistrée.", "success")
            return redirect(url_for(".accessibility_page"))
        error = done.error
    return render_template("collectivite/console/accessibility.html", form=form, error=error)
