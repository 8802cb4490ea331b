"""Declaration forms: a stay of the registre du logeur, an import, "0 nuitée", validation, and
what an agent adds (the reason they act for the host) and sets (the reminders)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tenants.core.forms import REQUIRED, AmountField
from tenants.declarations.computing import ZERO_REASONS, StayInput

COUNT = "Indiquez un nombre entier (0 s'il n'y en a pas)."


def _count(label: str, required: bool = False, minimum: int = 0) -> IntegerField:
    checks = [InputRequired(REQUIRED) if required else Optional(),
              NumberRange(min=minimum, max=999, message=f"Un nombre de {minimum} à 999.")]
    return IntegerField(label, checks, default=None if required else 0,
                        render_kw={"inputmode": "numeric", "min": minimum, "max": 999})


class StayForm(FlaskForm):
    """One line of the registre du logeur: no civil-status data about the guests."""

    arrival = DateField("Date d'arrivée", [InputRequired(REQUIRED)], render_kw={"type": "date"})
    departure = DateField("Date de départ", [InputRequired(REQUIRED)],
                          render_kw={"type": "date"})
    persons = _count("Nombre de personnes", required=True, minimum=1)
    exempt_minors = _count("dont mineurs (moins de 18 ans)")
    exempt_seasonal = _count("dont titulaires d'un contrat de travail saisonnier")
    exempt_emergency = _count("dont personnes en hébergement d'urgence ou relogement temporaire")
    price_per_night = AmountField(
        "Prix de la nuitée hors taxes (en €)", [Optional(), NumberRange(min=0)], places=2,
        description="Obligatoire pour un hébergement sans classement ; sinon, il sert à "
                    "l'exonération des loyers inférieurs au seuil de la délibération.",
        render_kw={"inputmode": "decimal"})
    channel = RadioField("Canal de réservation", choices=[
        SelectChoice("direct", "En direct (vous reversez la taxe)"),
        SelectChoice("plateforme", "Via une plateforme qui a collecté la taxe")],
        default="direct",
        validators=[InputRequired(REQUIRED)])
    platform = StringField("Plateforme (si elle a collecté la taxe)", [Length(max=60)],
                           description="Par exemple : Airbnb, Booking.com, Abritel.")
    submit = SubmitField("Enregistrer le séjour")

    def validate_platform(self, field) -> None:
        if self.channel.data == "plateforme" and not (field.data or "").strip():
            raise ValidationError("Précisez la plateforme qui a collecté la taxe.")

    def to_input(self) -> StayInput:
        price = self.price_per_night.data
        return StayInput(
            self.arrival.data, self.departure.data, self.persons.data,
            self.exempt_minors.data or 0, self.exempt_seasonal.data or 0,
            self.exempt_emergency.data or 0,
            price.quantize(Decimal("0.01")) if price is not None else None,
            self.channel.data,
            (self.platform.data or "").strip() or None if self.channel.data == "plateforme"
            else None)

    @classmethod
    def of(cls, stay) -> StayForm:
        return cls(data={
            "arrival": stay.arrival, "departure": stay.departure, "persons": stay.persons,
            "exempt_minors": stay.exempt_minors, "exempt_seasonal": stay.exempt_seasonal,
            "exempt_emergency": stay.exempt_emergency, "price_per_night": stay.price_per_night,
            "channel": stay.channel, "platform": stay.platform or ""})


class ImportForm(FlaskForm):
    file = FileField("Fichier à importer",
                     description="Le registre au format CSV de la collectivité, ou l'export des "
                                 "réservations Airbnb ou Booking.com (CSV).")
    extra = FileField("Relevé des transactions Airbnb (facultatif)",
                      description="Avec l'export des réservations Airbnb : il donne le prix "
                                  "des nuitées.")
    submit = SubmitField("Vérifier le fichier", id="import_submit")  # ids unique on the desk


class ImportConfirmForm(FlaskForm):
    """The checked files, back with the host's confirmation (channels chosen per platform in
    the request: `collecte-<platform>`)."""

    content = HiddenField()
    signature = HiddenField()
    extra_content = HiddenField()
    extra_signature = HiddenField()
    submit = SubmitField("Importer ces séjours")


class ZeroForm(FlaskForm):
    reason = RadioField("Raison", choices=[SelectChoice(k, v) for k, v in ZERO_REASONS.items()],
                        validators=[InputRequired("Choisissez la raison.")])
    submit = SubmitField("Déclarer 0 nuitée", id="zero_submit")


class ValidateForm(FlaskForm):
    confirm = BooleanField("Je certifie l'exactitude de cette déclaration",
                           [InputRequired("Cochez la case pour certifier la déclaration.")])
    submit = SubmitField("Valider ma déclaration")


class ReasonForm(FlaskForm):
    """An agent acting on a host's behalf says why (kept in the journal)."""

    reason = StringField("Motif (registre papier reçu, correction demandée par l'hébergeur…)",
                         [InputRequired("Indiquez le motif, il est inscrit au journal."),
                          Length(max=300)])


class AgentValidateForm(ReasonForm):
    submit = SubmitField("Valider la déclaration pour l'hébergeur")


class AgentOpenForm(ReasonForm):
    submit = SubmitField("Saisir pour l'hébergeur")


class BulkForm(FlaskForm):
    """Several hébergements at once for a period: the ones checked in the request
    (`hebergement` values)."""

    action = RadioField("Pour les hébergements cochés", choices=[
        SelectChoice("valider", "Valider leur déclaration (brouillon ou forfait calculé)"),
        SelectChoice("zero", "Déclarer 0 nuitée")],
        validators=[InputRequired("Choisissez une action.")])
    reason = SelectField("Raison de la déclaration à 0 nuitée",
                         choices=[SelectChoice(k, v) for k, v in ZERO_REASONS.items()])
    confirm = BooleanField("Je certifie l'exactitude de ces déclarations",
                           [InputRequired("Cochez la case pour certifier les déclarations.")])
    submit = SubmitField("Appliquer")


class ReminderForm(FlaskForm):
    days_before = IntegerField("Relance avant l'échéance : nombre de jours avant",
                               [InputRequired(REQUIRED), NumberRange(min=0, max=60)])
    text_before = TextAreaField("Texte de la relance avant l'échéance", [Length(max=2000)])
    days_after = IntegerField("Relance après l'échéance : nombre de jours après",
                              [InputRequired(REQUIRED), NumberRange(min=0, max=120)])
    text_after = TextAreaField("Texte de la relance après l'échéance", [Length(max=2000)])
    submit = SubmitField("Enregistrer les relances")
