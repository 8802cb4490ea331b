"""Fixtures of a collectivité's packages: a collectivité with imported hosts, a browser-like
client that reads the CSRF token from each page it posts from, as a browser would; and console
agents created, invited and enrolled through the product's own functions, with a clock for TOTP
(a code is accepted once, so successive logins need successive steps)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pyotp
import pytest
from flask import current_app

from plateforme.database import db
from tenants.access.rules import Role
from tenants.agents import accounts as agents
from tenants.agents import totp
from tenants.collectivite import settings
from tenants.core.dates import utcnow
from tenants.core.keys import Keys
from tenants.hosts import activation, codes, importing
from tenants.hosts.models import Host
from tests.conftest import create_tenant, host_of, isolated

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PASSWORD = "une longue phrase de passe tranquille"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """A test client on one host, filling in the page's CSRF token like a browser."""

    def __init__(self, app, host: str):
        self.app = app
        self.host = host
        self.http = app.test_client()
        self.base = f"http://{host}"

    def get(self, path, **kwargs):
        return isolated(self.http.get, path, base_url=self.base, **kwargs)

    def post(self, path, data=None, *, page=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            html = self.get(page or path).text
            match = CSRF_RE.search(html)
            assert match, f"no CSRF token on {page or path}"
            data.setdefault("csrf_token", match.group(1))
        if self.base.startswith("https://"):  # as browsers do; Flask-WTF checks it over HTTPS
            kwargs.setdefault("headers", {}).setdefault("Referer", self.base + "/")
        return isolated(self.http.post, path, base_url=self.base, data=data, **kwargs)

    def login(self, email, password=PASSWORD, remember=False, **kwargs):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post("/connexion", data, page="/", **kwargs)

    def logout(self):
        return self.post("/deconnexion", page="/accessibilite")

    def accept_cgu(self):
        return self.post("/cgu", {"accept_cgu": "y", "accept_privacy": "y"})

    def cookie(self, name):
        cookie = self.http.get_cookie(name, domain=self.host)
        return cookie.value if cookie else None


def messages(html: str) -> list[str]:
    """The text of the page's alerts, tags stripped."""
    blocks = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</(?:p|div)>', html, re.S)
    return [unescape(" ".join(re.sub(r"<[^>]+>", " ", b).split())) for b in blocks]


def vallee_with_hosts(app):
    """For an application of a test's own: the collectivité "vallee" with the fixture's hosts
    imported and Élodie Martin activated; returns (tenant, her login)."""
    with app.app_context():
        tenant = create_tenant(app, "vallee", "Vallée Verte")
        with db.tenant_context(tenant):
            importing.import_hosts(db.session, (FIXTURES / "hebergeurs.csv").read_bytes())
            db.session.commit()
        return tenant, activated(tenant)


@pytest.fixture
def tenant(app):
    tenant = create_tenant(app, "vallee", "Vallée Verte")
    with db.tenant_context(tenant):
        settings.get(db.session).support_phone = "+33475123456"
        db.session.commit()
    return tenant


@pytest.fixture
def imported(app, tenant):
    with db.tenant_context(tenant):
        importing.import_hosts(db.session, (FIXTURES / "hebergeurs.csv").read_bytes())
        db.session.commit()
    return tenant


@pytest.fixture
def client(app, tenant):
    return Client(app, host_of(tenant.slug))


def keys_for(tenant) -> Keys:
    return Keys(current_app.secret_key, tenant.schema)


def host_by_name(last_name: str) -> Host:
    from sqlalchemy import select

    return db.session.scalar(select(Host).where(Host.last_name == last_name))


def issue(tenant, last_name: str, days: int = 90) -> str:
    with db.tenant_context(tenant):
        code = codes.issue_code(db.session, keys_for(tenant), host_by_name(last_name), days)
        db.session.commit()
    return code


def activated(tenant, last_name="Martin", email="elodie.martin@example.fr",
              password=PASSWORD) -> str:
    """A host who went through activation (the product's own function); returns the email."""
    typed = issue(tenant, last_name)
    with db.tenant_context(tenant):
        _state, code = activation.check_code(db.session, keys_for(tenant), typed)
        activation.activate(db.session, code, email, password, "Vallée Verte")
        db.session.commit()
    return email


@pytest.fixture
def host_email(imported):
    return activated(imported)


@pytest.fixture
def logged_in(client, host_email):
    """A host logged in who accepted the CGU."""
    client.login(host_email)
    client.accept_cgu()
    return client


# --- the console ---------------------------------------------------------------------------


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
def utc_clock(monkeypatch):
    """`utcnow()` in every module of the collectivité's code, moved by the test: `clock[0]`."""
    import sys

    from tenants.core import dates

    clock = [dates.utcnow()]
    original = dates.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("tenants.") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", lambda: clock[0])
    return clock


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(totp.time, "time", clock.time)
    return clock


def make_agent(tenant, email, role=Role.AGENT, name=None):
    """An agent who accepted the invitation and enrolled; returns (email, totp secret)."""
    with db.tenant_context(tenant):
        agent = agents.create(db.session, email, name or email.split("@")[0].title(), role)
        agents.set_password(db.session, agent, AGENT_PASSWORD, "Vallée Verte")
        secret = totp.start_enrolment(agent)
        agent.totp_enabled_at = utcnow()
        totp.new_recovery_codes(db.session, keys_for(tenant), agent)
        db.session.commit()
    return email, secret


class ConsoleClient(Client):
    def console_login(self, email, secret, clock, password=AGENT_PASSWORD):
        clock.tick()
        self.post("/admin/connexion", {"email": email, "password": password})
        return self.post("/admin/verification", {"code": pyotp.TOTP(secret).at(clock.now)})


@pytest.fixture
def admin(tenant):
    return make_agent(tenant, "admin@vallee-verte.fr", Role.ADMINISTRATEUR, "Alice Admin")


@pytest.fixture
def agent(tenant):
    return make_agent(tenant, "agent@vallee-verte.fr", Role.AGENT, "Bruno Agent")


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
