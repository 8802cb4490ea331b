"""The operators' login, invitation and journal forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

REQUIRED = "Ce champ est obligatoire."


class LoginForm(FlaskForm):
    email = EmailField("Courriel", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField("Mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Se connecter")


class TotpForm(FlaskForm):
    code = StringField("Code de vérification", [DataRequired(REQUIRED), Length(max=20)],
                       description="Le code à 6 chiffres de votre application "
                                   "d'authentification, ou l'un de vos codes de secours.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})
    submit = SubmitField("Vérifier")


class EnrolForm(FlaskForm):
    code = StringField("Code de vérification", [DataRequired(REQUIRED), Length(max=20)],
                       description="Le code à 6 chiffres affiché par votre application "
                                   "d'authentification. Vos codes de secours vous seront "
                                   "donnés ensuite.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})
    submit = SubmitField("Vérifier")


class NewPasswordForm(FlaskForm):
    password = PasswordField("Mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             description="12 caractères au moins, sans autre contrainte.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirmez le mot de passe",
                            [DataRequired(REQUIRED),
                             EqualTo("password", "Les deux mots de passe diffèrent.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Enregistrer le mot de passe")


class ActionForm(FlaskForm):
    """A button that posts: the CSRF token and nothing else."""

    submit = SubmitField("Confirmer")


class JournalFilterForm(FlaskForm):
    """A GET form: nothing changes, no CSRF token."""

    class Meta:
        csrf = False

    collectivite = StringField("Collectivité (identifiant)", [Length(max=40)],
                               render_kw={"spellcheck": "false"})
    operator = StringField("Opérateur (courriel)", [Length(max=254)],
                           render_kw={"spellcheck": "false"})
    action = SelectField("Action", choices=[SelectChoice("", "Toutes")], validate_choice=False)
    submit = SubmitField("Filtrer")
