"""Documents and tutorials for hosts, managed by administrators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from plateforme.database import db
from plateforme.routing import TenantBlueprint
from tenants import documents, help
from tenants.console.access import agent_required, record
from tenants.console.forms import ActionForm
from tenants.forms import REQUIRED

bp = TenantBlueprint("console_library", __name__, url_prefix="/admin")


class DocumentForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    file = FileField("Fichier PDF (10 Mo au plus)")
    is_guide = BooleanField("Remplace le « guide de la télédéclaration » généré")
    submit = SubmitField("Ajouter le document")


class TutorialForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    url = StringField("Adresse (https://…)", [DataRequired(REQUIRED), Length(max=500)],
                      render_kw={"type": "url"})
    kind = SelectField("Type", choices=[SelectChoice("video", "Vidéo"),
                                        SelectChoice("lien", "Page ou document")])
    description = StringField("Description (facultative)", [Length(max=1000)])
    submit = SubmitField("Ajouter le tutoriel")


@bp.route("/documents", methods=["GET", "POST"])
@agent_required("admin")
def library():
    form = DocumentForm()
    error = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(documents.MAX_BYTES + 1) if upload else b""
        error = db.attempt(_add_document, form.title.data, data, form.is_guide.data)
        if error is None:
            flash("Document ajouté.", "success")
            return redirect(url_for(".library"))
    return render_template("console/library.html", form=form, error=error,
                           documents=documents.ordered(db.session),
                           tutorials=help.tutorials(db.session), tutorial_form=TutorialForm(),
                           action_form=ActionForm())


def _add_document(title, data, is_guide):
    document = documents.add(db.session, title, data, is_guide)
    record("document.added", document.title, size=document.size, guide=is_guide)


@bp.post("/documents/<int:document_id>/<action>")
@agent_required("admin")
def document_action(document_id, action):
    document = db.session.get(documents.Document, document_id)
    if document is None or action not in ("monter", "descendre", "supprimer"):
        abort(404)
    if ActionForm().validate_on_submit():
        if action == "supprimer":
            db.session.delete(document)
        else:
            documents.move(db.session, document, -1 if action == "monter" else 1)
        record(f"document.{action}", document.title)
        db.session.commit()
    return redirect(url_for(".library"))


@bp.post("/tutoriels")
@agent_required("admin")
def tutorial_add():
    form = TutorialForm()
    if form.validate_on_submit():
        error = db.attempt(_add_tutorial, form.data)
        flash(error or "Tutoriel ajouté.", "error" if error else "success")
    return redirect(url_for(".library"))


def _add_tutorial(data):
    tutorial = help.add_tutorial(db.session, data["title"], data["url"], data["kind"],
                                 data["description"])
    record("tutorial.added", tutorial.title)


@bp.post("/tutoriels/<int:tutorial_id>/supprimer")
@agent_required("admin")
def tutorial_delete(tutorial_id):
    tutorial = db.session.get(help.Tutorial, tutorial_id)
    if tutorial is None:
        abort(404)
    if ActionForm().validate_on_submit():
        db.session.delete(tutorial)
        record("tutorial.deleted", tutorial.title)
        db.session.commit()
    return redirect(url_for(".library"))
