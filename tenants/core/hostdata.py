"""A host's own figures (what they owe, what they declared, the texts awaiting them) kept in
memory, per process, until a row of theirs changes.

Why: on the 15th every host of every collectivité opens their dashboard, and each one read
nine statements' worth of declarations, payments and procedures that had not changed since
their last visit.

How it stays right:
- Features declare which models hold a host's data and how a row leads to its host (`tracks`:
  a `host_id`, or an hébergement or a declaration whose host is read in SQL), and which
  settings concern every host (`tracks_all`).
- Any flush that adds, changes or deletes such a row adds one to `hosts.data_version` of the
  hosts concerned (the old host too when a row moves), in the same transaction as the change.
  An ORM bulk statement bumps the hosts of the rows its WHERE selects, read before it runs;
  every host of the collectivité when that cannot be told (nor a flushed row's host).
- The identity query reads the host's row on every request (session and host joined): the
  version a page sees is the database's, whichever process made the change, at no extra query.
- A value is kept under (the host's version and account, the collectivité's content version,
  the day in Paris) and, when it depends on the hour (a card payment's hold), until the instant
  the builder gives; a value made of kept values (a page of its panels) holds no longer than
  they do, and they are kept within it only. A value built by a request that has changed
  anything is not kept, and a request that changed a host's data reads the database.
The value kept must be immutable (rendered HTML, a bool, a frozen dataclass): every request of
the process shares it. Outside a request nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from plateforme import tenancy
from plateforme.database import TenantModel
from tenants.core.dates import paris_today, utcnow

T = TypeVar("T")
KEY = "taxesejour.hostdata"
#: While a kept value is built: the instants until which the kept values it uses hold.
_inside: ContextVar[list | None] = ContextVar("hostdata_inside", default=None)
CHANGED = "host_data_changed"
BUMP = "host_data_bump"          # the execution option marking our own UPDATE of the versions


@dataclass(frozen=True)
class _Track:
    key: str                                      # the attribute naming the host or the row
    hosts_of: Callable[[list], sa.Select] | None  # ids of that row -> a SELECT of host ids


#: Per table name: how its rows lead to their hosts (flushes and bulk statements alike);
#: `EVERY_HOST` for the settings that concern every host.
_tracked: dict[str, _Track] = {}
EVERY_HOST = _Track("", None)


def tracks(model: type, key: str = "host_id",
           hosts_of: Callable[[list], sa.Select] | None = None) -> None:
    """`model`'s rows are a host's data: `key` holds the host's id, or (with `hosts_of`) the
    id of a row from which `hosts_of(ids)` selects the hosts."""
    _tracked[model.__table__.name] = _Track(key, hosts_of)


def tracks_all(*models: type) -> None:
    """A change to these rows (a collectivité's settings) concerns every host."""
    _tracked.update((model.__table__.name, EVERY_HOST) for model in models)


def _hosts_table() -> sa.Table:
    return next(t for t in TenantModel.metadata.sorted_tables if t.name == "hosts")


def _spec(table) -> _Track | None:
    return _tracked.get(getattr(table, "name", None))


def _values(obj, key: str) -> set:
    """The attribute's value now and before the flush (a row moved to another host counts for
    both); empty when it was never loaded."""
    state = sa.inspect(obj)
    found = set()
    if key in state.dict:
        found.add(state.dict[key])
    history = state.attrs[key].history
    found.update(chain(history.added or (), history.unchanged or (), history.deleted or ()))
    found.discard(None)
    return found


@event.listens_for(Session, "after_flush")
def _bump_on_flush(session, _flush_context):
    if getattr(session, "tenant", None) is None or not _tracked:
        return
    every, direct, through, created = False, set(), {}, set()
    for obj in chain(session.new, session.dirty, session.deleted):
        spec = _spec(getattr(obj, "__table__", None))
        if spec is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if spec is EVERY_HOST:
            every = True
            break
        values = _values(obj, spec.key)
        if not values:
            every = True
            break
        if spec.key == "id" and obj in session.new:
            created.update(values)        # a host just created: nothing of theirs is kept
        elif spec.hosts_of is None:
            direct.update(values)
        else:
            through.setdefault(spec.hosts_of, set()).update(values)
    if every:
        bump(session, None)
        return
    hosts = _hosts_table()
    for ids in _chunks(direct - created):
        bump(session, hosts.c.id.in_(ids))
    for select, keys in through.items():
        for ids in _chunks(keys):
            bump(session, hosts.c.id.in_(select(ids)))


def _chunks(ids: set, size: int = 500) -> Iterable[list]:
    """An import of thousands of hosts stays under the databases' limits on parameters."""
    ordered = sorted(ids)
    return (ordered[i:i + size] for i in range(0, len(ordered), size))


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(orm_execute_state):
    """Before an ORM bulk statement runs: its rows' hosts, read with the statement's own WHERE
    (an UPDATE may no longer match once run, a DELETE's rows are gone)."""
    state = orm_execute_state
    if state.execution_options.get(BUMP) or not (state.is_update or state.is_delete
                                                 or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    spec = _spec(table)
    if spec is not None and getattr(state.session, "tenant", None) is not None:
        bump(state.session, None if spec is EVERY_HOST else _bulk_hosts(state, table, spec))


def _bulk_hosts(state, table: sa.Table, spec: _Track):
    """Which hosts a bulk statement concerns; None (every host) when it cannot be told."""
    statement = state.statement
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters]
        values = {(row or {}).get(spec.key) for row in rows}
        if not rows or None in values:
            return None
        ids = sorted(values)
    else:
        changed = {getattr(column, "key", column) for column in getattr(statement, "_values", None)
                   or ()}
        if spec.key in changed:           # rows moved to another host: the new one unknown
            return None
        ids = sa.select(table.c[spec.key])
        if statement.whereclause is not None:
            ids = ids.where(statement.whereclause)
    hosts = _hosts_table()
    return hosts.c.id.in_(ids if spec.hosts_of is None else spec.hosts_of(ids))


def bump(session: Session, which) -> None:
    """Add one to the data version of the hosts `which` selects (every host when None), in the
    session's transaction."""
    hosts = _hosts_table()
    statement = sa.update(hosts).values(data_version=hosts.c.data_version + 1,
                                        updated_at=hosts.c.updated_at)
    if which is not None:
        statement = statement.where(which)
    session.execute(statement.execution_options(**{BUMP: True}))
    session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_change(session):
    session.info.pop(CHANGED, None)


def _size(value) -> int:
    """Roughly what a kept value holds in memory, in bytes (pages and panels are text)."""
    if isinstance(value, bytes | str):
        return len(value) + 50
    if isinstance(value, tuple):
        return 56 + sum(_size(item) for item in value)
    return 64


class HostDataCache:
    """The values kept, least recently used dropped first once they hold `max_bytes`: a worker
    serves thousands of hosts."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple, tuple[tuple, datetime | None, Any, int]] = \
            OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0  # values built, for tests and benchmarks

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple, stamp: tuple, now: datetime) -> tuple[bool, Any, datetime | None]:
        """(found, the value, until when it holds)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp or (entry[1] is not None and now >= entry[1]):
                return False, None, None
            self._entries.move_to_end(key)
            return True, entry[2], entry[1]

    def put(self, key: tuple, stamp: tuple, until: datetime | None, value: Any) -> None:
        size = _size(value)
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self.bytes -= replaced[3]
            self._entries[key] = (stamp, until, value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._entries:
                self.bytes -= self._entries.popitem(last=False)[1][3]


def init_app(app) -> None:
    app.extensions[KEY] = HostDataCache(int(app.config["HOST_DATA_CACHE_MB"] * 1024 * 1024))


def cache(app=None) -> HostDataCache:
    return (app or current_app).extensions[KEY]


def _changing(session: Session) -> bool:
    return bool(session.info.get(CHANGED) or session.new or session.dirty or session.deleted)


def kept(session: Session, host, name: str, build: Callable[[], T],
         until: Callable[[T], datetime | None] | None = None) -> T:
    """`build()` for `host`, from memory while their data, the collectivité's content and the
    day have not changed, and (with `until`) before the instant `until(value)` returns. A value
    built from other kept values (a page from its panels) holds no longer than they do."""
    binding = tenancy.current_binding()
    if (binding is None or not has_request_context() or session is not binding.session
            or KEY not in current_app.extensions or _changing(session)):
        return build()
    tenant = binding.tenant
    # `auth_version` is random per account: a host created with the id of one deleted (SQLite
    # may reuse it) never meets the values kept for the other.
    stamp = (host.data_version, host.auth_version,
             current_app.extensions["taxesejour.resolver"].content_version(tenant), paris_today())
    key = (tenant.id, tenant.schema, host.id, name)
    store = cache()
    outer = _inside.get()
    found, value, holds = store.get(key, stamp, utcnow())
    if not found:
        inner: list[datetime | None] = []
        token = _inside.set(inner)
        try:
            value = build()
        finally:
            _inside.reset(token)
        store.loads += 1
        holds = earliest([until(value) if until else None, *inner])
        # A part of a kept value (a panel of the page) is kept within it, not twice.
        if outer is None and not _changing(session):
            store.put(key, stamp, holds, value)
    if outer is not None:
        outer.append(holds)
    return value


def earliest(instants: Iterable[datetime | None]) -> datetime | None:
    """The first of the instants at which a kept value stops being true (None: none)."""
    return min((i for i in instants if i is not None), default=None)
