"""What every response shares: security headers, French error pages, template helpers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from plateforme.deployment import Platform
from plateforme.sites import SiteKind

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def platform_url(path: str = "/") -> str:
    """The apex's absolute URL: the one link that crosses from a collectivité to the platform."""
    platform = Platform.from_config(current_app.config)
    return platform.url(platform.domain, path)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


ERROR_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    413: "Fichier trop volumineux",
    429: "Trop de tentatives",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}


def _error_page(error: HTTPException):
    site = g.get("site")
    code = error.code or 500
    if site is not None and site.kind is SiteKind.UNAVAILABLE and code == 503:
        return _outage_page(site)  # the registry could not be read: the database is down
    if request.path.startswith("/api/"):  # a program asked: it gets JSON, in French too
        return jsonify(erreur=ERROR_TITLES.get(code, error.name)), code
    if site is not None and site.kind is SiteKind.UNKNOWN_SUBDOMAIN and code == 404:
        template = "errors/unknown_tenant.html"
    elif site is not None and site.kind is SiteKind.BARE_ADDRESS and code == 404:
        template = "errors/bare_address.html"
    elif site is not None and site.kind is SiteKind.TENANT and code == 503:
        template = "errors/tenant_unavailable.html"
    else:
        template = "errors/generic.html"
    title = ERROR_TITLES.get(code, error.name)
    # A reason given to abort() is French and meant for the person (Werkzeug's are not).
    reason = vars(error).get("description")
    page = render_template(template, code=code, title=title, site=site, reason=reason)
    if template == "errors/tenant_unavailable.html" and site.tenant.moving_to is not None:
        # A move to another server lasts seconds: clients may come back soon.
        return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return page, code


def _csrf_error(error):
    site = g.get("site")
    return render_template("errors/generic.html", code=400, title="Formulaire expiré",
                           site=site, csrf=True), 400


def _internal_error(error):
    original = getattr(error, "original_exception", None) or error
    if is_database_outage(original):  # raised after the view (saving the session, say)
        return _database_unavailable(original)
    current_app.logger.error("erreur non gérée", exc_info=original)
    return _error_page(_InternalError())


# --- the database out of reach ------------------------------------------------------------

#: Seconds a client is told to wait after a 503 for an unreachable database: PostgreSQL restarts
#: in a few seconds, and the pool then reconnects (a connection found dead on the first statement
#: of a transaction is replaced and the statement retried: plateforme/database.py).
RETRY_AFTER_SECONDS = 5


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` says the database cannot serve now rather than a bug: PostgreSQL refused
    or lost the connection (a restart, a failover: psycopg's OperationalError with no SQLSTATE,
    or SQLSTATE class 08 connection exception, 57 operator intervention — shutting down,
    starting up — or 53 insufficient resources — too many connections), a connection SQLAlchemy
    had to invalidate, the pool exhausted; on SQLite, the file busy. A missing table or a
    constraint violated stays a bug (500)."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    driver_error = error.orig
    if hasattr(driver_error, "sqlstate"):  # psycopg: None when the server never answered
        if isinstance(error, sa.exc.InterfaceError):  # the connection is closed
            return True
        state = driver_error.sqlstate
        return isinstance(error, sa.exc.OperationalError) and (
            state is None or state[:2] in ("08", "53", "57"))
    return getattr(driver_error, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")


def database_unavailable() -> bool:
    """Whether this request's page says the database failed: what renders it must not ask the
    database again (the collectivité's settings, say)."""
    return bool(g.get("database_unavailable"))


def _database_error(error: sa.exc.SQLAlchemyError):
    """A database outage (`is_database_outage`) gets a French 503, never a 500 or a traceback:
    the action was not done, or done whole (one transaction: `db.attempt`), and the person may
    try again in a few seconds. Logged as an error with its traceback, for the operators. The
    session is left to the teardown, which closes it; a lost connection was invalidated with
    the others the pool held, so the next request reconnects (and a connection found dead on the
    first statement of a transaction is replaced and the statement retried, without a 503).
    Any other database error is raised again, for the 500 handler (or a test) to get it as it
    is."""
    if not is_database_outage(error):
        raise error
    return _database_unavailable(error)


def _database_unavailable(error: BaseException):
    current_app.logger.error("base de données injoignable : réponse 503 pour %s %s",
                             request.method, request.path, exc_info=error)
    return _outage_page(g.get("site"))


def _outage_page(site):
    """The 503 of an unreachable database: a program gets JSON, a person the French page (with
    the support numbers this process last read, if any: see `database_unavailable`)."""
    g.database_unavailable = True
    if request.path.startswith("/api/"):
        response = jsonify(erreur=ERROR_TITLES[503])
        response.status_code = 503
    else:
        response = current_app.make_response((render_template(
            "errors/database_unavailable.html", code=503, title=ERROR_TITLES[503],
            site=site), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class _InternalError(HTTPException):
    code = 500
    description = "Erreur interne"


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    for code in ERROR_TITLES:
        if code != 500:
            app.register_error_handler(code, _error_page)
    app.register_error_handler(500, _internal_error)
    for error in (sa.exc.DBAPIError, sa.exc.TimeoutError):
        app.register_error_handler(error, _database_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.jinja_env.globals["platform_url"] = platform_url

    @app.context_processor
    def _site():
        return {"site": g.get("site"), "request_path": request.path if request else "/"}
