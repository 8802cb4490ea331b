"""What the platform knows of its deployment outside a request: its domain, how absolute links
are written, who operates it, where the collectivités' migrations live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    domain: str
    scheme: str
    port: str | None
    operator: str
    tenant_migrations: str

    @classmethod
    def from_config(cls, config) -> Platform:
        return cls(domain=config["PLATFORM_DOMAIN"], scheme=config["PREFERRED_URL_SCHEME"],
                   port=config.get("PUBLIC_PORT"), operator=config["PLATFORM_OPERATOR"],
                   tenant_migrations=config["TENANT_MIGRATIONS_DIR"])

    def url(self, host: str, path: str = "/") -> str:
        """The one absolute-URL builder: letters, emails, the apex link, the demo's URL."""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{host}{port}{path}"
