"""Operators built through the product's own functions, and a client on the apex."""

from __future__ import annotations

import time

import pyotp
import pytest
from flask import current_app

from plateforme.database import db
from plateforme.operators import accounts, security
from plateforme.registry import utcnow
from tests.conftest import TEST_DOMAIN
from tests.tenants.conftest import Client

OPERATOR_PASSWORD = "une péniche amarrée sous le pont levis"


class Clock:
    """The TOTP's clock, moved by the test: each login gets a code of a step not used yet."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def tick(self, seconds=30):
        self.now += seconds


@pytest.fixture
def totp_clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(security.time, "time", clock.time)
    return clock


def make_operator(email: str, role: str = "operateur", name: str | None = None):
    """An operator who accepted the invitation and enrolled; returns (email, totp secret)."""
    keys = security.Keys(current_app.secret_key)
    operator = accounts.create(db.session, email, name or email.split("@")[0].title(), role)
    accounts.accept_invitation(db.session, keys, operator, OPERATOR_PASSWORD)
    accounts.start_enrolment(operator)
    operator.totp_enabled_at = utcnow()
    security.new_recovery_codes(db.session, keys, operator)
    email, secret = operator.email, operator.totp_secret
    db.session.commit()  # and no read after it: SQLite's snapshot would outlive the requests'
    return email, secret


class OperatorClient(Client):
    def __init__(self, app):
        super().__init__(app, TEST_DOMAIN)

    def operator_login(self, email, secret, clock, password=OPERATOR_PASSWORD):
        clock.tick()
        self.post("/operateurs/connexion", {"email": email, "password": password})
        return self.post("/operateurs/verification", {"code": pyotp.TOTP(secret).at(clock.now)})


@pytest.fixture
def operator(app):
    return make_operator("olga@taxesejour.fr", "operateur", "Olga Opératrice")


@pytest.fixture
def support(app):
    return make_operator("sam@taxesejour.fr", "support", "Sam Support")


@pytest.fixture
def as_operator(app, operator, totp_clock):
    client = OperatorClient(app)
    assert client.operator_login(*operator, totp_clock).status_code == 302
    return client


@pytest.fixture
def as_support(app, support, totp_clock):
    client = OperatorClient(app)
    assert client.operator_login(*support, totp_clock).status_code == 302
    return client
