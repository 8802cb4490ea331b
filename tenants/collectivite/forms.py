"""The collectivité's forms: its console's pages and the hosts' CGU page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.collectivite import accessibility, settings, tutorials
from tenants.core.dates import to_paris
from tenants.core.forms import REQUIRED
from tenants.core.validation import format_phone


class CguForm(FlaskForm):
    accept_cgu = BooleanField("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*",
                              [DataRequired("Vous devez accepter les conditions générales "
                                            "d'utilisation.")])
    accept_privacy = BooleanField("Accepter la POLITIQUE DE CONFIDENTIALITÉ*",
                                  [DataRequired("Vous devez accepter la politique de "
                                                "confidentialité.")])
    submit = SubmitField("Valider")


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
    declaration_frequency = SelectField(
        "Les hébergeurs déclarent", choices=[SelectChoice(k, v) for k, v in
                                             settings.FREQUENCIES.items()])
    declaration_deadline_day = IntegerField(
        "Échéance : le jour du mois suivant la période (1 à 28)",
        [InputRequired(REQUIRED), NumberRange(1, 28, "Un jour de 1 à 28.")])
    submit = SubmitField("Enregistrer les paramètres")

    @classmethod
    def of(cls, values):
        """The form filled with the settings as recorded, phones in French format."""
        return cls(data={
            "display_name": values.display_name, "brand_colour": values.brand_colour,
            "home_text": values.home_text, "support_phone": format_phone(values.support_phone),
            "tax_phone": format_phone(values.tax_phone), "contact_email": values.contact_email,
            "opening_hours": values.opening_hours,
            "declaration_frequency": values.declaration_frequency,
            "declaration_deadline_day": values.declaration_deadline_day})


class LogoForm(FlaskForm):
    logo = FileField("Logo (PNG, JPEG ou WebP, 1 Mo au plus)")
    submit = SubmitField("Envoyer le logo", id="logo_submit")  # beside SettingsForm's


class NewsForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField("Texte (Markdown)", [DataRequired(REQUIRED), Length(max=20_000)],
                         render_kw={"rows": 10})
    published_at = DateTimeLocalField("Publication (date et heure, heure de Paris : laisser "
                                      "vide pour un brouillon)", [Optional()],
                                      format="%Y-%m-%dT%H:%M")
    pinned = BooleanField("Épingler en tête des actualités")
    submit = SubmitField("Enregistrer l'actualité")

    @classmethod
    def of(cls, item):
        if item is None:
            return cls()
        return cls(data={"title": item.title, "body": item.body, "pinned": item.pinned,
                         "published_at": to_paris(item.published_at)})


class LegalForm(FlaskForm):
    body = TextAreaField("Texte (Markdown)", [DataRequired(REQUIRED), Length(min=20,
                                                                           max=100_000)],
                         render_kw={"rows": 20})
    save = SubmitField("Enregistrer le brouillon")
    preview = SubmitField("Prévisualiser")
    publish = SubmitField("Publier comme nouvelle version")
    # The confirmation step: nothing is published until the box is ticked there.
    confirm = BooleanField("Je confirme la publication : chaque hébergeur devra accepter cette "
                           "nouvelle version à sa prochaine visite.")
    confirmed = SubmitField("Publier la nouvelle version")
    back = SubmitField("Revenir au texte sans publier")


class DocumentForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    file = FileField("Fichier PDF (10 Mo au plus)")
    is_guide = BooleanField("Remplace le « guide de la télédéclaration » généré")
    submit = SubmitField("Ajouter le document")


class TutorialForm(FlaskForm):
    """Shown under DocumentForm: explicit ids where their fields share a name."""

    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)], id="tutorial_title")
    url = StringField("Adresse (https://…)", [DataRequired(REQUIRED), Length(max=500)],
                      render_kw={"type": "url"})
    kind = SelectField("Type", choices=[SelectChoice(k, v) for k, v in tutorials.KINDS.items()])
    description = StringField("Description (facultative)", [Length(max=1000)])
    submit = SubmitField("Ajouter le tutoriel", id="tutorial_submit")


class AccessibilityForm(FlaskForm):
    """The accessibility statement; the status's rule is the service's (`accessibility.update`)."""

    status = SelectField("État de conformité", choices=[
        SelectChoice(k, v) for k, v in accessibility.STATUSES.items()],
        description="Sans audit (date et taux de conformité), seul « non conforme » est "
                    "possible ; à 100 % « totalement conforme », à 50 % au moins « partiellement "
                    "conforme ».")
    audit_date = DateField("Date de l'audit", [Optional()], render_kw={"type": "date"})
    auditor = StringField("Audit réalisé par", [Length(max=200)])
    compliance_rate = StringField("Taux de critères du RGAA respectés (%)", [Length(max=12)],
                                  description="Par exemple : 72,5", render_kw={
                                      "inputmode": "decimal", "autocomplete": "off"})
    non_compliances = TextAreaField("Non-conformités (Markdown)", [Length(max=20_000)],
                                    render_kw={"rows": 6})
    derogations = TextAreaField("Dérogations pour charge disproportionnée (Markdown)",
                                [Length(max=20_000)], render_kw={"rows": 4})
    exempt_contents = TextAreaField("Contenus non soumis à l'obligation d'accessibilité "
                                    "(Markdown)", [Length(max=20_000)], render_kw={"rows": 4})
    technologies = TextAreaField("Technologies utilisées (une par ligne)", [Length(max=2000)],
                                 render_kw={"rows": 3})
    environment = TextAreaField("Environnement de test (un par ligne)", [Length(max=2000)],
                                render_kw={"rows": 3})
    tools = TextAreaField("Outils pour évaluer l'accessibilité (un par ligne)",
                          [Length(max=2000)], render_kw={"rows": 3})
    pages = TextAreaField("Pages du site ayant fait l'objet de la vérification (une par ligne)",
                          [Length(max=5000)], render_kw={"rows": 8})
    contact_email = StringField("Courriel pour signaler un défaut d'accessibilité",
                                [Length(max=254)],
                                description="Vide : le courriel de contact des paramètres.",
                                render_kw={"type": "email", "autocomplete": "off"})
    contact_url = StringField("Formulaire de contact en ligne (https://…, facultatif)",
                              [Length(max=500)], render_kw={"type": "url"})
    schema_url = StringField("Schéma pluriannuel de mise en accessibilité : adresse "
                             "(https://…)", [Length(max=500)], render_kw={"type": "url"})
    schema_text = TextAreaField("Schéma pluriannuel : texte (Markdown)", [Length(max=20_000)],
                                render_kw={"rows": 4})
    action_plan = TextAreaField("Plan d'actions de l'année (Markdown)", [Length(max=20_000)],
                                render_kw={"rows": 4})
    submit = SubmitField("Enregistrer la déclaration", id="accessibility_submit")
