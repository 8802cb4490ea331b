"""Who is logged in on this collectivité, for one request.

The Flask session cookie is signed with a salt that names the collectivité, so a cookie made on
one collectivité's host does not even decode on another's. It carries only a random session
token; the session itself (and its idle and absolute limits) lives in the collectivité's schema,
so logging out on the server ends it for good. "Se souvenir de moi" is a separate cookie, at
most REMEMBER_DAYS old, traded on use for a new one and for a new session.

Every tenant view declares who may reach it (`public`, `host_required`, or
`host_required(before_cgu=True)` for the CGU page itself); a test fails on a view that does not.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from plateforme import tenancy
from plateforme.database import db
from plateforme.hosts import SiteKind, site_for
from tenants import accounts, audit, legal
from tenants.hosts import Host

security_log = logging.getLogger("taxesejour.security")


def keys() -> accounts.Keys:
    return accounts.Keys(current_app.secret_key, tenancy.current_tenant().schema)


def policy() -> accounts.SessionPolicy:
    config = current_app.config
    return accounts.SessionPolicy(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                  absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
                                  remember=timedelta(days=config["REMEMBER_DAYS"]))


def log_event(event: str, host: Host | None = None, **fields) -> None:
    """A security event, without any secret: who (host id), what, where from, which tenant;
    in the process's log and in the collectivité's audit log (committed at once)."""
    tenant = tenancy.current_binding()
    ip = request.remote_addr if request else None
    security_log.info(
        event, extra={"event": event, "tenant": tenant.tenant.slug if tenant else None,
                      "host_id": host.id if host else None, "ip": ip, **fields})
    audit.record(db.session, event, actor_kind="host" if host else "system",
                 actor_id=host.id if host else None, actor_label=host.email or "" if host else "",
                 target=host.full_name if host else "", ip=ip, **fields)
    db.session.commit()


# --- the session cookie, bound to its collectivité ----------------------------------------


class TenantSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask):
        site = site_for(request.environ, app)
        realm = site.tenant.schema if site.kind is SiteKind.TENANT else site.realm
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            serializer.salt = f"{self.salt}|{realm}"
        return serializer


# --- the current host ---------------------------------------------------------------------


def current_host() -> Host | None:
    return g.get("host")


def _load_host():
    """Before every tenant page: the live session, or a remembered browser, or nobody."""
    g.host = None
    site = g.get("site")
    if site is None or site.kind is not SiteKind.TENANT or request.endpoint == "static":
        return
    row = accounts.find_session(db.session, keys(), session.get("auth"), policy())
    if row is not None:
        g.host = row.host
    else:
        if session.get("auth"):
            session.pop("auth")
        traded = accounts.use_remember_token(db.session, keys(),
                                             request.cookies.get(_remember_name()), policy())
        if traded is not None:
            host, cookie = traded
            _start_session(host)
            g.remember_cookie = cookie
            log_event("login.remembered", host)
        elif request.cookies.get(_remember_name()):
            g.remember_cookie = ""  # a dead cookie: delete it
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()  # only when something changed: a commit expires g.host


def _start_session(host: Host) -> None:
    # A fresh session (and CSRF token) at every login; an agent's console session in the same
    # browser, checked on the server at each request, is kept.
    agent_token = session.get("agent_auth")
    session.clear()
    if agent_token:
        session["agent_auth"] = agent_token
    session["auth"] = accounts.open_session(db.session, keys(), host, policy())
    g.host = host


def login(host: Host, remember: bool) -> None:
    """Open a session for `host` (the caller verified the password); commits."""
    _start_session(host)
    host.last_login_at = accounts.utcnow()
    if remember:
        g.remember_cookie = accounts.remember(db.session, keys(), host, policy())
    db.session.commit()
    log_event("login.success", host, remember=remember)


def logout() -> None:
    """End this browser's session on the server, and forget it if it was remembered."""
    host = current_host()
    accounts.end_session(db.session, keys(), session.get("auth"))
    accounts.forget_remember_token(db.session, request.cookies.get(_remember_name()))
    db.session.commit()
    session.clear()
    g.host = None
    g.remember_cookie = ""
    log_event("logout", host)


def _remember_name() -> str:
    return current_app.config["REMEMBER_COOKIE_NAME"]


def _set_cookies(response):
    cookie = g.get("remember_cookie")
    if cookie is None:
        return response
    config = current_app.config
    if cookie:
        response.set_cookie(_remember_name(), cookie,
                            max_age=int(timedelta(days=config["REMEMBER_DAYS"]).total_seconds()),
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax", path="/")
    else:
        response.delete_cookie(_remember_name(), secure=config["SESSION_COOKIE_SECURE"],
                               httponly=True, samesite="Lax", path="/")
    return response


def _no_store(response):
    """Tenant pages carry personal data and CSRF tokens: never cached anywhere."""
    site = g.get("site")
    if site is not None and site.kind is SiteKind.TENANT and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


# --- access rules, one per view -----------------------------------------------------------


def public(view):
    view.access = "public"
    return view


def host_required(view=None, *, before_cgu: bool = False):
    """Logged-in hosts only; and, unless `before_cgu`, only once they accepted the current CGU
    and privacy policy (nothing of their space is reachable before)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            host = current_host()
            if host is None:
                flash("Connectez-vous pour accéder à votre espace hébergeur.", "info")
                return redirect(url_for("home.index", next=_safe_next(request.full_path)))
            if not before_cgu and legal.pending(db.session, host.id):
                return redirect(url_for("cgu.accept"))
            return view(*args, **kwargs)

        wrapper.access = "host_before_cgu" if before_cgu else "host"
        return wrapper

    return decorate(view) if view is not None else decorate


def _safe_next(target: str | None) -> str | None:
    """A local path only: anything that a browser could read as another host is dropped."""
    if not target:
        return None
    target = target.rstrip("?")
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 for c in target)):
        return None
    return target


safe_next = _safe_next


def init_app(app: Flask) -> None:
    app.session_interface = TenantSessionInterface()
    app.before_request(_load_host)
    app.after_request(_set_cookies)
    app.after_request(_no_store)

    @app.context_processor
    def _identity():
        return {"current_host": g.get("host")}
