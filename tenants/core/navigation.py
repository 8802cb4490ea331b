"""Menus and page panels that packages register, so that the shell of a space (the host's,
the console's) never names the features inside it, and a new package adds its entry without
touching the layout.

- A menu entry: a label, an endpoint, an order; in the console, administrators only or not.
- A panel: a named place in a page (`"console.legal_texts"`) where packages above the page's own
  add HTML; a page of `collectivite` can show what `hosts` knows without importing it.
- A step of the host's guided tour: the dashboard section it explains (the element's id), a
  title and what to do there, in order; each package explains its own panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from jinja2 import pass_context
from markupsafe import Markup

from plateforme import templating

MENUS = ("host", "console")
KEY = "taxesejour.navigation"


@dataclass(frozen=True)
class MenuEntry:
    label: str
    endpoint: str
    order: int
    values: dict = field(default_factory=dict)
    admin_only: bool = False
    # Any page of this blueprint marks the entry as the current one (else its endpoint only).
    blueprint: str | None = None

    def is_current(self) -> bool:
        if self.blueprint is not None:
            return request.blueprint == self.blueprint
        return request.endpoint == self.endpoint and all(
            (request.view_args or {}).get(k) == v for k, v in self.values.items())


@dataclass(frozen=True)
class TourStep:
    order: int
    anchor: str
    title: str
    text: str


@dataclass
class Navigation:
    menus: dict[str, list[MenuEntry]] = field(default_factory=lambda: {m: [] for m in MENUS})
    panels: dict[str, list[Callable[..., str]]] = field(default_factory=dict)
    tour: list[TourStep] = field(default_factory=list)


def _state(app: Flask) -> Navigation:
    return app.extensions.setdefault(KEY, Navigation())


def add_menu_entry(app: Flask, menu: str, entry: MenuEntry) -> None:
    entries = _state(app).menus[menu]
    entries.append(entry)
    entries.sort(key=lambda e: e.order)


def add_panel(app: Flask, slot: str, render: Callable[..., str]) -> None:
    """`render(**context)` returns the panel's HTML (a rendered template)."""
    _state(app).panels.setdefault(slot, []).append(render)


def add_tour_step(app: Flask, step: TourStep) -> None:
    steps = _state(app).tour
    steps.append(step)
    steps.sort(key=lambda s: s.order)


def tour_steps(app: Flask | None = None) -> list[TourStep]:
    return list(_state(app or current_app).tour)


def menu(name: str, is_admin: bool = False) -> list[MenuEntry]:
    return [e for e in _state(current_app).menus[name] if is_admin or not e.admin_only]


@pass_context
def panels(page, slot: str, **context) -> Markup:
    # Each panel is a template rendered with autoescaping: its output is already safe HTML.
    # Rendered inside the page, it takes the page's context processors' values (no new queries).
    with templating.inside(page):
        return Markup("".join(render(**context)  # noqa: S704
                              for render in _state(current_app).panels.get(slot, ())))


def init_app(app: Flask) -> None:
    _state(app)
    app.jinja_env.globals.update(menu=menu, panels=panels)
