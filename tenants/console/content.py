"""What administrators configure: branding and support, news, CGU and privacy policy."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from plateforme.database import db
from plateforme.errors import UserError
from plateforme.registry import utcnow
from plateforme.routing import TenantBlueprint
from tenants import branding, hosts, legal, news, settings
from tenants.console.access import agent_required, record
from tenants.console.forms import ActionForm
from tenants.forms import REQUIRED
from tenants.hosts import Host

bp = TenantBlueprint("console_content", __name__, url_prefix="/admin")


# --- settings -----------------------------------------------------------------------------


class SettingsForm(FlaskForm):
    display_name = StringField("Nom affiché aux hébergeurs", [DataRequired(REQUIRED),
                                                             Length(max=200)])
    brand_colour = StringField("Couleur principale (#RRVVBB)", [DataRequired(REQUIRED)],
                               description="Le texte blanc doit rester lisible dessus "
                                           "(contraste 4,5:1 au moins).",
                               render_kw={"type": "color"})
    home_text = TextAreaField("Texte de la page d'accueil (Markdown)", [Length(max=5000)],
                              render_kw={"rows": 6})
    support_phone = StringField("Téléphone du service technique", [Length(max=30)],
                                render_kw={"type": "tel", "autocomplete": "off"})
    tax_phone = StringField("Téléphone pour les questions sur la taxe", [Length(max=30)],
                            render_kw={"type": "tel", "autocomplete": "off"})
    contact_email = StringField("Courriel de contact", [Length(max=254)],
                                render_kw={"type": "email", "autocomplete": "off"})
    opening_hours = StringField("Horaires d'ouverture", [Length(max=300)],
                                description="Par exemple : du lundi au vendredi, 9 h – 12 h.")
    submit = SubmitField("Enregistrer les paramètres")


class LogoForm(FlaskForm):
    logo = FileField("Logo (PNG, JPEG ou WebP, 1 Mo au plus)")
    submit = SubmitField("Envoyer le logo")


def apply_settings(values: settings.Settings, data: dict) -> None:
    values.display_name = hosts.required(data["display_name"], "Nom affiché", 200)
    values.brand_colour = branding.parse_colour(data["brand_colour"])
    values.home_text = (data.get("home_text") or "").strip()
    values.support_phone = hosts.parse_phone(data.get("support_phone")) or ""
    values.tax_phone = hosts.parse_phone(data.get("tax_phone")) or ""
    values.contact_email = hosts.parse_email(data.get("contact_email")) or ""
    values.opening_hours = " ".join((data.get("opening_hours") or "").split())


@bp.route("/parametres", methods=["GET", "POST"])
@agent_required("admin")
def settings_page():
    values = settings.get(db.session)
    form = SettingsForm(obj=None if request.method == "POST" else _settings_data(values))
    error = None
    if form.validate_on_submit():
        error = db.attempt(_save_settings, values, form.data)
        if error is None:
            flash("Paramètres enregistrés.", "success")
            return redirect(url_for(".settings_page"))
    return render_template("console/settings.html", form=form, error=error, values=values,
                           logo_form=LogoForm(), action_form=ActionForm())


def _save_settings(values, data):
    apply_settings(values, data)
    record("settings.updated", "paramètres")


def _settings_data(values):
    class Data:
        display_name, brand_colour, home_text = (values.display_name, values.brand_colour,
                                                 values.home_text)
        support_phone = hosts.format_phone(values.support_phone)
        tax_phone = hosts.format_phone(values.tax_phone)
        contact_email, opening_hours = values.contact_email, values.opening_hours

    return Data


@bp.post("/parametres/logo")
@agent_required("admin")
def logo_upload():
    form = LogoForm()
    if form.validate_on_submit():
        upload = request.files.get("logo")
        data = upload.read(branding.MAX_LOGO_BYTES + 1) if upload else b""
        error = db.attempt(_save_logo, data)
        flash(error or "Logo enregistré.", "error" if error else "success")
    return redirect(url_for(".settings_page"))


def _save_logo(data: bytes):
    settings.get(db.session).logo_png = branding.reencode_logo(data)
    record("settings.logo_updated", "logo", size=len(data))


@bp.post("/parametres/logo/supprimer")
@agent_required("admin")
def logo_delete():
    if ActionForm().validate_on_submit():
        settings.get(db.session).logo_png = None
        record("settings.logo_removed", "logo")
        db.session.commit()
        flash("Logo supprimé.", "success")
    return redirect(url_for(".settings_page"))


# --- news ---------------------------------------------------------------------------------


class NewsForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField("Texte (Markdown)", [DataRequired(REQUIRED), Length(max=20_000)],
                         render_kw={"rows": 10})
    published_at = DateTimeLocalField("Publication (date et heure, heure de Paris : laisser "
                                      "vide pour un brouillon)", [Optional()],
                                      format="%Y-%m-%dT%H:%M")
    pinned = BooleanField("Épingler en tête des actualités")
    submit = SubmitField("Enregistrer l'actualité")


def _utc(local: datetime | None) -> datetime | None:
    """A time typed in Paris, stored in UTC."""
    if local is None:
        return None
    from zoneinfo import ZoneInfo

    return local.replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)


def _paris(utc: datetime | None) -> datetime | None:
    if utc is None:
        return None
    from zoneinfo import ZoneInfo

    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(
        ZoneInfo("Europe/Paris")).replace(tzinfo=None)


@bp.get("/actualites")
@agent_required("admin")
def news_list():
    return render_template("console/news_list.html", items=news.all_items(db.session),
                           action_form=ActionForm(), paris=_paris)


@bp.route("/actualites/nouvelle", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/actualites/<int:item_id>", methods=["GET", "POST"])
@agent_required("admin")
def news_edit(item_id):
    item = db.session.get(news.NewsItem, item_id) if item_id else None
    if item_id and item is None:
        abort(404)
    form = NewsForm(obj=None if request.method == "POST" else _news_data(item))
    error = None
    if form.validate_on_submit():
        error = db.attempt(_save_news, item, form.data)
        if error is None:
            flash("Actualité enregistrée.", "success")
            return redirect(url_for(".news_list"))
    preview = branding.render_markdown(form.body.data or "") if form.body.data else ""
    return render_template("console/news_edit.html", form=form, item=item, preview=preview,
                           error=error)


def _news_data(item):
    if item is None:
        return None

    class Data:
        title, body, pinned = item.title, item.body, item.pinned
        published_at = _paris(item.published_at)

    return Data


def _save_news(item, data):
    if item is None:
        item = news.NewsItem(title="", body="")
        db.session.add(item)
    item.title = data["title"].strip()
    item.body = data["body"].strip()
    item.published_at = _utc(data["published_at"])
    item.pinned = bool(data["pinned"])
    db.session.flush()
    record("news.saved", item.title, news_id=item.id, state=item.state)


@bp.post("/actualites/<int:item_id>/<action>")
@agent_required("admin")
def news_action(item_id, action):
    item = db.session.get(news.NewsItem, item_id)
    if item is None or action not in ("publier", "depublier", "epingler", "desepingler",
                                      "supprimer"):
        abort(404)
    if ActionForm().validate_on_submit():
        if action == "publier":
            item.published_at = utcnow()
        elif action == "depublier":
            item.published_at = None
        elif action in ("epingler", "desepingler"):
            item.pinned = action == "epingler"
        else:
            db.session.delete(item)
        record(f"news.{action}", item.title, news_id=item_id)
        db.session.commit()
        flash("Actualité mise à jour.", "success")
    return redirect(url_for(".news_list"))


# --- CGU and privacy policy ---------------------------------------------------------------


class LegalForm(FlaskForm):
    body = TextAreaField("Texte (Markdown)", [DataRequired(REQUIRED), Length(min=20,
                                                                           max=100_000)],
                         render_kw={"rows": 20})
    save = SubmitField("Enregistrer le brouillon")
    preview = SubmitField("Prévisualiser")
    publish = SubmitField("Publier comme nouvelle version")


@bp.route("/textes/<kind>", methods=["GET", "POST"])
@agent_required("admin")
def legal_edit(kind):
    if kind not in legal.KINDS:
        abort(404)
    current = legal.current(db.session, kind)
    draft = db.session.get(legal.LegalDraft, kind)
    form = LegalForm(data=None if request.method == "POST" else
                     {"body": draft.body if draft else current.body if current else ""})
    preview = error = None
    if form.validate_on_submit():
        if form.save.data:
            error = db.attempt(_save_draft, kind, form.body.data)
            if error is None:
                flash("Brouillon enregistré : il n'est pas montré aux hébergeurs tant qu'il "
                      "n'est pas publié.", "success")
                return redirect(url_for(".legal_edit", kind=kind))
        elif form.publish.data:
            error = db.attempt(_publish, kind, form.body.data)
            if error is None:
                flash(f"{legal.KINDS[kind]} : nouvelle version publiée ; chaque hébergeur "
                      "l'acceptera à sa prochaine visite.", "success")
                return redirect(url_for(".legal_edit", kind=kind))
        else:
            preview = branding.render_markdown(form.body.data)
    versions = db.session.scalars(sa.select(legal.LegalDocument)
                                  .where(legal.LegalDocument.kind == kind)
                                  .order_by(legal.LegalDocument.version.desc())).all()
    return render_template("console/legal_edit.html", form=form, kind=kind, draft=draft,
                           title=legal.KINDS[kind], current=current, preview=preview,
                           error=error, stats=_acceptance_stats(versions))


def _save_draft(kind, body):
    draft = db.session.get(legal.LegalDraft, kind)
    if draft is None:
        draft = legal.LegalDraft(kind=kind, body="")
        db.session.add(draft)
    draft.body = body.strip()
    record("legal.draft_saved", legal.KINDS[kind])


def _publish(kind, body):
    current = legal.current(db.session, kind)
    body = body.strip()
    if current is not None and current.sha256 == legal.text_hash(body):
        raise UserError("Ce texte est identique à la version en vigueur : rien n'a été publié.")
    document = legal.publish(db.session, kind, body)
    db.session.execute(sa.delete(legal.LegalDraft).where(legal.LegalDraft.kind == kind))
    db.session.flush()
    record("legal.published", legal.KINDS[kind], version=document.version)


def _acceptance_stats(versions):
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(Host).where(
        Host.password_hash.is_not(None), Host.disabled_at.is_(None)))
    stats = []
    for document in versions:
        accepted = db.session.scalar(sa.select(sa.func.count()).select_from(legal.Acceptance)
                                     .where(legal.Acceptance.document_id == document.id))
        stats.append((document, accepted, accounts))
    return stats


@bp.get("/textes/<kind>/<int:version>/en-attente")
@agent_required("admin")
def legal_pending(kind, version):
    """Hosts with an account who have not accepted this version yet."""
    document = db.session.scalar(sa.select(legal.LegalDocument).where(
        legal.LegalDocument.kind == kind, legal.LegalDocument.version == version))
    if document is None:
        abort(404)
    accepted = sa.select(legal.Acceptance.host_id).where(
        legal.Acceptance.document_id == document.id)
    pending = db.session.scalars(sa.select(Host).where(
        Host.password_hash.is_not(None), Host.disabled_at.is_(None), Host.id.not_in(accepted))
        .order_by(Host.last_name, Host.first_name)).all()
    done = db.session.execute(sa.select(Host, legal.Acceptance.accepted_at)
                              .join(legal.Acceptance, legal.Acceptance.host_id == Host.id)
                              .where(legal.Acceptance.document_id == document.id)
                              .order_by(Host.last_name, Host.first_name)).all()
    return render_template("console/legal_pending.html", document=document, hosts=pending,
                           accepted=done)
