"""Which pages say "Erreur : " and which forms base.html summarises (RGAA 11.10)."""

from flask import Flask, render_template_string
from wtforms import Form, StringField
from wtforms.validators import DataRequired

from plateforme import page_errors

PAGE = ("{% from '_forms.html' import errors_summary %}"
        "{% if mine %}{{ errors_summary(mine) }}{% endif %}"
        "[{{ 'Erreur' if page_has_errors() else 'OK' }}]"
        "{% for f in unsummarised_error_fields() %}<{{ f.id }}>{% endfor %}")


class NameForm(Form):
    name = StringField("Nom", [DataRequired("Indiquez le nom.")])


class CityForm(Form):
    city = StringField("Commune", [DataRequired("Indiquez la commune.")])


def render(**context) -> str:
    app = Flask(__name__, template_folder="../../templates")
    page_errors.init_app(app)
    with app.test_request_context():
        return render_template_string(PAGE, **context)


def refused(form_class):
    form = form_class()
    form.validate()
    return form


def test_a_page_without_errors_says_nothing():
    assert render(form=NameForm(), error=None).endswith("[OK]")


def test_a_message_from_the_view_makes_an_error_page():
    assert "[Erreur]" in render(error="Mot de passe incorrect.")
    assert "[Erreur]" in render(password_error="Mot de passe incorrect.")


def test_forms_the_template_did_not_summarise_are_left_to_base():
    html = render(form=refused(NameForm), other=refused(CityForm))
    assert "[Erreur]<name><city>" in html
    html = render(mine=refused(NameForm), other=refused(CityForm))
    assert 'href="#name"' in html and autofocused(html)
    assert html.endswith("[Erreur]<city>")   # mine is summarised where the template put it


def autofocused(html: str) -> bool:
    return 'role="alert" tabindex="-1" autofocus' in html
