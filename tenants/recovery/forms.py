"""Recovery forms: the host's observations typed by an agent, the delays and estimation data."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from tenants.core.forms import REQUIRED, AmountField


class ObservationsForm(FlaskForm):
    observations = TextAreaField("Observations de l'hébergeur", [InputRequired(REQUIRED),
                                                                Length(max=5000)],
                                 description="Reçues par courrier, courriel ou téléphone : "
                                             "elles figurent sur l'avis de taxation d'office.",
                                 render_kw={"rows": 5})
    submit = SubmitField("Enregistrer les observations")


class SettingsForm(FlaskForm):
    days_to_notice = IntegerField(
        "Jours entre le rappel et la mise en demeure", [InputRequired(REQUIRED),
                                                        NumberRange(1, 120)])
    occupancy_percent = IntegerField(
        "Taux d'occupation retenu pour la taxation d'office (en %)",
        [InputRequired(REQUIRED), NumberRange(1, 100)],
        description="Sans déclaration de l'année précédente : capacité × ce taux × jours.")
    price_per_person = AmountField(
        "Coût de la nuitée par personne retenu pour un hébergement sans classement (en €)",
        [InputRequired(REQUIRED), NumberRange(min=Decimal("0.01"))], places=2)
    submit = SubmitField("Enregistrer")


class StatementForm(FlaskForm):
    file = FileField("Relevé de la plateforme (CSV)", [FileRequired("Choisissez le fichier du "
                                                                    "relevé.")],
                     description="Colonnes : plateforme;periode_debut;periode_fin;"
                                 "reference_annonce;adresse;code_postal;commune;"
                                 "hebergement_reference;nuitees;personnes;montant_collecte.")
    submit = SubmitField("Rapprocher le relevé")


class FinalPositionForm(FlaskForm):
    final_position = TextAreaField(
        "Position finale motivée", [InputRequired(REQUIRED), Length(max=5000)],
        description="La réponse de la collectivité aux observations de l'hébergeur et le "
                    "montant mis en recouvrement.", render_kw={"rows": 5})
    submit_final = SubmitField("Enregistrer la position finale")


class PlatformPaymentForm(FlaskForm):
    amount = StringField("Montant reçu de la plateforme (en €)", [InputRequired(REQUIRED),
                                                                  Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    received_on = DateField("Date de réception", [InputRequired(REQUIRED)],
                            render_kw={"type": "date"})
    reference = StringField("Référence du virement", [Length(max=80)])
    submit = SubmitField("Enregistrer le versement")
