"""The host journey's forms, with the seed's French labels. Every one carries a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from tenants.hosts import CIVILITIES, CLASSEMENTS, NATURES

REQUIRED = "Ce champ est obligatoire."


def _kw(autocomplete: str | None = None, **extra) -> dict:
    attrs = dict(extra)
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return attrs


class LoginForm(FlaskForm):
    email = EmailField("Identifiant (Courriel)", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw=_kw("username", spellcheck="false"))
    password = PasswordField("Mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             render_kw=_kw("current-password"))
    remember = BooleanField("Se souvenir de moi")
    submit = SubmitField("Se connecter")


class ActivationCodeForm(FlaskForm):
    code = StringField("Code d'activation", [DataRequired(REQUIRED), Length(max=40)],
                       description="Le code figure sur le courrier envoyé par votre "
                                   "collectivité, par exemple K7QF-M2XD-9RTA.",
                       render_kw=_kw("one-time-code", spellcheck="false",
                                     autocapitalize="characters"))
    submit = SubmitField("Valider le code")


class HebergementForm(FlaskForm):
    class Meta:
        csrf = False  # nested in a form that has the token

    id = HiddenField()
    name = StringField("Nom de l'hébergement", [DataRequired(REQUIRED), Length(max=200)])
    address = StringField("Adresse", [DataRequired(REQUIRED), Length(max=200)],
                          render_kw=_kw("off"))
    postal_code = StringField("Code postal", [DataRequired(REQUIRED),
                                              Regexp(r"^\s*\d{5}\s*$", message="5 chiffres.")],
                              render_kw=_kw("off", inputmode="numeric"))
    city = StringField("Commune", [DataRequired(REQUIRED), Length(max=100)],
                       render_kw=_kw("off"))
    nature = SelectField("Nature", choices=[SelectChoice(k, v[0]) for k, v in NATURES.items()])
    classement = SelectField("Classement",
                             choices=[SelectChoice(k, v) for k, v in CLASSEMENTS.items()])
    capacity = IntegerField("Capacité d'accueil (personnes)",
                            [InputRequired(REQUIRED),
                             NumberRange(1, 100_000, "Entre 1 et 100 000.")],
                            render_kw=_kw(inputmode="numeric"))


class PersonalForm(FlaskForm):
    civility = SelectField("Civilité",
                           choices=[SelectChoice(k, v) for k, v in CIVILITIES.items()],
                           render_kw=_kw("honorific-prefix"))
    last_name = StringField("Nom", [DataRequired(REQUIRED), Length(max=100)],
                            render_kw=_kw("family-name"))
    first_name = StringField("Prénom", [DataRequired(REQUIRED), Length(max=100)],
                             render_kw=_kw("given-name"))
    address = StringField("Adresse", [DataRequired(REQUIRED), Length(max=200)],
                          render_kw=_kw("street-address"))
    postal_code = StringField("Code postal", [DataRequired(REQUIRED),
                                              Regexp(r"^\s*\d{5}\s*$", message="5 chiffres.")],
                              render_kw=_kw("postal-code", inputmode="numeric"))
    city = StringField("Commune", [DataRequired(REQUIRED), Length(max=100)],
                       render_kw=_kw("address-level2"))
    phone = StringField("Téléphone (facultatif)", [Optional(), Length(max=30)],
                        render_kw=_kw("tel", type="tel"))


class AccountDetailsForm(PersonalForm):
    hebergements = FieldList(FormField(HebergementForm))
    submit = SubmitField("Valider mes informations")


class CredentialsForm(FlaskForm):
    email = EmailField("Identifiant (Courriel)", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw=_kw("username", spellcheck="false"))
    password = PasswordField("Mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             description="12 caractères au moins, sans autre contrainte : une "
                                         "phrase de plusieurs mots est idéale.",
                             render_kw=_kw("new-password"))
    confirm = PasswordField("Confirmez le mot de passe",
                            [DataRequired(REQUIRED),
                             EqualTo("password", "Les deux mots de passe diffèrent.")],
                            render_kw=_kw("new-password"))
    submit = SubmitField("Activer mon compte")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Identifiant (Courriel)", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw=_kw("username", spellcheck="false"))
    submit = SubmitField("Recevoir un lien de réinitialisation")


class NewPasswordForm(FlaskForm):
    password = PasswordField("Nouveau mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             description="12 caractères au moins, sans autre contrainte : une "
                                         "phrase de plusieurs mots est idéale.",
                             render_kw=_kw("new-password"))
    confirm = PasswordField("Confirmez le nouveau mot de passe",
                            [DataRequired(REQUIRED),
                             EqualTo("password", "Les deux mots de passe diffèrent.")],
                            render_kw=_kw("new-password"))
    submit = SubmitField("Enregistrer le mot de passe")


class CguForm(FlaskForm):
    accept_cgu = BooleanField("Accepter les CONDITIONS GÉNÉRALES D'UTILISATION*",
                              [DataRequired("Vous devez accepter les conditions générales "
                                            "d'utilisation.")])
    accept_privacy = BooleanField("Accepter la POLITIQUE DE CONFIDENTIALITÉ*",
                                  [DataRequired("Vous devez accepter la politique de "
                                                "confidentialité.")])
    submit = SubmitField("Valider")


class ProfileForm(PersonalForm):
    submit = SubmitField("Enregistrer mes informations")


class EmailChangeForm(FlaskForm):
    email = EmailField("Nouvel identifiant (Courriel)", [DataRequired(REQUIRED),
                                                         Length(max=254)],
                       render_kw=_kw("email", spellcheck="false"))
    current_password = PasswordField("Mot de passe actuel", [DataRequired(REQUIRED)],
                                     render_kw=_kw("current-password"))
    submit = SubmitField("Changer mon identifiant")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Mot de passe actuel", [DataRequired(REQUIRED)],
                                     render_kw=_kw("current-password"))
    password = NewPasswordForm.password
    confirm = NewPasswordForm.confirm
    submit = SubmitField("Changer mon mot de passe")


class HebergementEditForm(HebergementForm):
    class Meta:
        csrf = True

    submit = SubmitField("Enregistrer l'hébergement")


class LogoutForm(FlaskForm):
    submit = SubmitField("Se déconnecter")
