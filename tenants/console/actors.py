"""Who acted, named for the journal: the agents and hosts behind a page (or an export) of events,
in one query per kind and per thousand people. The journal itself sits below both packages and
only knows their ids and emails."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tenants.agents.models import Agent
from tenants.audit.catalogue import Person
from tenants.hosts.models import Host

CHUNK = 1000


def _chunks(ids: set[int]):
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def named(session: Session, events) -> dict[tuple[str, int], Person]:
    def ids(kind):
        return {e.actor_id for e in events if e.actor_kind == kind and e.actor_id is not None}

    people: dict[tuple[str, int], Person] = {}
    for chunk in _chunks(ids("agent")):
        for agent in session.scalars(sa.select(Agent).where(Agent.id.in_(chunk))):
            people["agent", agent.id] = Person(agent.name, agent.role_label.lower())
    for chunk in _chunks(ids("host")):
        for host_id, first, last in session.execute(
                sa.select(Host.id, Host.first_name, Host.last_name).where(Host.id.in_(chunk))):
            people["host", host_id] = Person(f"{first} {last}".strip())
    return people
