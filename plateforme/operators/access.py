"""Who is the operator of this request, and what every operators' view requires.

Every view under /operateurs/ declares its access (a test walks the URL map): `operator_step`
for the doors themselves (login, invitation, second factor), `operator_required()` for any
operator logged in with both factors (roles « operateur » and « support »: reading), and
`operator_required("operateur")` for what changes something (a support operator gets a French
403 saying why).

The operator's session token sits in the Flask session cookie of the apex: host-only, HttpOnly,
SameSite, signed with a salt naming the platform's realm (a collectivité's cookie does not even
decode here); the session row, with its idle and absolute limits, in the shared schema.
"""

from __future__ import annotations

import functools

from flask import abort, current_app, g, redirect, request, session, url_for

from plateforme.database import db
from plateforme.operators import security
from plateforme.operators.models import Operator
from plateforme.sites import SiteKind

COOKIE_KEY = "operator_auth"
ROLES = (None, "operateur")
#: What each rule writes on its view, read by the tests that walk the URL map.
STEP, ANY, WRITER = "operators:step", "operators:any", "operators:operateur"
SUPPORT_REFUSED = ("Votre compte « support » permet de consulter, pas de modifier : cette "
                   "action est réservée aux opérateurs.")


def keys() -> security.Keys:
    return security.Keys(current_app.secret_key)


def policy() -> security.SessionPolicy:
    return security.SessionPolicy.from_config(current_app.config)


def current_operator() -> Operator | None:
    """The operator logged in (both factors) on this request; None when nobody is, outside a
    request, or on any host but the apex."""
    if "_operator" not in g:
        g._operator = _load()
    return g._operator


def _load() -> Operator | None:
    site = g.get("site")
    if site is None or site.kind is not SiteKind.PLATFORM or request.endpoint == "static":
        return None
    token = session.get(COOKIE_KEY)
    row = security.live_session(db.session, keys(), token, policy())
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()  # the idle clock restarted, or a dead row deleted
    if row is None:
        if token:
            session.pop(COOKIE_KEY)
        return None
    return row.operator


def set_current(operator: Operator | None) -> None:
    g._operator = operator


def operator_required(role: str | None = None):
    """Logged in with password and second factor; for `role="operateur"`, operators who may
    change things (a support operator gets a 403 that says why)."""
    if role not in ROLES:
        raise ValueError(f"unknown operator role {role!r}")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            operator = current_operator()
            if operator is None:
                return redirect(url_for("operators_auth.login", next=safe_next(request.full_path)))
            if role == "operateur" and not operator.can_write:
                abort(403, description=SUPPORT_REFUSED)
            return view(*args, **kwargs)

        wrapper.access = WRITER if role else ANY
        return wrapper

    return decorate


def operator_step(view):
    """A door: login, invitation, second factor (reachable without a session)."""
    view.access = STEP
    return view


def safe_next(target: str | None) -> str | None:
    """A local path under /operateurs/ only: nothing a browser could read as another host."""
    if not target:
        return None
    target = target.rstrip("?")
    if (not target.startswith("/operateurs/") or "\\" in target
            or any(ord(c) < 32 for c in target)):
        return None
    return target
