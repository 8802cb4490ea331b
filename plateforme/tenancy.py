"""Which collectivité the running code works for, and the rules its schema name obeys.

The binding lives in a context variable, set for a request by the host middleware and for a
command by `tenant_context`. Nothing falls back to a default: tenant-scoped code that runs with no
tenant bound raises `NoTenantBound`. A thread or a task started from a request does not inherit the
binding (contextvars are per thread), so it fails loudly instead of reading another tenant's data.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The schema every tenant table is declared in; translated per binding to the tenant's schema
#: (PostgreSQL) or to the tenant's own file's main schema (SQLite).
SCHEMA_PLACEHOLDER = "tenant"

SCHEMA_PREFIX = "tenant_"
SCHEMA_RE = re.compile(r"tenant_[a-z0-9_]{1,40}")


class NoTenantBound(RuntimeError):
    """Tenant-scoped code ran with no collectivité bound."""


def schema_name_for(slug: str) -> str:
    """The schema of a new collectivité: fixed at creation, it does not follow later renames."""
    return check_schema_name(SCHEMA_PREFIX + slug.replace("-", "_"))


def check_schema_name(name: str) -> str:
    if not isinstance(name, str) or not SCHEMA_RE.fullmatch(name):
        raise ValueError(f"invalid tenant schema name: {name!r}")
    return name


@dataclass(frozen=True)
class TenantInfo:
    """What a request needs to know about its collectivité, cached by the host resolver."""

    id: int
    slug: str
    name: str
    status: str
    schema: str
    server: str
    primary_host: str
    #: The server its schema is being copied to (`flask tenants move`): closed meanwhile.
    moving_to: str | None = None

    def __post_init__(self):
        check_schema_name(self.schema)

    @property
    def is_open(self) -> bool:
        return self.status == "active" and self.moving_to is None


@dataclass(eq=False)
class TenantBinding:
    """One collectivité bound to the running context, with the session that serves it.

    The session is created on first use and never changes tenant: leaving the binding closes it.
    """

    tenant: TenantInfo
    state: object  # plateforme.database.DatabaseState
    _session: Session | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.state.make_session(self.tenant)
        return self._session

    @property
    def open_session(self) -> Session | None:
        """The session, if one was created (without creating it)."""
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


_binding: ContextVar[TenantBinding | None] = ContextVar("taxesejour_tenant", default=None)


def current_binding() -> TenantBinding | None:
    return _binding.get()


def current_tenant() -> TenantInfo:
    binding = _binding.get()
    if binding is None:
        raise NoTenantBound("tenant-scoped code ran with no collectivité bound")
    return binding.tenant


def bind(tenant: TenantInfo, state) -> object:
    """Bind `tenant`; returns the token that `unbind` needs."""
    return _binding.set(TenantBinding(tenant, state))


def unbind(token) -> None:
    binding = _binding.get()
    try:
        if binding is not None:
            binding.close()
    finally:
        _binding.reset(token)
