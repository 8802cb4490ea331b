"""What every package's forms share. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, SubmitField
from wtforms.meta import DefaultMeta

from tenants.core.money import MAX_AMOUNT, french

REQUIRED = "Ce champ est obligatoire."
#: WTForms' own messages (a number, a date or a choice that cannot be read; a length) come from
#: its French catalogue: the product speaks French only and has no Flask-Babel.
LOCALES = ("fr",)


def speak_french(app) -> None:
    """Every form, Flask-WTF's and the plain WTForms blocks nested in them, reads its messages
    through `DefaultMeta`'s locales; Flask-WTF does so once its Babel lookup is off (without
    Babel, it would fall back to WTForms' English)."""
    DefaultMeta.locales = LOCALES
    app.config.setdefault("WTF_I18N_ENABLED", False)


def attrs(autocomplete: str | None = None, **extra) -> dict:
    """HTML attributes of a field: its `autocomplete` purpose (RGAA 11.13) and any other."""
    values = dict(extra)
    if autocomplete:
        values["autocomplete"] = autocomplete
    return values


class ActionForm(FlaskForm):
    """A button that posts (disable, enable…): the CSRF token and nothing else."""

    submit = SubmitField("Confirmer")


class AmountField(DecimalField):
    """An amount in euros typed in a form: a number that a column of hundredths stores. "NaN",
    "Infinity" or "1e30" are numbers to `Decimal`, not amounts: they would fail the rounding to
    the cent or the database, after the form's checks."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and (not self.data.is_finite() or abs(self.data) > MAX_AMOUNT):
            self.data = None
            raise ValueError(f"Un montant en euros est attendu ({french(MAX_AMOUNT)} au plus).")
