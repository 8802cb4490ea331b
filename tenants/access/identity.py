"""Who is logged in on this collectivité, for one request: Flask-Login over the collectivité's
own session rows, for its two audiences (hosts, and agents in the console).

The Flask session cookie is signed with a salt that names the collectivité, so a cookie made on
one collectivité's host does not even decode on another's. It carries only random session tokens
(one per audience: a host and an agent may share a browser); the sessions themselves, with their
idle and absolute limits, live in the collectivité's schema (`sessions`), so logging out on the
server ends them for good. "Se souvenir de moi" is a separate cookie, traded on use for a new one
and for a new session.

Flask-Login holds the request's person (`current_user`, an anonymous user otherwise). Its only
source is the request loader below: Flask-Login's own cookie-held user id and remember cookie are
not used, because they cannot be revoked on the server. Which audience a request serves is
chosen by its blueprint: the console's blueprints (named `console…`) serve agents, every other
page of the collectivité serves hosts. Each audience is registered by the package that owns its
people (`hosts`, `agents`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import flask_login
from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from plateforme import tenancy
from plateforme.database import db
from plateforme.sites import SiteKind, site_for
from tenants.access import sessions, throttle
from tenants.audit.journal import Actor, ActorKind
from tenants.audit.journal import record as record_event
from tenants.audit.journal import security_event as journal_security_event
from tenants.core.dates import utcnow
from tenants.core.keys import current_keys
from tenants.core.pages import public_cache_of_request

security_log = logging.getLogger("taxesejour.security")
AUDIENCES_KEY = "taxesejour.audiences"


@dataclass(frozen=True)
class Audience:
    """People who log into one space of the collectivité."""

    name: str                        # "host", "agent": the people's `audience`
    cookie_key: str                  # the Flask session key holding their session token
    kind: sessions.Kind              # their session rows (and remembered browsers)
    person_model: type
    blueprint_prefix: str | None     # blueprints served to them; None: every other page


def register_audience(app: Flask, audience: Audience) -> None:
    app.extensions.setdefault(AUDIENCES_KEY, {})[audience.name] = audience


def audience(name: str) -> Audience:
    return current_app.extensions[AUDIENCES_KEY][name]


def _audience_of_request() -> Audience | None:
    audiences = current_app.extensions.get(AUDIENCES_KEY, {}).values()
    blueprint = request.blueprint or ""
    for candidate in audiences:
        if candidate.blueprint_prefix and blueprint.startswith(candidate.blueprint_prefix):
            return candidate
    return next((a for a in audiences if a.blueprint_prefix is None), None)


def policy() -> sessions.SessionPolicy:
    return sessions.SessionPolicy.from_config(current_app.config)


# --- Flask-Login ----------------------------------------------------------------------------


class Anonymous(flask_login.AnonymousUserMixin):
    audience = None


class LoginManager(flask_login.LoginManager):
    """Flask-Login whose one source of identity is the request loader (the session rows)."""

    def _load_user(self):
        return self._update_request_context_with_user(self._load_user_from_request(request))


def _person_of_request(_request):
    """The live session's person, or a remembered browser's (traded for a new session)."""
    site = g.get("site")
    if (site is None or site.kind is not SiteKind.TENANT or not site.tenant.is_open
            or tenancy.current_binding() is None or request.endpoint == "static"
            or public_cache_of_request() is not None):
        return None
    spec = _audience_of_request()
    if spec is None:
        return None
    keys = current_keys()
    token = session.get(spec.cookie_key)
    row = sessions.live_session(db.session, spec.kind, keys, token, policy())
    if row is not None:
        return getattr(row, spec.kind.owner)
    if token:
        session.pop(spec.cookie_key)
    if spec.kind.remember_model is None:
        return None
    cookie = request.cookies.get(remember_cookie_name())
    traded = sessions.use_remember_token(db.session, spec.kind, keys, cookie, policy(),
                                         spec.person_model)
    if traded is None:
        if cookie:
            g.remember_cookie = ""  # a dead cookie: delete it
        return None
    person, g.remember_cookie = traded
    _open(spec, person)
    security_event("login.remembered", person)
    return person


def _identify() -> None:
    """Before every page: who is there, loaded now rather than halfway through a template."""
    flask_login.current_user._get_current_object()
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()  # only when something changed: a commit expires the person


def current_person():
    """The logged-in host or agent of this request; None when anonymous or outside a request."""
    user = flask_login.current_user._get_current_object()
    return None if user is None or user.is_anonymous else user


def current_host():
    person = current_person()
    return person if person is not None and person.audience == "host" else None


def current_agent():
    person = current_person()
    return person if person is not None and person.audience == "agent" else None


def _set_current(person) -> None:
    current_app.login_manager._update_request_context_with_user(person)


# --- logging in and out ---------------------------------------------------------------------


def _open(spec: Audience, person) -> None:
    """A fresh session (and CSRF token) for this browser; another audience's session in the
    same browser, checked on the server at each request, is kept."""
    others = {a.cookie_key for a in current_app.extensions[AUDIENCES_KEY].values()} - {
        spec.cookie_key}
    kept = {key: session[key] for key in others if key in session}
    session.clear()
    session.update(kept)
    # Flask-WTF caches the request's token: a page rendered after this gets the new one.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    session[spec.cookie_key] = sessions.open_session(db.session, spec.kind, current_keys(),
                                                     person, policy())
    _set_current(person)


def sign_in(person, remember: bool = False) -> None:
    """Open a session for `person` (the caller verified who they are), in the caller's
    transaction."""
    spec = audience(person.audience)
    _open(spec, person)
    person.last_login_at = utcnow()
    if remember and spec.kind.remember_model is not None:
        g.remember_cookie = sessions.remember(db.session, spec.kind, current_keys(), person,
                                              policy())


def sign_out() -> None:
    """End this browser's sessions on the server — the host's and the agent's alike, since the
    cookie that carried both is cleared (issue 12, finding 7) — and forget a remembered login."""
    person = current_person()
    spec = audience(person.audience) if person is not None else _audience_of_request()
    for other in current_app.extensions[AUDIENCES_KEY].values():
        if session.get(other.cookie_key):
            sessions.end_session(db.session, other.kind, current_keys(),
                                 session.get(other.cookie_key))
    if spec is not None:
        if spec.kind.remember_model is not None:
            sessions.forget_remember_token(db.session, spec.kind,
                                           request.cookies.get(remember_cookie_name()))
            g.remember_cookie = ""
    session.clear()
    _set_current(None)


def forget_browser() -> None:
    """After a password reset (every session already ended on the server): a host logged in
    here is logged out of this browser too, and its remembered login forgotten."""
    if current_host() is not None:
        session.clear()
        _set_current(None)
    g.remember_cookie = ""


def device_cookie() -> str | None:
    """This browser's known-device cookie, as sent (`throttle.budget` judges it)."""
    return request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])


def known_device(account: str) -> None:
    """This browser just logged in to `account` (its throttle key): from now on it keeps a
    budget of login tries of its own for it (`tenants.access.throttle`). Kept at logout and
    after a password reset: it proves a past login, never opens a session."""
    g.device_cookie = throttle.known_device_cookie(current_keys(), device_cookie(), account)


def end_all_sessions(db_session, person) -> None:
    """Every browser of `person` is logged out, remembered ones included."""
    sessions.end_all_sessions(db_session, audience(person.audience).kind, person)


# --- the journal ----------------------------------------------------------------------------


def actor() -> Actor:
    """Who acts in this request, for the journal: the logged-in person, or the system."""
    person = current_person()
    ip = request.remote_addr if request else None
    if person is None:
        return Actor(ActorKind.SYSTEM, ip=ip)
    return Actor(ActorKind(person.audience), person.id, person.email or "", ip=ip)


def record(action: str, target: str = "", **details) -> None:
    """An event by the person of this request, in the current transaction."""
    record_event(db.session, action, actor(), target=target, **details)


def security_event(event: str, person=None, **fields) -> None:
    """A security event of a host (or nobody yet), without any secret: in the process's log
    and in the collectivité's journal, in the current transaction."""
    binding = tenancy.current_binding()
    ip = request.remote_addr if request else None
    who = (Actor(ActorKind.HOST, person.id, person.email or "", ip=ip) if person
           else Actor(ActorKind.SYSTEM, ip=ip))
    journal_security_event(db.session, event, who, binding.tenant.slug if binding else None,
                           target=person.full_name if person else "", **fields)


# --- cookies --------------------------------------------------------------------------------


class TenantSessionInterface(SecureCookieSessionInterface):
    """The session cookie's signature names the collectivité (or the platform's realm)."""

    def get_signing_serializer(self, app: Flask):
        site = site_for(request.environ, app)
        realm = site.tenant.schema if site.kind is SiteKind.TENANT else site.realm
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            serializer.salt = f"{self.salt}|{realm}"
        return serializer


def remember_cookie_name() -> str:
    return current_app.config["REMEMBER_COOKIE_NAME"]


def _set_remember_cookie(response):
    cookie = g.get("remember_cookie")
    if cookie is None:
        return response
    config = current_app.config
    if cookie:
        response.set_cookie(remember_cookie_name(), cookie,
                            max_age=int(timedelta(days=config["REMEMBER_DAYS"]).total_seconds()),
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax", path="/")
    else:
        response.delete_cookie(remember_cookie_name(), secure=config["SESSION_COOKIE_SECURE"],
                               httponly=True, samesite="Lax", path="/")
    return response


def _set_device_cookie(response):
    cookie = g.get("device_cookie")
    if cookie:
        config = current_app.config
        response.set_cookie(config["DEVICE_COOKIE_NAME"], cookie,
                            max_age=int(throttle.KNOWN_DEVICE_AGE.total_seconds()),
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax", path="/")
    return response


def _no_store(response):
    """Tenant pages carry personal data and CSRF tokens: never cached anywhere (but the few
    declared the same for everyone)."""
    site = g.get("site")
    if site is not None and site.kind is SiteKind.TENANT and request.endpoint != "static":
        seconds = public_cache_of_request()
        if seconds is not None and response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={seconds}"
        else:
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.session_protection = None  # the session rows are the protection
    manager.anonymous_user = Anonymous
    manager.request_loader(_person_of_request)
    manager.init_app(app, add_context_processor=False)
    app.session_interface = TenantSessionInterface()
    app.before_request(_identify)
    app.after_request(_set_remember_cookie)
    app.after_request(_set_device_cookie)
    app.after_request(_no_store)

    @app.context_processor
    def _people():
        # Who was identified before the page, without identifying anyone now: an error page
        # rendered because the database failed must not ask it again.
        person = g.get("_login_user")
        if person is None or person.is_anonymous:
            return {"current_host": None, "current_agent": None}
        return {"current_host": person if person.audience == "host" else None,
                "current_agent": person if person.audience == "agent" else None}
