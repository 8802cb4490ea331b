"""What views share to answer 404 (an object or a URL segment that does not exist here) or 400
(a request no browser sends), and to serve a page kept in memory with the session's token."""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import Response, abort, current_app, g, request
from flask_wtf.csrf import generate_csrf

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


def refuse_nul_characters() -> None:
    """Before every view: a NUL character cannot be typed, so one in a query string, a form or
    a file's name comes from a forged request; PostgreSQL refuses to store it (a 500 after the
    view's checks). Refused at once as a bad request, whatever the page."""
    texts = [text for pairs in (request.args, request.form) for pair in pairs.items(multi=True)
             for text in pair]
    texts += [upload.filename for _name, upload in request.files.items(multi=True)]
    if any("\x00" in (text or "") for text in texts):
        abort(400)


def cached_publicly(seconds: int):
    """A page the same for everyone (no person, no form token): shared caches may keep it
    `seconds`; nobody is identified on it, so it never sets a cookie."""

    def mark(view):
        view.public_cache = seconds
        return view

    return mark


def public_cache_of_request() -> int | None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    while view is not None:
        if hasattr(view, "public_cache"):
            return view.public_cache
        view = getattr(view, "__wrapped__", None)
    return None


MAX_PAGE = 100_000


def page_number(text: str | None) -> int:
    """`?page=` as typed: a number from 1 to MAX_PAGE, 1 for anything else, so that no value
    (a huge one, a negative one, words) reaches the database's OFFSET."""
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 6:
        return 1 if not text.isdigit() else MAX_PAGE
    return min(max(1, int(text)), MAX_PAGE)


#: Where the session's CSRF token goes in a page kept in memory (no one can type a NUL).
_TOKEN_SLOT = "\x00jeton-csrf\x00"  # noqa: S105 - a placeholder, not a secret


def without_token(render: Callable[[], str]) -> tuple[bytes, ...]:
    """`render()`'s page cut where the session's CSRF token goes, to keep in memory for every
    session (as UTF-8: half the memory of the text). Meanwhile `csrf_token()` and the forms'
    tokens give the slot: Flask-WTF takes the request's token from `g`."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    real = g.pop(field, None)
    setattr(g, field, _TOKEN_SLOT)
    try:
        html = render()
    finally:
        g.pop(field, None)
        if real is not None:
            setattr(g, field, real)
    parts = tuple(part.encode() for part in html.split(_TOKEN_SLOT))
    if any(_TOKEN_SLOT.strip("\x00").encode() in part for part in parts):
        raise RuntimeError("a CSRF token of the page was escaped: it cannot be put in")
    return parts


def with_token(parts: tuple[bytes, ...]) -> Response:
    """A page kept by `without_token`, with this session's token put in."""
    return current_app.response_class(generate_csrf().encode().join(parts),
                                      mimetype="text/html")
