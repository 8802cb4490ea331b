"""The console's login and agents' forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from tenants.access.rules import Role
from tenants.core.forms import REQUIRED

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class AgentLoginForm(FlaskForm):
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


class EnrolForm(TotpForm):
    """The first code, from the application just set up: no recovery code exists yet."""

    code = StringField("Code de vérification", [DataRequired(REQUIRED), Length(max=20)],
                       description="Le code à 6 chiffres affiché par votre application "
                                   "d'authentification. Vos codes de secours vous seront "
                                   "donnés ensuite.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class NewPasswordForm(FlaskForm):
    password = PasswordField("Mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             description="12 caractères au moins, sans autre contrainte.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirmez le mot de passe",
                            [DataRequired(REQUIRED),
                             EqualTo("password", "Les deux mots de passe diffèrent.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Enregistrer le mot de passe")


class InviteForm(FlaskForm):
    name = StringField("Nom et prénom", [DataRequired(REQUIRED), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField("Courriel", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = SelectField("Rôle", choices=ROLE_CHOICES)
    submit = SubmitField("Inviter")


class RoleForm(FlaskForm):
    role = SelectField("Rôle", choices=ROLE_CHOICES)
    submit = SubmitField("Changer le rôle")
