"""Two realms of routes: the platform's (apex and www) and a collectivité's (its own hosts).

Every route belongs to exactly one realm, declared by the blueprint that holds it; a route with no
realm cannot be registered. The URL map uses host matching on two synthetic host names, and each
request's URL adapter is bound to the realm its Host header resolved to. So a tenant route simply
does not exist on the apex or on an unknown host: it can only be reached with a collectivité
bound.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.sansio.blueprints import BlueprintSetupState

from plateforme import sites, templating

REALMS = ("platform", "tenant")
#: Hosts that resolve to neither realm (unknown subdomain, foreign host) reach no route but the
#: static files their error page needs.
NO_REALM = "none"


class _RealmSetupState(BlueprintSetupState):
    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        options.setdefault("host", self.blueprint.realm)
        if options["host"] != self.blueprint.realm:
            raise ValueError(f"{self.blueprint.name}: a route cannot leave its blueprint's realm")
        super().add_url_rule(rule, endpoint, view_func, **options)


class RealmBlueprint(Blueprint):
    realm: str = ""

    def make_setup_state(self, app, options, first_registration=False):
        return _RealmSetupState(self, app, options, first_registration)


class TenantBlueprint(RealmBlueprint):
    """Routes served on a collectivité's hosts, with its schema bound."""

    realm = "tenant"


class PlatformBlueprint(RealmBlueprint):
    """Routes served on the platform's apex and www."""

    realm = "platform"


def tenant_path(app: Flask, endpoint: str, **values) -> str:
    """The path of a tenant route, in a request or not (letters, emails, commands)."""
    return app.url_map.bind(TENANT_REALM, script_name="/").build(endpoint, values)


TENANT_REALM = "tenant"


class App(Flask):
    def __init__(self, *args, **kwargs):
        kwargs.update(host_matching=True, static_host="platform")
        self._sync_functions: dict = {}
        super().__init__(*args, **kwargs)
        # The same static files on every realm; url_for picks the current realm's rule.
        for realm in ("tenant", NO_REALM):
            super().add_url_rule(f"{self.static_url_path}/<path:filename>", endpoint="static",
                                 host=realm, view_func=self.view_functions["static"])

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None,
                     **options):
        if options.get("host") not in REALMS:
            raise ValueError(
                f"route {rule!r} has no realm: register it on a TenantBlueprint or a "
                "PlatformBlueprint")
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def ensure_sync(self, func):
        """Flask asks, for every hook and view of every request, whether it is a coroutine
        function (`inspect`, a few microseconds each, a dozen times a request): the answer
        never changes, so it is kept."""
        known = self._sync_functions.get(func)
        if known is None:
            known = self._sync_functions[func] = super().ensure_sync(func)
        return known

    def update_template_context(self, context):
        # A panel rendered inside a page reuses the page's context processors' values.
        templating.update_context(self, context)

    def create_url_adapter(self, request):
        if request is None:
            return super().create_url_adapter(request)
        site = sites.site_for(request.environ, self)
        return self.url_map.bind_to_environ(request.environ, server_name=site.realm)
