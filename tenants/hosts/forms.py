"""The hosts' forms: their journey's, with the seed's French labels, and the console's."""

from __future__ import annotations

from types import SimpleNamespace

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
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
    ValidationError,
)

from plateforme.errors import UserError
from tenants.core.forms import REQUIRED
from tenants.core.forms import attrs as _kw
from tenants.core.validation import format_phone, parse_email
from tenants.hosts.natures import CIVILITIES, CLASSEMENTS, NATURES


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


class PasswordPolicyForm(FlaskForm):
    """A form choosing a password: the policy is checked with the other fields, so every error
    shows at once (a weak password is not reported only after the mismatch has been fixed).
    `password_policy(password, email)` raises UserError; `email` is the form's email field, if
    it has one."""

    def __init__(self, *args, password_policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_policy = password_policy

    def validate_password(self, field):
        if self.password_policy is None or field.errors:
            return
        email = self.email.data if "email" in self._fields else None
        try:
            self.password_policy(field.data, email)
        except UserError as refused:
            raise ValidationError(str(refused)) from None


class CredentialsForm(PasswordPolicyForm):
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

    def validate_email(self, field):
        try:
            parse_email(field.data)
        except UserError:
            raise ValidationError("Saisissez une adresse électronique valide, par exemple "
                                  "nom@exemple.fr.") from None



class ForgotPasswordForm(FlaskForm):
    email = EmailField("Identifiant (Courriel)", [DataRequired(REQUIRED), Length(max=254)],
                       render_kw=_kw("username", spellcheck="false"))
    submit = SubmitField("Recevoir un lien de réinitialisation")


class NewPasswordForm(PasswordPolicyForm):
    password = PasswordField("Nouveau mot de passe", [DataRequired(REQUIRED), Length(max=256)],
                             description="12 caractères au moins, sans autre contrainte : une "
                                         "phrase de plusieurs mots est idéale.",
                             render_kw=_kw("new-password"))
    confirm = PasswordField("Confirmez le nouveau mot de passe",
                            [DataRequired(REQUIRED),
                             EqualTo("password", "Les deux mots de passe diffèrent.")],
                            render_kw=_kw("new-password"))
    submit = SubmitField("Enregistrer le mot de passe")


class ProfileForm(PersonalForm):
    submit = SubmitField("Enregistrer mes informations")


class EmailChangeForm(FlaskForm):
    email = EmailField("Nouvel identifiant (Courriel)", [DataRequired(REQUIRED),
                                                         Length(max=254)],
                       render_kw=_kw("email", spellcheck="false"))
    # Explicit ids: "Mon compte" shows this form beside the password form (ids unique per page).
    current_password = PasswordField("Mot de passe actuel", [DataRequired(REQUIRED)],
                                     id="email_current_password",
                                     render_kw=_kw("current-password"))
    submit = SubmitField("Changer mon identifiant", id="email_submit")


class PasswordChangeForm(PasswordPolicyForm):
    current_password = PasswordField("Mot de passe actuel", [DataRequired(REQUIRED)],
                                     render_kw=_kw("current-password"))
    password = NewPasswordForm.password
    confirm = NewPasswordForm.confirm
    submit = SubmitField("Changer mon mot de passe", id="password_submit")


class HebergementEditForm(HebergementForm):
    class Meta:
        csrf = True

    submit = SubmitField("Enregistrer l'hébergement")


class LogoutForm(FlaskForm):
    submit = SubmitField("Se déconnecter")


class ConsoleHebergementForm(HebergementForm):
    """What the collectivité adds to what the host sees of an hébergement."""

    reference = StringField("Référence de l'hébergement (numéro d'enregistrement ; "
                            "facultative)", [Optional(), Length(max=64)])
    insee = StringField("Code INSEE de la commune (facultatif : déduit du nom de la commune "
                        "quand il suffit)", [Optional(), Length(max=5)])
    started_on = DateField("Déclarations demandées à partir du (facultatif)", [Optional()],
                           render_kw={"type": "date"})


class ClosureForm(FlaskForm):
    starts_on = DateField("Fermé du", [InputRequired(REQUIRED)], render_kw={"type": "date"})
    ends_on = DateField("au (inclus)", [InputRequired(REQUIRED)], render_kw={"type": "date"})
    submit = SubmitField("Ajouter cette fermeture", id="closure_submit")  # under the edit form


class HostForm(PersonalForm):
    email = EmailField("Courriel (identifiant ; facultatif)", [Optional(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    reference = StringField("Référence de la collectivité (facultative)", [Length(max=64)])
    submit = SubmitField("Enregistrer")


class NewHostForm(HostForm):
    h_name = StringField("Nom de l'hébergement", [Length(max=200)])
    h_address = StringField("Adresse de l'hébergement", [Length(max=200)])
    h_postal_code = StringField("Code postal de l'hébergement", [Length(max=10)])
    h_city = StringField("Commune de l'hébergement", [Length(max=100)])
    h_nature = SelectField("Nature", choices=[SelectChoice(k, v[0]) for k, v in NATURES.items()])
    h_classement = SelectField("Classement",
                               choices=[SelectChoice(k, v) for k, v in CLASSEMENTS.items()])
    h_capacity = StringField("Capacité d'accueil (personnes)", [Length(max=6)],
                             render_kw={"inputmode": "numeric"})
    submit = SubmitField("Créer l'hébergeur")

    def split(self) -> tuple[dict, dict]:
        """The host's fields, and their first hébergement's (the `h_` fields)."""
        data = self.data
        return data, {k[2:]: v for k, v in data.items() if k.startswith("h_")}


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV (UTF-8 ou Windows-1252, séparateur ; ou ,)")
    content = HiddenField()
    signature = HiddenField()
    preview = SubmitField("Vérifier le fichier")
    confirm = SubmitField("Importer")


def details_data(host, with_hebergements: bool = False, console: bool = False):
    """A form's initial values: the host as recorded, the phone in French format (and, for
    the console, the login email and the collectivité's reference)."""
    values = {k: getattr(host, k) for k in ("civility", "last_name", "first_name", "address",
                                            "postal_code", "city")}
    values["phone"] = format_phone(host.phone)
    if with_hebergements:
        values["hebergements"] = list(host.hebergements)
    if console:
        values.update(email=host.email, reference=host.reference)
    return SimpleNamespace(**values)
