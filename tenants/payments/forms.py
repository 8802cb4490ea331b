"""Payment forms: the host's choice of declarations to pay by card, the receipt an agent
records, the collectivité's payment settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from tenants.core.forms import REQUIRED


class PayForm(FlaskForm):
    """The declarations ticked are read from the request (one checkbox per declaration)."""

    submit = SubmitField("Payer en ligne par carte bancaire")


class ReceiptForm(FlaskForm):
    amount = StringField("Montant reçu (en €)", [InputRequired(REQUIRED), Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    means = RadioField("Moyen de paiement", choices=[SelectChoice("virement", "Virement"),
                                                     SelectChoice("cheque", "Chèque")],
                       default="virement", validators=[InputRequired(REQUIRED)])
    received_on = DateField("Date de réception", [InputRequired(REQUIRED)],
                            render_kw={"type": "date"})
    bank_reference = StringField("Référence bancaire (libellé du virement, numéro du chèque)",
                                 [Length(max=80)])
    submit = SubmitField("Enregistrer le paiement")


class SettingsForm(FlaskForm):
    payfip_numcli = StringField(
        "Numéro client PayFiP (numcli)", [Length(max=6)],
        description="Les 6 chiffres que la DGFiP a attribués à votre régie. Vide : pas de "
                    "paiement en ligne.", render_kw={"inputmode": "numeric"})
    payfip_mode = RadioField("Mode PayFiP", choices=[
        SelectChoice("T", "Test"), SelectChoice("X", "Activation"),
        SelectChoice("W", "Production")], default="T", validators=[InputRequired(REQUIRED)])
    iban = StringField("IBAN du compte de la régie", [Length(max=42)],
                       description="Montré aux hébergeurs qui paient par virement.")
    bic = StringField("BIC", [Length(max=11)])
    account_holder = StringField("Titulaire du compte", [Length(max=200)])
    cheque_payee = StringField("Ordre des chèques", [Length(max=200)],
                               description="Par exemple : Régie taxe de séjour de la "
                                           "communauté de communes.")
    cheque_address = TextAreaField("Adresse d'envoi des chèques", [Length(max=1000)],
                                   render_kw={"rows": 3})
    submit = SubmitField("Enregistrer")
