"""Keyed digests: how codes and tokens are stored (never in clear).

Each digest is keyed by the application's secret, a purpose and the collectivité's schema, so a
database dump is useless to replay them and a value made for one purpose or one collectivité
means nothing for another.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app

from plateforme.tenancy import current_tenant


def digest(secret_key: str, purpose: str, schema: str, value: str) -> str:
    key = hashlib.sha256(f"{secret_key}|{purpose}|{schema}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keys:
    """What digests and tokens are keyed with: the app's secret and the collectivité."""

    secret_key: str
    schema: str

    def token_digest(self, purpose: str, token: str) -> str:
        return digest(self.secret_key, purpose, self.schema, token)

    def salt(self, purpose: str) -> str:
        """An itsdangerous salt: a token signed for one purpose or collectivité verifies
        nowhere else."""
        return f"{purpose}|{self.schema}"


def current_keys() -> Keys:
    """The bound collectivité's keys (a request on its host, or a command bound to it)."""
    return Keys(current_app.secret_key, current_tenant().schema)
