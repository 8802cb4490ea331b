"""What views share to answer 404: an object or a URL segment that does not exist here."""

from __future__ import annotations

import enum

from flask import abort

from plateforme.database import db


def get_or_404(model, ident):
    """The row `ident` of `model` in the bound collectivité, or a 404 (whoever else has it)."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def enum_or_404(kind: type[enum.StrEnum], value: str):
    """A URL segment naming one of `kind`'s values (a console button's action), or a 404."""
    try:
        return kind(value)
    except ValueError:
        abort(404)
