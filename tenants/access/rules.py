"""Who may reach each page of a collectivité: every view declares its rule, and a test walks
the URL map and fails on a view that does not.

- `public`: anyone (login, activation, legal texts, the calculator…);
- `host_required`: a logged-in host who passed every gate the packages set (the current CGU
  and privacy policy accepted); `host_required(before_cgu=True)` for the gate's own page;
- `agent_required()`: an agent logged in with both factors; `agent_required(Role.ADMINISTRATEUR)`:
  administrators only;
- `console_step`: the console's login, invitation and second-factor pages.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable

from flask import Flask, abort, current_app, flash, redirect, request, url_for

from plateforme.database import db
from tenants.access.identity import current_agent, current_host, record

GATES_KEY = "taxesejour.host_gates"


class Role(enum.StrEnum):
    """An agent's role in the console (stored as its value)."""

    ADMINISTRATEUR = "administrateur"
    AGENT = "agent"

    @property
    def label(self) -> str:
        return {"administrateur": "Administrateur", "agent": "Agent"}[self.value]


#: What each rule writes on its view, read by the tests that walk the URL map.
PUBLIC, HOST, HOST_BEFORE_CGU = "public", "host", "host_before_cgu"
NOTIFICATION = "notification"
CONSOLE = {None: "console:agent", Role.ADMINISTRATEUR: "console:administrateur"}
CONSOLE_STEP = "console:step"


def public(view):
    view.access = PUBLIC
    return view


def notification(view):
    """A server's call (PayFiP's notification), not a browser's: no session, no CSRF token
    (exempt it too). Such a view must believe nothing it is told: it asks the sender back."""
    view.access = NOTIFICATION
    return view


def add_host_gate(app: Flask, gate: Callable) -> None:
    """`gate(host)` returns where to send a host who may not go further yet, or None."""
    app.extensions.setdefault(GATES_KEY, []).append(gate)


def host_required(view=None, *, before_cgu: bool = False):
    """Logged-in hosts only; and, unless `before_cgu`, only once they passed every gate (the
    CGU and privacy policy accepted: nothing of their space is reachable before)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            host = current_host()
            if host is None:
                flash("Connectez-vous pour accéder à votre espace hébergeur.", "info")
                return redirect(url_for("home.index", next=safe_next(request.full_path)))
            if not before_cgu:
                for gate in current_app.extensions.get(GATES_KEY, ()):
                    target = gate(host)
                    if target is not None:
                        return redirect(target)
            return view(*args, **kwargs)

        wrapper.access = HOST_BEFORE_CGU if before_cgu else HOST
        return wrapper

    return decorate(view) if view is not None else decorate


#: Why an agent gets a 403: the error page says it.
ADMIN_ONLY = "Cette page est réservée aux administrateurs de la collectivité."


def agent_required(role: Role | None = None):
    """Logged in with password and second factor; administrators only for
    `Role.ADMINISTRATEUR`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            agent = current_agent()
            if agent is None:
                return redirect(url_for("console_auth.login", next=request.full_path))
            if role is Role.ADMINISTRATEUR and not agent.is_admin:
                db.attempt(record, "console.denied", request.path)
                abort(403, description=ADMIN_ONLY)
            return view(*args, **kwargs)

        wrapper.access = CONSOLE[role]
        return wrapper

    return decorate


def console_step(view):
    view.access = CONSOLE_STEP
    return view


def safe_next(target: str | None) -> str | None:
    """A local path only: anything that a browser could read as another host is dropped."""
    if not target:
        return None
    target = target.rstrip("?")
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 for c in target)):
        return None
    return target
