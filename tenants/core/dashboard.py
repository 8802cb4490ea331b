"""The console home's panels, as data: each feature package registers a function that reads its
own figures through its own services and returns a `Panel`; the console lays them out. The
registry lives here, below every feature, so that no feature imports the console and the
console never names a feature.

A panel gives figures (a label, a number or an amount, a link to the list behind it) and tasks:
what needs doing now, gathered by the console into one « À faire » list at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask, current_app
from sqlalchemy.orm import Session

KEY = "taxesejour.dashboard"


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | Decimal | str     # a Decimal is an amount in euros
    url: str | None = None


@dataclass(frozen=True)
class Task:
    label: str
    url: str


@dataclass(frozen=True)
class Panel:
    title: str
    figures: tuple[Figure, ...] = ()
    tasks: tuple[Task, ...] = ()
    link: Task | None = None          # the page where the feature's figures come from
    note: str = ""


Builder = Callable[[Session], Panel]


def add_home_panel(app: Flask, order: int, build: Builder, admin_only: bool = False) -> None:
    """`admin_only`: a panel whose links lead to administrators' pages (not even built for an
    agent: no query for nothing)."""
    panels = app.extensions.setdefault(KEY, [])
    panels.append((order, build, admin_only))
    panels.sort(key=lambda entry: entry[0])


def home_panels(session: Session, is_admin: bool) -> list[Panel]:
    return [build(session) for _order, build, admin_only in current_app.extensions.get(KEY, ())
            if is_admin or not admin_only]
