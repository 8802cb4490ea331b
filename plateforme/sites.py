"""The host middleware: from the request's Host header to a collectivité bound for the request.

The tenant comes from the Host header only, normalised and matched exactly against the registry's
domains; never from X-Forwarded-Host (unless an operator configures a proxy to rewrite Host), a
header, a query parameter or a cookie.

Outcomes: a collectivité's host gets its pages, with its schema bound; the apex and www get the
platform's pages; an unknown subdomain of the platform gets a French 404; the server's bare address
(an IP literal or `localhost`, what `flask run` prints) gets a French 404 linking to the apex; any
other host gets 400; a suspended (or not yet provisioned, or archived) collectivité gets a French
503, and so does one being moved to another database server (« maintenance », unbound). Only
the error pages of the platform's own names and of the bare address are served with their
stylesheet: a foreign name (someone else's domain pointed here) gets nothing but a bare refusal.

Lookups are cached in the process. The cache is dropped explicitly when this process changes the
registry, and every `TENANT_CACHE_CHECK_SECONDS` (2 s by default, 5 s at most) a request reads the
registry's version number, one indexed single-row query, so that a change made by another process
takes effect within that bound.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import threading
import time
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, request

from plateforme import content, registry, tenancy
from plateforme.hostnames import InvalidHost, normalise_host
from plateforme.tenancy import TenantInfo

log = logging.getLogger(__name__)

SITE_KEY = "taxesejour.site"
CACHE_LIMIT = 10_000


class SiteKind(enum.Enum):
    TENANT = "tenant"
    PLATFORM = "platform"
    UNKNOWN_SUBDOMAIN = "unknown_subdomain"
    BARE_ADDRESS = "bare_address"
    FOREIGN = "foreign"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Site:
    kind: SiteKind
    host: str
    tenant: TenantInfo | None = None

    @property
    def realm(self) -> str:
        """Which routes this request may reach (see plateforme.routing)."""
        if self.kind is SiteKind.TENANT:
            return "tenant"
        if self.kind is SiteKind.PLATFORM:
            return "platform"
        return "none"


_resolvers: weakref.WeakSet[SiteResolver] = weakref.WeakSet()


def invalidate_local_caches() -> None:
    """Drop every cached lookup of this process (called after a registry change commits)."""
    for resolver in list(_resolvers):
        resolver.invalidate()


def check_content_now() -> None:
    """Content changed in this process: the next read checks the counters at once."""
    for resolver in list(_resolvers):
        resolver.force_check()


registry.on_change.append(invalidate_local_caches)
content.on_change.append(check_content_now)


class SiteResolver:
    """Host → Site, cached in the process and refreshed when the registry's version moves."""

    def __init__(self, state, platform_domain: str, check_seconds: float):
        self.state = state
        self.platform_domain = normalise_host(platform_domain)
        self.check_seconds = check_seconds
        self._cache: dict[str, Site] = {}
        # Bumped whenever the cache is dropped: a lookup that started before a drop is not
        # stored after it, or a stale answer would outlive the change that dropped the cache.
        self._generation = 0
        self._version: int | None = None
        self._content_version: int | None = None
        #: collectivité id → the content version last read for it (plateforme/content.py).
        self._content_versions: dict[int, int] = {}
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self.lookups = 0  # registry queries made, for tests and benchmarks
        self.content = content.ContentCache()
        _resolvers.add(self)

    def invalidate(self) -> None:
        with self._lock:
            self._cache = {}
            self._generation += 1
            self._checked_at = float("-inf")
            self._content_versions = {}
            self._content_version = None
        self.content.clear()

    def force_check(self) -> None:
        self._checked_at = float("-inf")

    def content_version(self, tenant: TenantInfo) -> int:
        """The version of `tenant`'s content this process knows, checked as the registry is."""
        self._refresh_if_due()
        version = self._content_versions.get(tenant.id)
        if version is None:
            version = self._read_content_version(tenant.id)
        return version

    def resolve(self, raw_host: str) -> Site:
        try:
            host = normalise_host(raw_host)
        except InvalidHost:
            return Site(SiteKind.FOREIGN, str(raw_host)[:255])
        if host in (self.platform_domain, "www." + self.platform_domain):
            return Site(SiteKind.PLATFORM, host)
        if is_bare_address(host):
            return Site(SiteKind.BARE_ADDRESS, host)
        try:
            self._refresh_if_due()
            site = self._cache.get(host)
            if site is None:
                generation = self._generation
                site = self._lookup(host)
                with self._lock:
                    if generation == self._generation:
                        if len(self._cache) >= CACHE_LIMIT:
                            self._cache = {}
                        self._cache[host] = site
            return site
        except sa.exc.SQLAlchemyError:
            log.exception("registry unreachable while resolving %s", host)
            return Site(SiteKind.UNAVAILABLE, host)

    def _refresh_if_due(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return
        changed = None
        with self.state.shared_connection() as conn:
            version, content_version = registry.read_versions(conn)
            seen = self._content_version
            if seen is not None and content_version > seen:
                c = registry.Collectivite.__table__
                changed = dict(conn.execute(sa.select(c.c.id, c.c.content_version)
                                            .where(c.c.content_version > seen)).all())
        with self._lock:
            if version != self._version:
                self._cache = {}
                self._generation += 1
                self._version = version
            if content_version != seen:
                if changed is None:  # first check, or the counter went back (a restore)
                    self._content_versions = {}
                    self.content.clear()
                else:
                    self._content_versions.update(changed)
                self._content_version = content_version
            self._checked_at = now

    def _read_content_version(self, collectivite_id: int) -> int:
        c = registry.Collectivite.__table__
        with self.state.shared_connection() as conn:
            version = conn.execute(sa.select(c.c.content_version)
                                   .where(c.c.id == collectivite_id)).scalar() or 0
        with self._lock:
            self._content_versions.setdefault(collectivite_id, version)
        return version

    def _lookup(self, host: str) -> Site:
        self.lookups += 1
        c = registry.Collectivite.__table__
        d = registry.Domain.__table__
        p = d.alias("primary_domain")
        primary = (sa.select(p.c.host)
                   .where(p.c.collectivite_id == c.c.id, p.c.is_primary)
                   .limit(1).scalar_subquery())
        query = (sa.select(c.c.id, c.c.slug, c.c.name, c.c.status, c.c.schema_name, c.c.server,
                           c.c.moving_to, c.c.content_version, primary.label("primary_host"))
                 .select_from(d.join(c, d.c.collectivite_id == c.c.id))
                 .where(d.c.host == host))
        with self.state.shared_connection() as conn:
            row = conn.execute(query).first()
        if row is not None:
            with self._lock:
                self._content_versions.setdefault(row.id, row.content_version)
            tenant = TenantInfo(id=row.id, slug=row.slug, name=row.name, status=row.status,
                                schema=row.schema_name, server=row.server,
                                primary_host=row.primary_host or host, moving_to=row.moving_to)
            return Site(SiteKind.TENANT, host, tenant)
        if host.endswith("." + self.platform_domain):
            return self._deleted(host, c) or Site(SiteKind.UNKNOWN_SUBDOMAIN, host)
        return Site(SiteKind.FOREIGN, host)


    def _deleted(self, host: str, c: sa.Table) -> Site | None:
        """A deleted collectivité lost its domains, but its subdomain answers as a closed one
        (never bound: its schema is gone), so a host following an old link learns it closed."""
        query = (sa.select(c.c.id, c.c.slug, c.c.name, c.c.schema_name, c.c.server)
                 .where(c.c.slug == host.removesuffix("." + self.platform_domain),
                        c.c.status == "deleted"))
        with self.state.shared_connection() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Site(SiteKind.TENANT, host, TenantInfo(
            id=row.id, slug=row.slug, name=row.name, status="deleted", schema=row.schema_name,
            server=row.server, primary_host=host))


def is_bare_address(host: str) -> bool:
    """Whether a normalised host names the machine rather than a site: `localhost` or an IP
    literal. Never a collectivité (the registry holds names), checked before the registry."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def site_for(environ, app: Flask) -> Site:
    """The request's site, resolved once and kept in the WSGI environ."""
    site = environ.get(SITE_KEY)
    if site is None:
        resolver = app.extensions["taxesejour.resolver"]
        site = environ[SITE_KEY] = resolver.resolve(environ.get("HTTP_HOST", ""))
    return site


#: Outcomes whose French error page is served with the platform's static files.
STYLED_ERRORS = (SiteKind.TENANT, SiteKind.UNKNOWN_SUBDOMAIN, SiteKind.BARE_ADDRESS)


def current_site() -> Site:
    return site_for(request.environ, current_app)


def _bind_request_site():
    """First before-request hook: refuse what has no site, bind the collectivité's schema."""
    site = current_site()
    g.site = site
    if request.endpoint == "static" and site.kind in STYLED_ERRORS:
        return None  # the stylesheet of the error page below
    if site.kind is SiteKind.FOREIGN:
        abort(400)
    if site.kind in (SiteKind.UNKNOWN_SUBDOMAIN, SiteKind.BARE_ADDRESS):
        abort(404)
    if site.kind is SiteKind.UNAVAILABLE:
        abort(503)
    if site.kind is SiteKind.TENANT:
        if site.tenant.moving_to is not None:
            # Moving to another server: not bound, so that nothing reads or writes its schema
            # while it is copied (the page says « maintenance »).
            abort(503)
        if site.tenant.status not in ("provisioning", "deleted"):
            # Bound even when closed: its 503 page still shows its support number.
            g._tenant_token = tenancy.bind(site.tenant, current_app.extensions["taxesejour.db"])
        if not site.tenant.is_open:
            abort(503)
    return None


def _unbind_request_site(_exc=None):
    token = g.pop("_tenant_token", None)
    if token is not None:
        tenancy.unbind(token)


def init_app(app: Flask) -> None:
    app.extensions["taxesejour.resolver"] = SiteResolver(
        app.extensions["taxesejour.db"], app.config["PLATFORM_DOMAIN"],
        app.config["TENANT_CACHE_CHECK_SECONDS"])
    # First of all before-request hooks: nothing runs for a request before its site is known.
    app.before_request_funcs.setdefault(None, []).insert(0, _bind_request_site)
    app.teardown_request(_unbind_request_site)
