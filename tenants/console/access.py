"""Who works in the console for this request, and what each console view requires.

Every console view declares its rule: `agent_required()` (any agent), `agent_required("admin")`
(administrators only), or `console_step` for the login, invitation and two-factor pages. A test
walks the URL map and fails on a console route without one, and another runs every console
route as anonymous, host, agent, administrator and another collectivité's administrator.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import abort, current_app, g, redirect, request, session, url_for

from plateforme.database import db
from plateforme.hosts import SiteKind
from tenants import agents, audit
from tenants.identity import keys

ROLE_REQUIRED = {None: "console:agent", "admin": "console:administrateur"}


def policy() -> agents.Policy:
    config = current_app.config
    return agents.Policy(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                         absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]))


def current_agent() -> agents.Agent | None:
    return g.get("agent")


def _load_agent():
    g.agent = None
    site = g.get("site")
    if (site is None or site.kind is not SiteKind.TENANT or not request.blueprint
            or not request.blueprint.startswith("console")):
        return
    row = agents.find_session(db.session, keys(), session.get("agent_auth"), policy())
    if row is not None:
        g.agent = row.agent
    elif session.get("agent_auth"):
        session.pop("agent_auth")
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()


def start_session(agent: agents.Agent) -> None:
    host_token = session.get("auth")  # a host session in the same browser is kept
    session.clear()
    if host_token:
        session["auth"] = host_token
    session["agent_auth"] = agents.open_session(db.session, keys(), agent, policy())
    g.agent = agent


def record(action: str, target: str = "", **details) -> None:
    """An audit event by the current agent, in the current transaction."""
    agent = current_agent()
    audit.record(db.session, action, actor_kind="agent" if agent else "system",
                 actor_id=agent.id if agent else None,
                 actor_label=agent.email if agent else "", target=target,
                 ip=request.remote_addr, **details)


def agent_required(role: str | None = None):
    """Logged in with password and second factor; administrators only if role == "admin"."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            agent = current_agent()
            if agent is None:
                return redirect(url_for("console_auth.login", next=request.full_path))
            if role == "admin" and not agent.is_admin:
                record("console.denied", request.path)
                db.session.commit()
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = ROLE_REQUIRED[role]
        return wrapper

    return decorate


def console_step(view):
    view.access = "console:step"
    return view


def init_app(app) -> None:
    app.before_request(_load_agent)

    @app.context_processor
    def _agent():
        return {"current_agent": g.get("agent")}
