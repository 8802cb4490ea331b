"""What every package's forms share. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField

REQUIRED = "Ce champ est obligatoire."


def attrs(autocomplete: str | None = None, **extra) -> dict:
    """HTML attributes of a field: its `autocomplete` purpose (RGAA 11.13) and any other."""
    values = dict(extra)
    if autocomplete:
        values["autocomplete"] = autocomplete
    return values


class ActionForm(FlaskForm):
    """A button that posts (disable, enable…): the CSRF token and nothing else."""

    submit = SubmitField("Confirmer")
