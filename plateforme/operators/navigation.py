"""The operators' shell that every page of theirs shares: where it lives (`PREFIX`, on the apex)
and its menu, which each package fills with `add_menu_entry` (« Accueil » at 0,
« Collectivités » at 20, « Santé de la plateforme » at 30, « Journal » at 40)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request

PREFIX = "/operateurs"
MENU_KEY = "taxesejour.operators_menu"


@dataclass(frozen=True)
class MenuEntry:
    label: str
    endpoint: str
    order: int

    def is_current(self) -> bool:
        return request.endpoint == self.endpoint


def add_menu_entry(app: Flask, label: str, endpoint: str, order: int) -> None:
    entries = app.extensions.setdefault(MENU_KEY, [])
    entries.append(MenuEntry(label, endpoint, order))
    entries.sort(key=lambda entry: entry.order)


def menu() -> list[MenuEntry]:
    """The entries whose page exists in this application."""
    return [entry for entry in current_app.extensions.get(MENU_KEY, ())
            if entry.endpoint in current_app.view_functions]
