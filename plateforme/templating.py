"""A template rendered while a page renders (a panel another package adds to the page) takes the
values the context processors gave that page, instead of running them again.

Why: Flask's `render_template` runs every context processor for every template it renders, and
some read the database (the collectivité's settings, its accessibility status). A page with three
panels ran them four times; within one rendering they give the same answer.

How: `update_context` (called by the application's `update_template_context`) keeps the values it
computed in the page's context, under `PROCESSED`; `inside(context)`, around the panels' rendering,
hands them to the templates rendered meanwhile. Values passed to `render_template` still win, as in
Flask; a template rendered anywhere else (an email, an error page) runs the processors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request

#: The key, in a rendered template's context, of what the context processors gave it.
PROCESSED = "_context_processors_values"

_enclosing: ContextVar[dict | None] = ContextVar("enclosing_template_values", default=None)


def processor_values(app: Flask) -> dict:
    """What the context processors give, in Flask's order (the app's, then the blueprints')."""
    names = (None, *reversed(request.blueprints)) if has_request_context() else (None,)
    values: dict = {}
    for name in names:
        for processor in app.template_context_processors.get(name, ()):
            values.update(app.ensure_sync(processor)())
    return values


def update_context(app: Flask, context: dict) -> None:
    values = _enclosing.get()
    if values is None:
        values = processor_values(app)
    given = context.copy()
    context.update(values)
    context[PROCESSED] = values
    context.update(given)


@contextmanager
def inside(context) -> Iterator[None]:
    """Templates rendered in this block take the values `context`'s page was given (a Jinja
    context, or any mapping; nothing is reused if it holds none)."""
    token = _enclosing.set(context.get(PROCESSED))
    try:
        yield
    finally:
        _enclosing.reset(token)
