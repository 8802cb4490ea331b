"""The faster `html_params` writes what WTForms' own writes, for every kind of value, and every
widget uses it once the application is built."""

import pytest
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import core

from plateforme import widgets

CASES = [
    {},
    {"name": "email", "autocomplete": "username", "id": "email", "maxlength": 254,
     "required": True, "spellcheck": "false", "type": "email", "value": ""},
    {"class_": 'a"b<c>&d', "for_": "x"},
    {"data_foo_bar": Markup('a"b'), "aria_describedby": "x y", "disabled": False,
     "checked": True},
    {"value": 0, "min": 1.5, "max": None},
    {"aria-invalid": "true", "a<b": "1", "data-x_": "é"},
    {"value": Markup("<b>déjà</b>"), "title": "&amp; l'été"},
]


@pytest.mark.parametrize("attributes", CASES)
def test_the_same_attributes_as_wtforms(attributes):
    ours = widgets.html_params(**attributes)
    assert ours == widgets.original_html_params(**attributes)
    assert isinstance(ours, Markup)


class EveryWidget(Form):
    email = EmailField("Courriel", [DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField("Mot de passe", [DataRequired()])
    name = StringField("Nom <b>", default='O"Brien & fils')
    notes = TextAreaField("Notes", default="<script>")
    kind = SelectField("Nature", choices=[SelectChoice("a", "Hôtel"),
                                          SelectChoice("b", 'Gîte "rural"')], default="b")
    civility = RadioField("Civilité", choices=[SelectChoice("m", "Monsieur"),
                                                    SelectChoice("mme", "Madame")])
    remember = BooleanField("Se souvenir", default=True)
    submit = SubmitField("Envoyer")


def rendered(form) -> list[str]:
    out = []
    for field in form:
        out += [str(field(class_="x", aria_describedby="a b", data_x="1")), str(field.label())]
        out += [str(option()) for option in field] if field.type == "RadioField" else []
    return out


def test_every_widget_renders_as_with_wtforms_own(app, monkeypatch):
    assert core.html_params is widgets.html_params   # installed by the application
    ours = rendered(EveryWidget())
    monkeypatch.setattr(core, "html_params", widgets.original_html_params)
    monkeypatch.setattr(core.Input, "html_params", staticmethod(widgets.original_html_params))
    monkeypatch.setattr(core.Button, "html_params", staticmethod(widgets.original_html_params))
    monkeypatch.setattr("wtforms.widgets.html_params", widgets.original_html_params)
    assert ours == rendered(EveryWidget())
    assert 'value="O&#34;Brien &amp; fils"' in "".join(ours)
