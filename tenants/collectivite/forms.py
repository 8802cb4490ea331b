"""The collectivité's forms: its console's pages and the hosts' CGU page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.collectivite import settings, tutorials
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
    submit = SubmitField("Envoyer le logo")


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


class DocumentForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    file = FileField("Fichier PDF (10 Mo au plus)")
    is_guide = BooleanField("Remplace le « guide de la télédéclaration » généré")
    submit = SubmitField("Ajouter le document")


class TutorialForm(FlaskForm):
    title = StringField("Titre", [DataRequired(REQUIRED), Length(max=200)])
    url = StringField("Adresse (https://…)", [DataRequired(REQUIRED), Length(max=500)],
                      render_kw={"type": "url"})
    kind = SelectField("Type", choices=[SelectChoice(k, v) for k, v in tutorials.KINDS.items()])
    description = StringField("Description (facultative)", [Length(max=1000)])
    submit = SubmitField("Ajouter le tutoriel")
