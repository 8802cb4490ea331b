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

import threading
import urllib.parse

from flask import Flask, g, request
from flask_limiter import Limiter
from limits.storage import (
    SCHEMES,
    MovingWindowSupport,
    SlidingWindowCounterSupport,
    Storage,
    storage_from_string,
)

from plateforme.sites import SiteKind

_LAZY = "taxesejour-lazy+"


class _LazyStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport):
    """The configured storage (Redis in production), built when a limit is first counted:
    importing the Redis client costs about 0.1 s and 15 MB in every process that builds the
    application (`flask --help`, each worker before any limited POST). Every method is the real
    storage's; a storage scheme without these strategies is not wrapped (it fails at start, as
    it always did)."""

    STORAGE_SCHEME = [_LAZY + scheme for scheme, cls in SCHEMES.items()
                      if scheme != "memory" and issubclass(cls, MovingWindowSupport)
                      and issubclass(cls, SlidingWindowCounterSupport)]

    def __init__(self, uri: str, **options):
        super().__init__(uri, wrap_exceptions=bool(options.get("wrap_exceptions", False)))
        self._uri = uri.removeprefix(_LAZY)
        self._options = options
        self._real: Storage | None = None
        self._lock = threading.Lock()

    def _target(self):
        if self._real is None:
            with self._lock:
                if self._real is None:
                    self._real = storage_from_string(self._uri, **self._options)
        return self._real

    @property
    def base_exceptions(self):
        return self._target().base_exceptions

    def incr(self, key, expiry, amount=1):
        return self._target().incr(key, expiry, amount)

    def get(self, key):
        return self._target().get(key)

    def get_expiry(self, key):
        return self._target().get_expiry(key)

    def check(self):
        return self._target().check()

    def reset(self):
        return self._target().reset()

    def clear(self, key):
        return self._target().clear(key)

    def acquire_entry(self, key, limit, expiry, amount=1):
        return self._target().acquire_entry(key, limit, expiry, amount)

    def get_moving_window(self, key, limit, expiry):
        return self._target().get_moving_window(key, limit, expiry)

    def acquire_sliding_window_entry(self, key, limit, expiry, amount=1):
        return self._target().acquire_sliding_window_entry(key, limit, expiry, amount)

    def get_sliding_window(self, key, expiry):
        return self._target().get_sliding_window(key, expiry)

    def clear_sliding_window(self, key, expiry):
        return self._target().clear_sliding_window(key, expiry)


def _lazy_uri(uri: str) -> str:
    """`uri` for the lazy storage when it can wrap that scheme; unchanged otherwise."""
    lazy = _LAZY + uri
    return lazy if urllib.parse.urlparse(lazy).scheme in _LazyStorage.STORAGE_SCHEME else uri


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
    limiter = Limiter(key_func=_key, app=app,
                      storage_uri=_lazy_uri(app.config["RATELIMIT_STORAGE_URI"]),
                      strategy="moving-window", default_limits=[], headers_enabled=False,
                      key_prefix=f"taxesejour:{app.config['ENV_NAME']}",
                      # Redis down or refusing writes: the limits go on in this process's memory
                      # (a warning in the log, "falling back to in-memory storage"), checked
                      # against Redis again until it answers; never a 500 for a login.
                      in_memory_fallback_enabled=True, swallow_errors=True)
    app.extensions["taxesejour.limiter"] = limiter
    limited: set[tuple[str, str]] = set()
    for endpoint, view in list(app.view_functions.items()):
        declared = getattr(view, "rate_limit", None)
        if declared:
            spec, methods = declared
            app.view_functions[endpoint] = limiter.limit(spec, methods=list(methods))(view)
            limited.update((endpoint, method) for method in methods)

    @limiter.request_filter
    def _nothing_to_count() -> bool:
        """A view and method without a declared limit: the limiter has nothing to do (no
        default limits), so it skips its per-request work."""
        return (request.endpoint, request.method) not in limited
