"""Console fixtures: agents created, invited and enrolled through the product's own functions,
and a clock for TOTP (a code is accepted once, so successive logins need successive steps)."""

from __future__ import annotations

import pyotp
import pytest

from plateforme.database import db
from tenants import accounts, agents
from tests.tenants.conftest import Client, keys_for

AGENT_PASSWORD = "un bureau calme au bord du canal"


class Clock:
    def __init__(self):
        import time

        self.now = time.time()

    def time(self):
        return self.now

    def tick(self, seconds=30):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(agents.time, "time", clock.time)
    return clock


def make_agent(tenant, email, role="agent", name=None):
    """An agent who accepted the invitation and enrolled; returns (email, totp secret)."""
    with db.tenant_context(tenant):
        agent = agents.create(db.session, email, name or email.split("@")[0].title(), role)
        agents.set_password(db.session, agent, AGENT_PASSWORD, "Vallée Verte")
        secret = agents.start_enrolment(agent)
        agent.totp_enabled_at = accounts.utcnow()
        agents.new_recovery_codes(db.session, keys_for(tenant), agent)
        db.session.commit()
    return email, secret


class ConsoleClient(Client):
    def console_login(self, email, secret, clock, password=AGENT_PASSWORD):
        clock.tick()
        self.post("/admin/connexion", {"email": email, "password": password})
        return self.post("/admin/verification", {"code": pyotp.TOTP(secret).at(clock.now)})


@pytest.fixture
def admin(tenant):
    return make_agent(tenant, "admin@vallee-verte.fr", "administrateur", "Alice Admin")


@pytest.fixture
def agent(tenant):
    return make_agent(tenant, "agent@vallee-verte.fr", "agent", "Bruno Agent")


@pytest.fixture
def console(app, tenant):
    return ConsoleClient(app, "vallee.taxesejour.test")


@pytest.fixture
def as_admin(console, admin, clock):
    response = console.console_login(*admin, clock)
    assert response.status_code == 302, response.text
    return console


@pytest.fixture
def as_agent(app, tenant, agent, clock):
    client = ConsoleClient(app, "vallee.taxesejour.test")
    assert client.console_login(*agent, clock).status_code == 302
    return client
