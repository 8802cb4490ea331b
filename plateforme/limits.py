"""Rate limits by client address, per collectivité (Flask-Limiter).

Views declare their limit with `@limit("10 per minute")`; each application gets its own Limiter
(and storage), applied to the marked views once they are registered. The key names the
collectivité, so one collectivité's traffic never spends another's budget. The client address
is the socket's, or the one ProxyFix took from the trusted proxy: a client's own X-Forwarded-For
does not reset its limit. Storage is shared between processes in production (Redis, enforced by
the production settings); in-process memory only for the demo and the tests, and as the fallback
while Redis is away.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_limiter import Limiter

from plateforme.sites import SiteKind


def _key() -> str:
    site = g.get("site")
    realm = site.tenant.schema if site is not None and site.kind is SiteKind.TENANT else "platform"
    return f"{realm}:{request.remote_addr}"


def limit(spec: str, methods: tuple[str, ...] = ("POST",)):
    """Limit the view's requests of `methods` (POST: what changes something) to `spec` (e.g.
    "10 per minute; 50 per hour")."""

    def mark(view):
        view.rate_limit = (spec, methods)
        return view

    return mark


def init_app(app: Flask) -> None:
    """After every blueprint is registered: apply the limits the views declared."""
    limiter = Limiter(key_func=_key, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      strategy="moving-window", default_limits=[], headers_enabled=False,
                      key_prefix=f"taxesejour:{app.config['ENV_NAME']}",
                      # Redis down or refusing writes: the limits go on in this process's memory
                      # (a warning in the log, "falling back to in-memory storage"), checked
                      # against Redis again until it answers; never a 500 for a login.
                      in_memory_fallback_enabled=True, swallow_errors=True)
    app.extensions["taxesejour.limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        declared = getattr(view, "rate_limit", None)
        if declared:
            spec, methods = declared
            app.view_functions[endpoint] = limiter.limit(spec, methods=list(methods))(view)
