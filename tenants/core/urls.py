"""Absolute links to a collectivité's pages, for what leaves the browser: letters, emails.

Always on the collectivité's primary domain from the registry, never on the request's Host
header, so a link in a letter or an email never points where an attacker's header said.
"""

from __future__ import annotations

from flask import current_app

from plateforme.deployment import Platform
from plateforme.routing import tenant_path
from plateforme.tenancy import current_tenant


def tenant_url(endpoint: str | None = None, **values) -> str:
    """The bound collectivité's page `endpoint` (its home page when None), absolute."""
    tenant = current_tenant()
    path = tenant_path(current_app, endpoint, **values) if endpoint else "/"
    return Platform.from_config(current_app.config).url(tenant.primary_host, path)
