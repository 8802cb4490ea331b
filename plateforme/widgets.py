"""WTForms' `html_params`, the attributes of every input, label, button and select the forms
render, with the same output, faster.

Why: WTForms builds each attribute through `Markup.format`, Python's pure-Python string
formatter: about three quarters of rendering a field went there (a login page: some forty
attributes). The attributes, their order (sorted by name) and their escaping are WTForms' own;
tests/plateforme/test_widgets.py compares both functions on every kind of value, so that a
WTForms upgrade changing its output is noticed.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets import core

#: WTForms' own, kept for the comparison test.
original_html_params = core.html_params


@lru_cache(maxsize=1024)
def _attribute_name(key: str) -> str:
    """`class_` and `for_` lose their underscore, `data_…` and `aria_…` turn theirs into hyphens
    (a few dozen names in all: the forms' code writes them)."""
    return str(escape(core.clean_key(key)))


def html_params(**kwargs) -> Markup:
    """`key="value"` pairs sorted by name: `True` gives the bare key, `False` nothing."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = _attribute_name(key)
        if value is True:
            params.append(key)
        elif value is not False:
            # escape() leaves the quotes of an already safe value (Markup) as they are.
            params.append(f'{key}="{str.replace(escape(value), chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 - every part escaped above


def install() -> None:
    """Every widget, wherever it looks `html_params` up, uses this one (once per process)."""
    core.html_params = widgets.html_params = html_params
    core.Input.html_params = core.Button.html_params = staticmethod(html_params)
