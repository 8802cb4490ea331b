"""Each collectivité's content (settings, branding, news, legal texts, tariffs...) served from
memory, per process, and dropped when it changes.

Why: every page shows the collectivité's name, colour, support number and news; reading them
per request was most of a page's database time. They change a few times a month, by an agent.

How it stays right:
- Features declare which of their models are content (`tracks`) and how a value is read
  (`cached`: a loader taking a session and returning a plain value, never an ORM object).
- Any flush of a collectivité's session that adds, changes or deletes a tracked row (and any
  ORM bulk UPDATE/DELETE on a tracked table) bumps `registry_state.content_version` and writes
  the new number into that collectivité's `collectivites.content_version`, in the same
  transaction as the change (same connection on PostgreSQL's default server).
- The host resolver (plateforme/sites.py) reads both counters of `registry_state` in its
  periodic check — the one single-row query it already made — and, when the content counter
  moved, reads which collectivités changed since (`content_version >` the last one seen). A
  change made by another process is therefore seen within `TENANT_CACHE_CHECK_SECONDS`; one
  made by this process, at once (the commit forces the next check).
- Within the request that changed content, loaders read the database directly.
Outside a request (commands, tasks) nothing is cached: they read the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from plateforme import registry, tenancy

T = TypeVar("T")

_tracked_tables: set[str] = set()
_tracked_models: tuple[type, ...] = ()

#: Called after a commit that changed content (the resolver forces its next check).
on_change: list[Callable[[], None]] = []


def tracks(*models: type) -> None:
    """Declare `models` as content: any change to their rows invalidates the caches."""
    global _tracked_models
    _tracked_models = (*_tracked_models, *models)
    _tracked_tables.update(model.__table__.name for model in models)


def _tenant_of(session: Session):
    return getattr(session, "tenant", None)


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session, _flush_context, _instances):
    tenant = _tenant_of(session)
    if tenant is None or not _tracked_models:
        return
    if any(isinstance(obj, _tracked_models)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        bump(session, tenant.id)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(orm_execute_state):
    if not (orm_execute_state.is_update or orm_execute_state.is_delete
            or orm_execute_state.is_insert):  # a deliberation's rows are inserted in bulk
        return
    session = orm_execute_state.session
    tenant = _tenant_of(session)
    table = getattr(orm_execute_state.statement, "table", None)
    if tenant is not None and getattr(table, "name", None) in _tracked_tables:
        bump(session, tenant.id)


def bump(session: Session, collectivite_id: int) -> None:
    """Mark the collectivité's content as changed, in the session's transaction."""
    state = registry.RegistryState.__table__
    rows = registry.Collectivite.__table__
    session.execute(sa.update(state).where(state.c.id == 1)
                    .values(content_version=state.c.content_version + 1))
    version = session.execute(sa.select(state.c.content_version)
                              .where(state.c.id == 1)).scalar() or 0
    session.execute(sa.update(rows).where(rows.c.id == collectivite_id)
                    .values(content_version=version))
    session.info["content_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("content_changed", False):
        for listener in on_change:
            listener()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("content_changed", None)


class ContentCache:
    """Per collectivité: the content version its values were read at, and the values."""

    def __init__(self):
        self._entries: dict[tuple[int, str], tuple[int, dict[tuple, Any]]] = {}
        self._lock = threading.Lock()
        self.loads = 0  # values read from the database, for tests and benchmarks

    def clear(self) -> None:
        with self._lock:
            self._entries = {}

    def get(self, tenant, version: int, name: tuple, load: Callable[[], T]) -> T:
        key = (tenant.id, tenant.schema)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version and name in entry[1]:
            return entry[1][name]
        value = load()
        self.loads += 1
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                entry = (version, {})
                self._entries[key] = entry
            entry[1][name] = value
        return value


def cached(loader: Callable[..., T]) -> Callable[..., T]:
    """Serve `loader(session, *args)` for the bound collectivité from memory while its content
    version has not moved (`args` hashable). The value must be immutable: every request of
    the process shares it. The request that changed content, or a session other than the
    binding's, reads the database."""
    name = f"{loader.__module__}.{loader.__qualname__}"

    @wraps(loader)
    def read(session: Session, *args) -> T:
        binding = tenancy.current_binding()
        if binding is None or session is not binding.session \
                or session.info.get("content_changed"):
            return loader(session, *args)
        return _kept((name, *args), lambda: loader(session, *args))

    return read


def remembered(key: tuple, build: Callable[[], T]) -> T:
    """`build()`'s value for the bound collectivité, kept in memory until its content changes:
    for what is made only of its content (a page whose every input is content, say). `key`
    names the value and anything else it depends on."""
    return _kept(("remembered", *key), build)


def _kept(key: tuple, build: Callable[[], T]) -> T:
    """The value kept under `key` for the bound collectivité at its current content version;
    built (and kept) when missing. Outside a request, nothing is kept."""
    binding = tenancy.current_binding()
    if binding is None or not has_request_context():
        return build()
    resolver = current_app.extensions["taxesejour.resolver"]
    version = resolver.content_version(binding.tenant)
    return resolver.content.get(binding.tenant, version, key, build)
