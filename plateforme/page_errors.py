"""A page answering a form with errors says so before anything else (RGAA 11.10): its title
starts with "Erreur : " and the focus goes to a summary of the errors, linked to their fields.

Generic over every template: `base.html` renders the page's content first, then asks what the
context holds — WTForms forms with field errors, or a message in `error` / `…_error` (what the
views hand to `form_error`). The forms a template summarised itself (`errors_summary`, where its
form is) are left out of the summary `base.html` puts at the top of the page.
"""

from __future__ import annotations

from flask import Flask, g
from jinja2 import pass_context
from wtforms import Form

from plateforme import widgets


def _forms(context) -> list[Form]:
    forms = {}
    for value in context.get_all().values():
        if isinstance(value, Form) and value.errors:
            forms.setdefault(id(value), value)
    return list(forms.values())


@pass_context
def page_has_errors(context) -> bool:
    messages = any(value for name, value in context.get_all().items()
                   if (name == "error" or name.endswith("_error")) and isinstance(value, str))
    return messages or bool(_forms(context))


@pass_context
def unsummarised_error_fields(context) -> list:
    done = g.get("summarised_forms", set())
    return [field for form in _forms(context) if id(form) not in done
            for field in form if field.errors]


def summarised(form) -> str:
    """Called by `errors_summary`: this form's errors are shown where the template put them."""
    if isinstance(form, Form):
        g.setdefault("summarised_forms", set()).add(id(form))
    return ""


def init_app(app: Flask) -> None:
    widgets.install()  # the fields' attributes, as WTForms writes them, faster
    app.jinja_env.globals.update(page_has_errors=page_has_errors, summarised=summarised,
                                 unsummarised_error_fields=unsummarised_error_fields)
