"""What every response shares: security headers, French error pages, template helpers."""

from __future__ import annotations

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
    if request.path.startswith("/api/"):  # a program asked: it gets JSON, in French too
        return jsonify(erreur=ERROR_TITLES.get(code, error.name)), code
    if site is not None and site.kind is SiteKind.UNKNOWN_SUBDOMAIN and code == 404:
        template = "errors/unknown_tenant.html"
    elif site is not None and site.kind is SiteKind.TENANT and code == 503:
        template = "errors/tenant_unavailable.html"
    else:
        template = "errors/generic.html"
    title = ERROR_TITLES.get(code, error.name)
    return render_template(template, code=code, title=title, site=site), code


def _csrf_error(error):
    site = g.get("site")
    return render_template("errors/generic.html", code=400, title="Formulaire expiré",
                           site=site, csrf=True), 400


def _internal_error(error):
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error("erreur non gérée", exc_info=original)
    return _error_page(_InternalError())


class _InternalError(HTTPException):
    code = 500
    description = "Erreur interne"


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    for code in ERROR_TITLES:
        if code != 500:
            app.register_error_handler(code, _error_page)
    app.register_error_handler(500, _internal_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.jinja_env.globals["platform_url"] = platform_url

    @app.context_processor
    def _site():
        return {"site": g.get("site"), "request_path": request.path if request else "/"}
